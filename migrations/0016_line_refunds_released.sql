-- Units refunded by line before the order shipped are given back to stock (they will not be
-- packed): `released` says which holds did, so the stock list stops counting them as waiting to
-- ship, and a refund that fails later takes them again.
ALTER TABLE line_refunds ADD COLUMN released INTEGER NOT NULL DEFAULT 0;
