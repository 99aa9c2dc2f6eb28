-- New-products digests: who asked for them, and which products a digest has announced (each
-- product is announced once, whatever the number of builds that list it).
ALTER TABLE subscribers ADD COLUMN new_products INTEGER NOT NULL DEFAULT 0;
CREATE TABLE announced_products (
  slug TEXT PRIMARY KEY,
  catalog_version TEXT NOT NULL,
  announced_at TEXT NOT NULL
);

-- Erasure requests carried out (the address is not kept: only a hash to recognise a repeat).
CREATE TABLE erasures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email_hash TEXT NOT NULL,
  orders INTEGER NOT NULL,
  at TEXT NOT NULL
);
