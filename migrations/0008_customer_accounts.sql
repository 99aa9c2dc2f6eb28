-- Shoppers' accounts: no password and no profile, only the address they order with. A one-time
-- link emailed to it opens a session that lists the address's orders. Tokens are kept as SHA-256
-- hashes only. Erasing a customer deletes both.
CREATE TABLE customer_sign_in_links (
  token_hash TEXT PRIMARY KEY,
  email TEXT NOT NULL,               -- lower-cased
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,       -- Unix seconds
  used_at TEXT
);
CREATE INDEX customer_sign_in_links_by_email ON customer_sign_in_links(email);

CREATE TABLE customer_sessions (
  token_hash TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,       -- Unix seconds
  ended_at TEXT
);
CREATE INDEX customer_sessions_by_email ON customer_sessions(email);
