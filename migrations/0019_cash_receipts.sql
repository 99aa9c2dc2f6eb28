-- Cash on delivery: the cash the courier collected, once it reached the shop (one record an
-- order). A delivered cash-on-delivery order without one is still owed by the courier: the
-- order list's `cash_due` view.
CREATE TABLE cash_receipts (
  order_number INTEGER PRIMARY KEY REFERENCES orders(number),
  amount_minor INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  staff_email TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT ''
);
