-- The checkout floor's whole schema (bench/servers/floor-till.ts): what a till
-- must keep of a checkout, and nothing else.
CREATE TABLE floor_product (
  barcode text PRIMARY KEY,
  name text NOT NULL,
  gross_price integer NOT NULL
);

INSERT INTO floor_product (barcode, name, gross_price) VALUES
  ('7039610197728', 'Tine Helmelk 1 l', 2590),
  ('7038010315442', 'Kvikk Lunsj 47 g', 2290);

CREATE TABLE floor_sale (
  id text PRIMARY KEY,
  till text NOT NULL,
  state text NOT NULL DEFAULT 'open',
  total integer NOT NULL DEFAULT 0,
  customer_msisdn text
);

CREATE TABLE floor_line (
  sale_id text NOT NULL REFERENCES floor_sale (id),
  position integer NOT NULL,
  barcode text NOT NULL,
  name text NOT NULL,
  unit_price integer NOT NULL,
  PRIMARY KEY (sale_id, position)
);

CREATE TABLE floor_attempt (
  id text PRIMARY KEY,
  sale_id text NOT NULL REFERENCES floor_sale (id),
  reference text NOT NULL UNIQUE,
  amount integer NOT NULL,
  state text NOT NULL DEFAULT 'created'
);
