-- An order may now come back in several returns (part of it, then the rest): each received
-- return gets its message, as requests, approvals and refusals already do.
DROP INDEX notifications_once_per_recipient;
CREATE UNIQUE INDEX notifications_once_per_recipient ON notifications(order_number, template, recipient)
  WHERE template NOT IN ('refund_issued', 'merchant_attention', 'return_requested', 'return_approved', 'return_rejected', 'return_received', 'payment_failed');
