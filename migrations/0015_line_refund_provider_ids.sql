-- The provider's id of the refund a line refund's hold became (`re_…` at Stripe): a refund that
-- fails later (`refund.updated`, status failed) gives its units back, as one failing at once does.
ALTER TABLE line_refunds ADD COLUMN refund_id TEXT;
CREATE INDEX line_refunds_by_refund ON line_refunds(refund_id);
