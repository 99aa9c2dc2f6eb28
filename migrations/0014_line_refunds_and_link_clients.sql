-- Units of an order's lines that staff refunded by line (a refund naming lines): they cannot be
-- refunded by line again, nor returned for money. A refund the consumer refused or the provider
-- failed gives its units back (its rows go).
CREATE TABLE line_refunds (
  event_id TEXT NOT NULL,
  order_number INTEGER NOT NULL,
  sku TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  PRIMARY KEY (event_id, sku)
);
CREATE INDEX line_refunds_by_order ON line_refunds(order_number, sku);

-- The client (a hash of its address and browser) that used a sign-in link: only it gets the few
-- seconds' grace for a double click.
ALTER TABLE staff_sign_in_links ADD COLUMN used_by TEXT;
ALTER TABLE customer_sign_in_links ADD COLUMN used_by TEXT;
