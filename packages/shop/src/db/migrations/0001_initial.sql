-- The web shop's tables. Every name starts with shop_ so the shop can share a
-- PostgreSQL database with the till. Amounts are integers in øre (minor units,
-- VAT included unless the column says otherwise); VAT rates are hundredths of
-- a percent (2500 = 25 %).

CREATE TABLE shop_product (
  id text PRIMARY KEY,                       -- the product's slug, in its URL
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  description text NOT NULL,
  category text NOT NULL,
  unit_price integer NOT NULL CHECK (unit_price >= 100),
  vat_rate integer NOT NULL CHECK (vat_rate BETWEEN 0 AND 10000),
  art jsonb NOT NULL,                        -- how its picture is drawn (catalogue/art.ts)
  position integer NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL
);

CREATE TABLE shop_cart (
  id text PRIMARY KEY,                       -- sha-256 of the cookie's token, never the token
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE shop_cart_line (
  cart_id text NOT NULL REFERENCES shop_cart (id) ON DELETE CASCADE,
  product_id text NOT NULL REFERENCES shop_product (id),
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
  added_at timestamptz NOT NULL,
  PRIMARY KEY (cart_id, product_id)
);

-- Order numbers people read; gaps are harmless online (a payment that fails keeps its number).
CREATE SEQUENCE shop_order_number START 100001;

CREATE TABLE shop_order (
  id text PRIMARY KEY,                       -- random and unguessable: it is in the order's URLs
  number integer NOT NULL UNIQUE,
  flow text NOT NULL CHECK (flow IN ('epayment', 'ecom_express')),
  state text NOT NULL CHECK (state IN ('pending_payment', 'unknown', 'reserved', 'partially_shipped',
                                       'shipped', 'cancelled', 'payment_failed')),
  failure text CHECK (failure IN ('rejected', 'expired', 'cancelled', 'refused')),
  cart_id text,                              -- emptied once the order is paid
  currency text NOT NULL CHECK (currency IN ('NOK', 'DKK', 'EUR')),
  goods_amount integer NOT NULL CHECK (goods_amount >= 0),
  shipping_amount integer CHECK (shipping_amount >= 0),   -- null until the shipping is chosen (express)
  total_amount integer NOT NULL CHECK (total_amount = goods_amount + coalesce(shipping_amount, 0)),
  shipping_method_id text,
  shipping_method_name text,
  customer_name text,
  customer_email text,
  customer_phone text,
  address_line1 text,
  address_line2 text,
  postal_code text,
  city text,
  country text,
  ecom_user_id text,                         -- express: who shared their profile (consent removal names it)
  personal_data_removed_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX shop_order_state ON shop_order (state, updated_at);
CREATE INDEX shop_order_ecom_user ON shop_order (ecom_user_id) WHERE ecom_user_id IS NOT NULL;

CREATE TABLE shop_order_line (
  order_id text NOT NULL REFERENCES shop_order (id),
  line_no integer NOT NULL CHECK (line_no >= 1),
  product_id text,                           -- null for the shipping line
  sku text NOT NULL,
  name text NOT NULL,
  unit_price integer NOT NULL CHECK (unit_price >= 0),
  quantity integer NOT NULL CHECK (quantity >= 1),
  vat_rate integer NOT NULL CHECK (vat_rate BETWEEN 0 AND 10000),
  gross_amount integer NOT NULL CHECK (gross_amount = unit_price * quantity),
  vat_amount integer NOT NULL CHECK (vat_amount BETWEEN 0 AND gross_amount),
  is_shipping boolean NOT NULL DEFAULT false,
  -- Quantities on their way out (a capture in flight) count as shipped; a refused capture gives them back.
  shipped_quantity integer NOT NULL DEFAULT 0 CHECK (shipped_quantity >= 0),
  cancelled_quantity integer NOT NULL DEFAULT 0 CHECK (cancelled_quantity >= 0),
  PRIMARY KEY (order_id, line_no),
  CHECK (shipped_quantity + cancelled_quantity <= quantity)
);

-- The order's one payment with Vipps MobilePay, written before the first call
-- so every retry sends the same reference, key and request.
CREATE TABLE shop_payment (
  order_id text PRIMARY KEY REFERENCES shop_order (id),
  provider text NOT NULL CHECK (provider IN ('epayment', 'ecom')),
  reference text NOT NULL UNIQUE CHECK (reference ~ '^[a-zA-Z0-9-]{8,50}$'),
  idempotency_key text NOT NULL UNIQUE,
  request jsonb NOT NULL,                    -- exactly what create/initiate sends, every time
  redirect_url text,
  auth_token_hash text,                      -- eCom: sha-256 of the authToken its callbacks must carry
  authorized_amount integer NOT NULL DEFAULT 0,
  captured_amount integer NOT NULL DEFAULT 0,
  refunded_amount integer NOT NULL DEFAULT 0,
  cancelled_amount integer NOT NULL DEFAULT 0,
  psp_reference text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (captured_amount >= 0 AND refunded_amount >= 0 AND cancelled_amount >= 0),
  CHECK (captured_amount + cancelled_amount <= authorized_amount),
  CHECK (refunded_amount <= captured_amount)
);

CREATE TABLE shop_shipment (
  id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES shop_order (id),
  number integer NOT NULL,
  lines jsonb NOT NULL,                      -- [{lineNo, quantity}]
  amount integer NOT NULL CHECK (amount > 0),
  tracking text,
  state text NOT NULL CHECK (state IN ('capturing', 'captured', 'failed')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (order_id, number)
);

-- Capture, cancel and refund, each written with its key before it is sent.
CREATE TABLE shop_payment_operation (
  id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES shop_order (id),
  kind text NOT NULL CHECK (kind IN ('capture', 'cancel', 'refund')),
  amount integer CHECK (amount > 0),         -- null for a cancel: it releases whatever is left
  idempotency_key text NOT NULL UNIQUE,
  state text NOT NULL CHECK (state IN ('requested', 'done', 'unknown', 'refused')),
  shipment_id text REFERENCES shop_shipment (id),
  error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((kind = 'cancel') = (amount IS NULL))
);
-- One money operation at a time per order, whichever process starts it.
CREATE UNIQUE INDEX shop_payment_operation_one_open ON shop_payment_operation (order_id)
  WHERE state IN ('requested', 'unknown');

-- The shop's webhook registration, so a restart reuses it instead of registering again.
CREATE TABLE shop_webhook (
  url text PRIMARY KEY,
  webhook_id text NOT NULL,
  secret text NOT NULL,
  events jsonb NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE shop_admin_session (
  id text PRIMARY KEY,                       -- sha-256 of the cookie's token
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
