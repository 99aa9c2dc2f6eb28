-- Orders of record. Every state change is one batch (transaction) guarded by the order's version;
-- applied event ids are unique, so a redelivered queue message is a no-op.

CREATE TABLE customers (
  email TEXT PRIMARY KEY,            -- lower-cased
  name TEXT NOT NULL,
  phone TEXT NOT NULL DEFAULT '',
  first_order_at TEXT NOT NULL,
  last_order_at TEXT NOT NULL
);

CREATE TABLE orders (
  number INTEGER PRIMARY KEY,
  token TEXT NOT NULL,
  cart_id TEXT,
  email TEXT NOT NULL REFERENCES customers(email),
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  payment_method TEXT NOT NULL,
  currency TEXT NOT NULL,
  subtotal_minor INTEGER NOT NULL,
  shipping_minor INTEGER NOT NULL,
  tax_minor INTEGER NOT NULL,
  total_minor INTEGER NOT NULL,
  catalog_version TEXT NOT NULL,
  address_json TEXT NOT NULL,
  contact_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  -- Money received that must go back (payment for a cancelled or sold-out order), in minor units.
  refund_due_minor INTEGER NOT NULL DEFAULT 0,
  -- Why the merchant should look at this order (refused events, refunds due); NULL when nothing.
  attention TEXT
);
CREATE UNIQUE INDEX orders_one_per_cart ON orders(cart_id) WHERE cart_id IS NOT NULL;
CREATE INDEX orders_by_status ON orders(status, created_at);
CREATE INDEX orders_by_date ON orders(created_at);
CREATE INDEX orders_by_email ON orders(email, created_at);
CREATE INDEX orders_needing_attention ON orders(created_at) WHERE attention IS NOT NULL;

-- A write that does not move the version forward by exactly one lost a race: abort the batch.
CREATE TRIGGER orders_version_guard BEFORE UPDATE ON orders
WHEN NEW.version != OLD.version + 1
BEGIN
  SELECT RAISE(ABORT, 'stale order version');
END;

CREATE TABLE order_lines (
  order_number INTEGER NOT NULL REFERENCES orders(number),
  position INTEGER NOT NULL,
  sku TEXT NOT NULL,
  product_slug TEXT NOT NULL,
  title TEXT NOT NULL,
  variant_title TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_minor INTEGER NOT NULL,
  line_minor INTEGER NOT NULL,
  PRIMARY KEY (order_number, position)
);
CREATE INDEX order_lines_by_sku ON order_lines(sku, order_number);

CREATE TABLE order_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_number INTEGER NOT NULL REFERENCES orders(number),
  status TEXT NOT NULL,
  at TEXT NOT NULL,
  note TEXT,
  carrier TEXT,
  tracking_number TEXT,
  event_id TEXT
);
CREATE INDEX order_history_by_order ON order_history(order_number, id);

-- One row per event id ever handled, whatever its outcome ("applied", "unchanged", "refused: …").
CREATE TABLE applied_events (
  event_id TEXT PRIMARY KEY,
  order_number INTEGER NOT NULL,
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL,
  applied_at TEXT NOT NULL
);
CREATE INDEX applied_events_by_order ON applied_events(order_number);

-- Money movements: payments and refunds, with the provider's ids.
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  order_number INTEGER NOT NULL REFERENCES orders(number),
  kind TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
  provider TEXT NOT NULL,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX payments_by_order ON payments(order_number);

-- Hosted payment sessions (one per order and provider).
CREATE TABLE payment_sessions (
  id TEXT PRIMARY KEY,
  order_number INTEGER NOT NULL REFERENCES orders(number),
  provider TEXT NOT NULL,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  redirect_url TEXT NOT NULL,
  return_url TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX payment_sessions_by_order ON payment_sessions(order_number);

CREATE TABLE returns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_number INTEGER NOT NULL REFERENCES orders(number),
  status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  lines_json TEXT NOT NULL DEFAULT '[]',
  requested_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX returns_by_order ON returns(order_number);

-- Messages for shoppers, one per event (the notifications sender drains the unsent ones).
CREATE TABLE notifications (
  event_id TEXT PRIMARY KEY,
  order_number INTEGER NOT NULL,
  template TEXT NOT NULL,
  recipient TEXT NOT NULL,
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE INDEX notifications_by_order ON notifications(order_number);

-- What the dead-letter queue received, for the merchant to see and replay.
CREATE TABLE dead_letters (
  message_id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  order_number INTEGER,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  replayed_at TEXT
);
