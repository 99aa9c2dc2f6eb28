-- Browsers a shopper has signed in from: a long-lived cookie holds the token (only its hash is
-- kept here). Such a browser still gets a sign-in link when other clients have used up the
-- address's hourly budget of links (no one can lock a shopper out of their account from
-- elsewhere). Erasing a customer deletes them.
CREATE TABLE customer_browsers (
  token_hash TEXT PRIMARY KEY,
  email TEXT NOT NULL,               -- lower-cased
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL        -- Unix seconds
);
CREATE INDEX customer_browsers_by_email ON customer_browsers(email);
