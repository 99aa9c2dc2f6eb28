-- Newsletter subscribers (double opt-in), back-in-stock alerts, and the outbox of messages that
-- are not about one order (confirmations, alerts, newsletters): each sent once, then marked.
CREATE TABLE subscribers (
  email TEXT PRIMARY KEY,            -- lower-cased
  status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
  token TEXT NOT NULL UNIQUE,        -- confirmation and unsubscribe links
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  confirmation_sent_at TEXT,
  consent_at TEXT,                   -- when the address confirmed
  unsubscribed_at TEXT
);

CREATE TABLE stock_alerts (
  sku TEXT NOT NULL,
  email TEXT NOT NULL,
  created_at TEXT NOT NULL,
  notified_at TEXT,
  PRIMARY KEY (sku, email)
);
CREATE INDEX stock_alerts_waiting ON stock_alerts(sku) WHERE notified_at IS NULL;

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  batch TEXT NOT NULL,               -- the queue event that made it
  kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  text TEXT NOT NULL,
  html TEXT NOT NULL,
  list_unsubscribe TEXT,             -- marketing messages: the one-click unsubscribe URL
  created_at TEXT NOT NULL,
  claimed_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  sent_at TEXT,
  failed_at TEXT,
  last_error TEXT
);
CREATE INDEX messages_unsent ON messages(batch) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Stock changes made by staff, with their reason.
CREATE TABLE stock_adjustments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sku TEXT NOT NULL,
  before_available INTEGER NOT NULL,
  after_available INTEGER NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX stock_adjustments_by_sku ON stock_adjustments(sku, id);
