-- The back office: staff accounts (owner, staff), one-time sign-in links, sessions, the audit
-- log of every admin action, and internal notes on orders. Tokens are stored as SHA-256 hashes
-- only: a copy of the database does not sign anyone in.
CREATE TABLE staff (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,        -- lower-cased
  name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL CHECK (role IN ('owner', 'staff')),
  created_at TEXT NOT NULL,
  created_by TEXT,                   -- the owner who invited them (NULL: `cargo xtask admin`)
  removed_at TEXT
);

CREATE TABLE staff_sign_in_links (
  token_hash TEXT PRIMARY KEY,
  staff_id TEXT NOT NULL REFERENCES staff(id),
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,       -- Unix seconds
  used_at TEXT
);
CREATE INDEX staff_sign_in_links_by_staff ON staff_sign_in_links(staff_id);

CREATE TABLE staff_sessions (
  token_hash TEXT PRIMARY KEY,
  staff_id TEXT NOT NULL REFERENCES staff(id),
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,       -- Unix seconds
  ended_at TEXT
);
CREATE INDEX staff_sessions_by_staff ON staff_sessions(staff_id);

-- Who did what, when, with the state before and after (JSON).
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  staff_id TEXT NOT NULL,
  staff_email TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT
);
CREATE INDEX audit_log_by_target ON audit_log(target, id);

CREATE TABLE order_notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_number INTEGER NOT NULL REFERENCES orders(number),
  at TEXT NOT NULL,
  staff_email TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX order_notes_by_order ON order_notes(order_number, id);

-- Returns: `requested` by the shopper (lines and reason) → `approved` or `rejected` by staff →
-- `received` (the lines chosen go back to stock; the refund is recorded in `payments`).
ALTER TABLE returns ADD COLUMN refund_minor INTEGER;
ALTER TABLE returns ADD COLUMN event_id TEXT;
CREATE UNIQUE INDEX returns_one_open_per_order ON returns(order_number) WHERE status IN ('requested', 'approved');
