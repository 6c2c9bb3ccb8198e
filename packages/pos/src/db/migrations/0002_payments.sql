-- The till's payment flow: the customer on a sale, the payment attempt's
-- state machine with its stored request and keys, the work claims that let
-- several till processes share the polling, capture and sweeping, the
-- webhook registration and the events received, and refunds.

-- The customer the payment request goes to. The scanned personal QR is kept
-- whole: the platform wants the complete content, not the number behind it.
ALTER TABLE sale
  ADD COLUMN customer_msisdn text CHECK (customer_msisdn ~ '^[0-9]{10,15}$'),
  ADD COLUMN customer_source text CHECK (customer_source IN ('typed', 'qr')),
  ADD COLUMN customer_personal_qr text CHECK (length(customer_personal_qr) BETWEEN 5 AND 255),
  ADD CONSTRAINT sale_customer_complete CHECK (
    (customer_msisdn IS NULL AND customer_source IS NULL AND customer_personal_qr IS NULL)
    OR (customer_msisdn IS NOT NULL AND customer_source = 'typed' AND customer_personal_qr IS NULL)
    OR (customer_msisdn IS NOT NULL AND customer_source = 'qr' AND customer_personal_qr IS NOT NULL)
  );
CREATE INDEX sale_customer_msisdn ON sale (store_id, customer_msisdn) WHERE customer_msisdn IS NOT NULL;

-- The attempt is its own work item: `next_check_at` says when a till process
-- should next look at it (poll, capture, resolve an unknown outcome), and
-- `claimed_by`/`claimed_until` is the lease a process holds while it calls
-- the platform about it, taken with FOR UPDATE SKIP LOCKED. A state change
-- and its next due time are written in one statement, so no separate outbox
-- message can be lost or duplicated.
ALTER TABLE payment_attempt
  ADD CONSTRAINT payment_attempt_state_known CHECK (state IN (
    'creating', 'unknown', 'waiting_for_customer', 'authorized', 'capturing', 'cancelling',
    'captured', 'declined', 'expired', 'cancelled', 'failed'
  )),
  ADD COLUMN attempt_number integer NOT NULL DEFAULT 1 CHECK (attempt_number >= 1),
  ADD COLUMN customer_msisdn text,
  ADD COLUMN customer_source text CHECK (customer_source IN ('typed', 'qr')),
  -- The create request exactly as sent the first time: a retry sends the same
  -- body with the same key, which the platform answers as the first.
  ADD COLUMN create_request jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN capture_idempotency_key text NOT NULL DEFAULT '' CHECK (length(capture_idempotency_key) <= 50),
  ADD COLUMN cancel_idempotency_key text NOT NULL DEFAULT '' CHECK (length(cancel_idempotency_key) <= 50),
  ADD COLUMN cancelled_amount integer NOT NULL DEFAULT 0 CHECK (cancelled_amount >= 0),
  ADD COLUMN error_code text,
  ADD COLUMN error_message text,
  ADD COLUMN error_retryable boolean,
  -- When the create call was last sent: how long an unknown outcome has lasted.
  ADD COLUMN create_sent_at timestamptz,
  ADD COLUMN cancel_requested_at timestamptz,
  ADD COLUMN checks integer NOT NULL DEFAULT 0 CHECK (checks >= 0),
  ADD COLUMN next_check_at timestamptz,
  ADD COLUMN claimed_by text,
  ADD COLUMN claimed_until timestamptz,
  ADD COLUMN final_at timestamptz,
  ADD CONSTRAINT payment_attempt_number_unique UNIQUE (sale_id, attempt_number),
  ADD CONSTRAINT payment_attempt_error_complete CHECK ((error_code IS NULL) = (error_message IS NULL));

-- At most one attempt per sale is under way: a double click or two processes
-- starting the same payment end with one request to the customer.
CREATE UNIQUE INDEX payment_attempt_one_live_per_sale ON payment_attempt (sale_id)
  WHERE state IN ('creating', 'unknown', 'waiting_for_customer', 'authorized', 'capturing', 'cancelling');
CREATE INDEX payment_attempt_due ON payment_attempt (next_check_at)
  WHERE state IN ('creating', 'unknown', 'waiting_for_customer', 'authorized', 'capturing', 'cancelling');
CREATE INDEX payment_attempt_customer ON payment_attempt (store_id, customer_msisdn);

-- The till's webhook registrations with the platform, with the secret that
-- verifies deliveries (the platform shows it once). One per MSN and public
-- URL: till processes behind one URL share it.
CREATE TABLE webhook_registration (
  id text PRIMARY KEY,
  msn text NOT NULL CHECK (msn ~ '^[0-9]{4,6}$'),
  url text NOT NULL,
  secret text NOT NULL,
  events jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  confirmed_at timestamptz NOT NULL,
  CONSTRAINT webhook_registration_msn_url_unique UNIQUE (msn, url)
);

-- Every ePayment event the webhook receiver accepted, once: a replayed or
-- duplicated delivery finds its row and changes nothing.
CREATE TABLE payment_webhook_event (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dedupe_key text NOT NULL,
  msn text NOT NULL,
  reference text NOT NULL,
  name text NOT NULL,
  psp_reference text NOT NULL,
  currency text NOT NULL,
  amount integer NOT NULL,
  event_timestamp text NOT NULL,
  attempt_id text REFERENCES payment_attempt (id),
  received_at timestamptz NOT NULL,
  CONSTRAINT payment_webhook_event_dedupe_unique UNIQUE (dedupe_key)
);
CREATE INDEX payment_webhook_event_reference ON payment_webhook_event (reference);

-- A refund of some or all of a paid sale's lines, through ePayment with its
-- own stored key. It gets a return receipt number (from the store's receipt
-- counter) when the platform has refunded it, so numbers have no gaps.
CREATE TABLE refund (
  id text PRIMARY KEY,
  sale_id text NOT NULL REFERENCES sale (id),
  attempt_id text NOT NULL REFERENCES payment_attempt (id),
  store_id text NOT NULL REFERENCES store (id),
  state text NOT NULL CHECK (state IN ('refunding', 'refunded', 'failed')),
  currency text NOT NULL CHECK (currency IN ('NOK', 'DKK', 'EUR')),
  amount integer NOT NULL CHECK (amount > 0),
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 50),
  receipt_number integer,
  requested_by text NOT NULL REFERENCES cashier (id),
  error_code text,
  error_message text,
  next_check_at timestamptz,
  claimed_by text,
  claimed_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT refund_idempotency_key_unique UNIQUE (idempotency_key),
  CONSTRAINT refund_receipt_number_unique UNIQUE (store_id, receipt_number),
  CONSTRAINT refund_numbered_when_refunded CHECK ((state = 'refunded') = (receipt_number IS NOT NULL))
);
CREATE INDEX refund_sale ON refund (sale_id);
CREATE INDEX refund_due ON refund (next_check_at) WHERE state = 'refunding';

CREATE TABLE refund_line (
  refund_id text NOT NULL REFERENCES refund (id) ON DELETE CASCADE,
  sale_line_id text NOT NULL REFERENCES sale_line (id),
  quantity integer NOT NULL CHECK (quantity >= 1),
  gross_amount integer NOT NULL CHECK (gross_amount >= 0),
  vat_amount integer NOT NULL CHECK (vat_amount >= 0),
  net_amount integer NOT NULL,
  PRIMARY KEY (refund_id, sale_line_id)
);
