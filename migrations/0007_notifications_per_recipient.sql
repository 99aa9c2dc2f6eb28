-- Once per order, kind and recipient, for the messages an order gets once in its life: each of the
-- merchant's addresses gets its own new-order alert, and what can happen again (a second return
-- request, approval or refusal, a second failed payment after "pay again") gets its message again.
-- Each event sends at most one message per recipient anyway (notifications.event_id is the key).
DROP INDEX notifications_once_per_kind;
CREATE UNIQUE INDEX notifications_once_per_recipient ON notifications(order_number, template, recipient)
  WHERE template NOT IN ('refund_issued', 'merchant_attention', 'return_requested', 'return_approved', 'return_rejected', 'payment_failed');
