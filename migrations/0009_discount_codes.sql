-- Discount codes: made in the back office, applied to a cart, used by an order. A code's caps (its
-- number of uses, once per customer) are enforced by the database in the same transaction that
-- writes the order, so two checkouts at once cannot both take a code's last use.
CREATE TABLE discount_codes (
  code TEXT PRIMARY KEY,                   -- upper-cased: A-Z, 0-9, '-' and '_'
  kind TEXT NOT NULL CHECK (kind IN ('percent', 'amount')),
  value INTEGER NOT NULL CHECK (value > 0), -- percent 1-100, or minor units of the shop's currency
  min_subtotal_minor INTEGER NOT NULL DEFAULT 0,
  starts_on TEXT,                          -- YYYY-MM-DD (UTC), first day it works
  ends_on TEXT,                            -- YYYY-MM-DD (UTC), last day it works
  max_uses INTEGER,                        -- NULL: no cap
  once_per_customer INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);

-- One row per order that used a code; written in the order's own insert batch, after the order.
CREATE TABLE discount_uses (
  order_number INTEGER PRIMARY KEY,
  code TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX discount_uses_by_code ON discount_uses(code);

CREATE TRIGGER discount_use_allowed BEFORE INSERT ON discount_uses
BEGIN
  SELECT RAISE(ABORT, 'discount-unavailable')
    WHERE NOT EXISTS (SELECT 1 FROM discount_codes WHERE code = NEW.code AND active = 1);
  SELECT RAISE(ABORT, 'discount-used-up')
    WHERE (SELECT max_uses FROM discount_codes WHERE code = NEW.code) <= (SELECT count(*) FROM discount_uses WHERE code = NEW.code);
  SELECT RAISE(ABORT, 'discount-already-used')
    WHERE (SELECT once_per_customer FROM discount_codes WHERE code = NEW.code) = 1
      AND EXISTS (SELECT 1 FROM discount_uses u JOIN orders o ON o.number = u.order_number
                  WHERE u.code = NEW.code AND o.email = (SELECT email FROM orders WHERE number = NEW.order_number));
END;

-- A cancelled order gives its use back (an abandoned online payment must not spend a
-- once-per-customer code).
CREATE TRIGGER discount_use_released AFTER UPDATE OF status ON orders
WHEN NEW.status = 'cancelled' AND OLD.status <> 'cancelled'
BEGIN
  DELETE FROM discount_uses WHERE order_number = NEW.number;
END;

ALTER TABLE orders ADD COLUMN discount_code TEXT;
ALTER TABLE orders ADD COLUMN discount_minor INTEGER NOT NULL DEFAULT 0;
