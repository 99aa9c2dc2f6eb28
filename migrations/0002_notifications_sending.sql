-- Sending order emails: each message is claimed, sent and marked once; failures are counted and,
-- after the last try, shown to the merchant.
ALTER TABLE notifications ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN claimed_at TEXT;
ALTER TABLE notifications ADD COLUMN message_id TEXT;
ALTER TABLE notifications ADD COLUMN last_error TEXT;
ALTER TABLE notifications ADD COLUMN failed_at TEXT;
-- One message per order and kind (a refund's message is per refund event).
CREATE UNIQUE INDEX notifications_once_per_kind ON notifications(order_number, template) WHERE template NOT IN ('refund_issued', 'merchant_attention');
CREATE INDEX notifications_unsent ON notifications(order_number) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX notifications_failed ON notifications(failed_at) WHERE failed_at IS NOT NULL;
