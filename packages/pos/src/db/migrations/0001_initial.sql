-- The till's first schema: stores and tills, cashiers and their sessions, the
-- catalogue, sales and their lines, and (for the payment flow) payment attempts
-- and the outbox.
--
-- Several till processes may share one PostgreSQL server, so every rule that
-- must hold across them is a constraint here, not a check in one process:
-- unique barcodes per store, one current sale per till, one open session per
-- till, receipt numbers unique per store, captured never above authorized.
--
-- Timestamps have no defaults on purpose: the application writes them from its
-- injected clock, so tests that move time see consistent rows.

CREATE TABLE store (
  id text PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- The Vipps MobilePay merchant serial number the store sells under.
  msn text NOT NULL CHECK (msn ~ '^[0-9]{4,6}$'),
  currency text NOT NULL CHECK (currency IN ('NOK', 'DKK', 'EUR')),
  -- Decides the VAT rates on offer and how a phone number without a country code is read.
  country text NOT NULL CHECK (country IN ('NO', 'DK', 'FI')),
  -- The receipt number the next sale to be paid for gets. A counter row, not a
  -- CREATE SEQUENCE: nextval() is not rolled back with its transaction, so a
  -- sequence leaves gaps; this row is updated inside the sale's transaction.
  next_receipt_number integer NOT NULL DEFAULT 1 CHECK (next_receipt_number >= 1),
  created_at timestamptz NOT NULL
);

CREATE TABLE till (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES store (id),
  -- The till's name on receipts (bottomLine.posId); unique in the database.
  pos_id text NOT NULL UNIQUE CHECK (pos_id ~ '^[A-Za-z0-9_-]{1,50}$'),
  name text NOT NULL,
  -- Wrong PINs in a row at this till, and when the last one was typed.
  failed_sign_ins integer NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
  last_failed_sign_in_at timestamptz,
  locked_until timestamptz,
  created_at timestamptz NOT NULL
);
CREATE INDEX till_store ON till (store_id);

CREATE TABLE cashier (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES store (id),
  -- What the cashier types before the PIN at the till's sign-in screen.
  staff_number text NOT NULL CHECK (staff_number ~ '^[0-9]{1,10}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role text NOT NULL CHECK (role IN ('cashier', 'manager')),
  -- scrypt$N$r$p$salt$hash; the PIN itself is never stored.
  pin_hash text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  CONSTRAINT cashier_staff_number_unique UNIQUE (store_id, staff_number)
);

CREATE TABLE cashier_session (
  -- SHA-256 of the token in the cookie: a copy of this table signs no one in.
  id text PRIMARY KEY,
  cashier_id text NOT NULL REFERENCES cashier (id),
  till_id text NOT NULL REFERENCES till (id),
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz
);
-- A till has one cashier at a time; signing in ends the session before.
CREATE UNIQUE INDEX cashier_session_one_open_per_till ON cashier_session (till_id) WHERE ended_at IS NULL;
CREATE INDEX cashier_session_cashier ON cashier_session (cashier_id);

CREATE TABLE product (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES store (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  barcode text NOT NULL CHECK (barcode ~ '^[0-9]{13}$'),
  -- Price including VAT, in the store currency's minor units (øre).
  gross_price integer NOT NULL CHECK (gross_price >= 0),
  -- Hundredths of a percent, as the receipt's taxRate: 2500 = 25 %, 2550 = 25.5 % (Finland).
  vat_rate integer NOT NULL CHECK (vat_rate BETWEEN 0 AND 10000),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT product_barcode_unique UNIQUE (store_id, barcode)
);
CREATE INDEX product_store_name ON product (store_id, lower(name));

CREATE TABLE sale (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES store (id),
  till_id text NOT NULL REFERENCES till (id),
  opened_by text NOT NULL REFERENCES cashier (id),
  state text NOT NULL CHECK (state IN ('open', 'awaiting_payment', 'paid', 'voided')),
  currency text NOT NULL CHECK (currency IN ('NOK', 'DKK', 'EUR')),
  -- Given when payment begins, from store.next_receipt_number, never reused.
  receipt_number integer,
  opened_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  closed_at timestamptz,
  CONSTRAINT sale_receipt_number_unique UNIQUE (store_id, receipt_number)
);
-- The sale a till is working on; several tills each have their own.
CREATE UNIQUE INDEX sale_one_current_per_till ON sale (till_id) WHERE state IN ('open', 'awaiting_payment');
CREATE INDEX sale_store_opened ON sale (store_id, opened_at);

CREATE TABLE sale_line (
  id text PRIMARY KEY,
  sale_id text NOT NULL REFERENCES sale (id) ON DELETE CASCADE,
  -- Order on the screen and the receipt; gaps after a removal are fine.
  position integer NOT NULL,
  product_id text NOT NULL REFERENCES product (id),
  -- Name, barcode, price and rate as they were when scanned: a price change
  -- in the catalogue does not reprice a cart.
  name text NOT NULL,
  barcode text NOT NULL,
  unit_price integer NOT NULL CHECK (unit_price >= 0),
  vat_rate integer NOT NULL CHECK (vat_rate BETWEEN 0 AND 10000),
  quantity integer NOT NULL CHECK (quantity >= 1),
  discount_kind text CHECK (discount_kind IN ('amount', 'percent')),
  -- Øre for 'amount', whole percent for 'percent'.
  discount_value integer CHECK (discount_value >= 0),
  discounted_by text REFERENCES cashier (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT sale_line_position_unique UNIQUE (sale_id, position),
  CONSTRAINT sale_line_discount_complete CHECK ((discount_kind IS NULL) = (discount_value IS NULL)),
  CONSTRAINT sale_line_percent_at_most_100 CHECK (discount_kind IS DISTINCT FROM 'percent' OR discount_value <= 100)
);

-- One try to take payment for a sale with Vipps MobilePay. Written, with its
-- reference and idempotency key, before the platform is called, so a retry
-- after a lost response reuses both. The payment flow owns `state` and its
-- transitions; the amounts keep the ledger's invariants here as well.
CREATE TABLE payment_attempt (
  id text PRIMARY KEY,
  sale_id text NOT NULL REFERENCES sale (id),
  store_id text NOT NULL REFERENCES store (id),
  msn text NOT NULL,
  -- The merchant's reference on the platform (unique per MSN there; unique here outright).
  reference text NOT NULL CHECK (reference ~ '^[a-zA-Z0-9-]{8,50}$'),
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 50),
  state text NOT NULL,
  currency text NOT NULL CHECK (currency IN ('NOK', 'DKK', 'EUR')),
  amount integer NOT NULL CHECK (amount > 0),
  authorized_amount integer NOT NULL DEFAULT 0 CHECK (authorized_amount >= 0),
  captured_amount integer NOT NULL DEFAULT 0 CHECK (captured_amount >= 0),
  refunded_amount integer NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
  psp_reference text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT payment_attempt_reference_unique UNIQUE (reference),
  CONSTRAINT payment_attempt_idempotency_key_unique UNIQUE (idempotency_key),
  CONSTRAINT payment_attempt_authorized_within_amount CHECK (authorized_amount <= amount),
  CONSTRAINT payment_attempt_captured_within_authorized CHECK (captured_amount <= authorized_amount),
  CONSTRAINT payment_attempt_refunded_within_captured CHECK (refunded_amount <= captured_amount)
);
CREATE INDEX payment_attempt_sale ON payment_attempt (sale_id);
CREATE INDEX payment_attempt_state ON payment_attempt (state, updated_at);

-- Work to do after a commit (call the platform, notify another process),
-- written in the same transaction as the state change it follows from, and
-- claimed by any till process with FOR UPDATE SKIP LOCKED.
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic text NOT NULL,
  -- Messages with the same key are handed out one at a time, in id order
  -- (e.g. everything about one payment); null means no ordering.
  ordering_key text,
  payload jsonb NOT NULL,
  available_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  claimed_by text,
  claimed_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL,
  done_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (available_at, id) WHERE done_at IS NULL;
CREATE INDEX outbox_pending_key ON outbox (ordering_key, id) WHERE done_at IS NULL;
