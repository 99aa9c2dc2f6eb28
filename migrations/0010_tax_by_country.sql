-- The tax rate an order was charged at: the rate of the country it goes to ([tax.countries] in
-- shop.toml), or the shop's own. Orders placed before rates by country have none.
ALTER TABLE orders ADD COLUMN tax_rate_bp INTEGER;
