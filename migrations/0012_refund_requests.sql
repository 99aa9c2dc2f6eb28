-- Refunds staff asked for that the order events' consumer has not applied (or refused) yet:
-- counted against what is left to refund when the next is asked for, in the same statement that
-- records it, so that refunds asked for at the same time cannot together pass what was paid. A
-- request older than ten minutes no longer counts (its consumer ran, or never will).
CREATE TABLE refund_requests (
  event_id TEXT PRIMARY KEY,
  order_number INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL,
  requested_at INTEGER NOT NULL      -- Unix seconds
);
CREATE INDEX refund_requests_by_order ON refund_requests(order_number);
