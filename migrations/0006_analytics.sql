-- Analytics: what the pages report (daily rollups, written by the analytics queue's consumer),
-- which orders came from which browsing session, and the worker's own operational metrics.
-- No IP address and no persistent identifier is stored: a session is a random id that lives in
-- one browser tab (sessionStorage) and is gone when the tab closes.

-- Event ids already counted (a redelivered message is a no-op); kept for a few days.
CREATE TABLE analytics_seen (
  id TEXT PRIMARY KEY,
  day TEXT NOT NULL
);
CREATE INDEX analytics_seen_by_day ON analytics_seen(day);

-- Counts per day: (page_view, page type), (product_view, slug), (add_to_cart, slug),
-- (search, query), (search_zero, query), (search_click, query).
CREATE TABLE analytics_daily (
  day TEXT NOT NULL,
  metric TEXT NOT NULL,
  dim TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (day, metric, dim)
) WITHOUT ROWID;
CREATE INDEX analytics_daily_by_metric ON analytics_daily(metric, day);

-- One row per session and day: the funnel steps it reached (bits, see domain::analytics::Step)
-- and the last search it made (for "searches that led to a purchase").
CREATE TABLE analytics_sessions (
  day TEXT NOT NULL,
  session TEXT NOT NULL,
  steps INTEGER NOT NULL,
  last_query TEXT,
  PRIMARY KEY (day, session)
) WITHOUT ROWID;
CREATE INDEX analytics_sessions_by_session ON analytics_sessions(session);

-- The session an order was placed from (set by checkout when the page sent one).
ALTER TABLE orders ADD COLUMN analytics_session TEXT;
CREATE INDEX orders_by_session ON orders(analytics_session) WHERE analytics_session IS NOT NULL;

-- The product's category when it was sold (sales by category).
ALTER TABLE order_lines ADD COLUMN category TEXT NOT NULL DEFAULT '';

-- Requests per hour and route: counts, errors and a latency histogram (bucket upper bounds in
-- domain::analytics::LATENCY_BUCKETS_MS), flushed by each isolate every few seconds. Queue work
-- is recorded the same way under routes named `queue:…`.
CREATE TABLE ops_metrics (
  hour TEXT NOT NULL,
  route TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  client_errors INTEGER NOT NULL DEFAULT 0,
  server_errors INTEGER NOT NULL DEFAULT 0,
  total_ms INTEGER NOT NULL DEFAULT 0,
  b0 INTEGER NOT NULL DEFAULT 0,
  b1 INTEGER NOT NULL DEFAULT 0,
  b2 INTEGER NOT NULL DEFAULT 0,
  b3 INTEGER NOT NULL DEFAULT 0,
  b4 INTEGER NOT NULL DEFAULT 0,
  b5 INTEGER NOT NULL DEFAULT 0,
  b6 INTEGER NOT NULL DEFAULT 0,
  b7 INTEGER NOT NULL DEFAULT 0,
  b8 INTEGER NOT NULL DEFAULT 0,
  b9 INTEGER NOT NULL DEFAULT 0,
  b10 INTEGER NOT NULL DEFAULT 0,
  b11 INTEGER NOT NULL DEFAULT 0,

  PRIMARY KEY (hour, route)
) WITHOUT ROWID;

-- Alerts sent to the merchant, one per kind and hour.
CREATE TABLE ops_alerts (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  at TEXT NOT NULL
);
