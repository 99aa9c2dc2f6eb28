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

-- A once-per-customer code goes by the mailbox an address reaches: `shopper+1@` and `shopper@` are
-- one customer (and Gmail's dots are no part of an address). Older uses compare by email.
ALTER TABLE discount_uses ADD COLUMN mailbox TEXT;
DROP TRIGGER discount_use_allowed;
CREATE TRIGGER discount_use_allowed BEFORE INSERT ON discount_uses
BEGIN
  SELECT RAISE(ABORT, 'discount-unavailable')
    WHERE NOT EXISTS (SELECT 1 FROM discount_codes WHERE code = NEW.code AND active = 1);
  SELECT RAISE(ABORT, 'discount-used-up')
    WHERE (SELECT max_uses FROM discount_codes WHERE code = NEW.code) <= (SELECT count(*) FROM discount_uses WHERE code = NEW.code);
  SELECT RAISE(ABORT, 'discount-already-used')
    WHERE (SELECT once_per_customer FROM discount_codes WHERE code = NEW.code) = 1
      AND EXISTS (SELECT 1 FROM discount_uses u JOIN orders o ON o.number = u.order_number
                  WHERE u.code = NEW.code
                    AND (u.mailbox = NEW.mailbox OR o.email = (SELECT email FROM orders WHERE number = NEW.order_number)));
END;
