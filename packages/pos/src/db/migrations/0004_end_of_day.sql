-- End of day: a store's business day (its local date) closed by a manager.
-- The Z report as it stood at closing is kept whole, and never changes after:
-- `sale_ids` and `refund_ids` are what it counted, so anything of that date
-- registered after the closing (a payment the platform confirmed late) is
-- reported on the next day instead, never lost and never counted twice.
CREATE TABLE end_of_day (
  store_id text NOT NULL REFERENCES store (id),
  business_date text NOT NULL CHECK (business_date ~ '^\d{4}-\d{2}-\d{2}$'),
  closed_at timestamptz NOT NULL,
  closed_by text NOT NULL REFERENCES cashier (id),
  report jsonb NOT NULL,
  sale_ids jsonb NOT NULL CHECK (jsonb_typeof(sale_ids) = 'array'),
  refund_ids jsonb NOT NULL CHECK (jsonb_typeof(refund_ids) = 'array'),
  PRIMARY KEY (store_id, business_date)
);

-- The day's paid sales and completed refunds, for the Z report and reconciliation.
CREATE INDEX sale_store_closed ON sale (store_id, closed_at) WHERE state = 'paid';
CREATE INDEX refund_store_updated ON refund (store_id, updated_at) WHERE state = 'refunded';
CREATE INDEX payment_attempt_store_created ON payment_attempt (store_id, created_at);
