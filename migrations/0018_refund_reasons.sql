-- Why a refund was made, as staff gave it (told to the customer in the refund's message, shown
-- beside the refund on the order in the back office and on the shopper's order page).
ALTER TABLE payments ADD COLUMN reason TEXT;
