-- The platform's pspReference of a capture or refund, once the shop knows it
-- (eCom's answer carries it; ePayment's comes with the CAPTURED or REFUNDED
-- webhook): the settlement report names the operation by it.
ALTER TABLE shop_payment_operation ADD COLUMN psp_reference text;
