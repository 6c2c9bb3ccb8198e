-- The store's customer club: members keyed by their phone number, the
-- consents they gave when they enrolled, the points they earn on captured
-- purchases (and give back on refunds), and the enrolments — consent requests
-- sent to a customer's phone with Login's CIBA — that the till polls.

-- How many minor units of captured spend make one point (1000 øre = 10 NOK).
ALTER TABLE store
  ADD COLUMN spend_per_point integer NOT NULL DEFAULT 1000 CHECK (spend_per_point >= 1);

-- One member per phone number and store. Everything here is personal data:
-- deleting a member deletes the row (consents go with it, points entries and
-- sales lose their link).
CREATE TABLE member (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES store (id),
  msisdn text NOT NULL CHECK (msisdn ~ '^[0-9]{10,15}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email text CHECK (length(email) <= 320),
  birth_date text CHECK (birth_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
  -- Login's pseudonymous subject for this merchant: the same person at the next login.
  vipps_sub text NOT NULL,
  -- The userinfo scopes the member shared at enrolment, e.g. ["name","phoneNumber","email"].
  shared_data jsonb NOT NULL,
  -- The balance: the sum of the member's points entries, kept in step in the same transactions.
  points integer NOT NULL DEFAULT 0 CHECK (points >= 0),
  enrolled_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT member_msisdn_unique UNIQUE (store_id, msisdn)
);
CREATE INDEX member_recent ON member (store_id, enrolled_at DESC);

-- The consents as the member answered them on the phone: the merchant's
-- text, yes or no, when; a withdrawal is dated, never deleted.
CREATE TABLE member_consent (
  member_id text NOT NULL REFERENCES member (id) ON DELETE CASCADE,
  consent_id text NOT NULL CHECK (length(consent_id) BETWEEN 1 AND 50),
  text text NOT NULL,
  required boolean NOT NULL,
  accepted boolean NOT NULL,
  answered_at timestamptz NOT NULL,
  withdrawn_at timestamptz,
  PRIMARY KEY (member_id, consent_id),
  CONSTRAINT member_consent_withdrawn_only_if_given CHECK (withdrawn_at IS NULL OR accepted)
);

-- The sale's member, set when the customer is identified (or enrols): the
-- account its points go to once the payment is captured.
ALTER TABLE sale
  ADD COLUMN member_id text REFERENCES member (id) ON DELETE SET NULL,
  ADD CONSTRAINT sale_member_has_customer CHECK (member_id IS NULL OR customer_msisdn IS NOT NULL);
CREATE INDEX sale_member ON sale (member_id) WHERE member_id IS NOT NULL;

-- Points earned on a captured sale (one 'purchase' entry, written in the
-- transaction that registers the sale paid) and taken back by its refunds.
-- A deleted member's entries stay as anonymous numbers (member_id NULL).
CREATE TABLE points_entry (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES store (id),
  member_id text REFERENCES member (id) ON DELETE SET NULL,
  sale_id text NOT NULL REFERENCES sale (id),
  refund_id text REFERENCES refund (id),
  reason text NOT NULL CHECK (reason IN ('purchase', 'refund')),
  points integer NOT NULL,
  -- The rate the purchase earned at: its refunds take back by the same rate.
  spend_per_point integer NOT NULL CHECK (spend_per_point >= 1),
  created_at timestamptz NOT NULL,
  CONSTRAINT points_entry_reason_shape CHECK (
    (reason = 'purchase' AND refund_id IS NULL AND points >= 0)
    OR (reason = 'refund' AND refund_id IS NOT NULL AND points <= 0)
  )
);
-- Never twice: one purchase entry per sale, one take-back per refund.
CREATE UNIQUE INDEX points_entry_one_purchase_per_sale ON points_entry (sale_id) WHERE reason = 'purchase';
CREATE UNIQUE INDEX points_entry_one_per_refund ON points_entry (refund_id) WHERE refund_id IS NOT NULL;
CREATE INDEX points_entry_member ON points_entry (member_id, created_at) WHERE member_id IS NOT NULL;

-- A consent request sent to a customer's phone (CIBA), polled by whichever
-- till process claims it, like a payment attempt: `next_check_at` says when
-- to poll, `claimed_by`/`claimed_until` is the lease taken with SKIP LOCKED.
-- The user access token is kept only between collecting it and enrolling the
-- member, so a process that dies in between leaves it for the next one.
CREATE TABLE club_enrolment (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES store (id),
  till_id text NOT NULL REFERENCES till (id),
  sale_id text REFERENCES sale (id),
  msn text NOT NULL,
  msisdn text NOT NULL CHECK (msisdn ~ '^[0-9]{10,15}$'),
  binding_message text NOT NULL CHECK (binding_message ~ '^[A-Z0-9-]{5,8}$'),
  state text NOT NULL CHECK (state IN ('waiting', 'accepted', 'declined', 'expired', 'cancelled', 'failed')),
  auth_req_id text,
  access_token text,
  poll_interval_seconds integer NOT NULL CHECK (poll_interval_seconds >= 1),
  member_id text REFERENCES member (id) ON DELETE SET NULL,
  error_code text,
  error_message text,
  started_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL,
  checks integer NOT NULL DEFAULT 0 CHECK (checks >= 0),
  next_check_at timestamptz,
  claimed_by text,
  claimed_until timestamptz,
  CONSTRAINT club_enrolment_final_is_dated CHECK ((state = 'waiting') = (finished_at IS NULL)),
  CONSTRAINT club_enrolment_error_complete CHECK ((error_code IS NULL) = (error_message IS NULL)),
  CONSTRAINT club_enrolment_token_while_waiting CHECK (access_token IS NULL OR state = 'waiting')
);
-- One waiting enrolment per sale: a double click sends one request to the phone.
CREATE UNIQUE INDEX club_enrolment_one_waiting_per_sale ON club_enrolment (sale_id) WHERE state = 'waiting';
CREATE INDEX club_enrolment_due ON club_enrolment (next_check_at) WHERE state = 'waiting';
CREATE INDEX club_enrolment_msisdn ON club_enrolment (store_id, msisdn);
