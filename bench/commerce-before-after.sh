#!/usr/bin/env bash
# Checkout and cart round trips of two workers in one run, each beside the static-asset baseline
# of its own wrangler dev: BEFORE is a worker built from an earlier commit (orders in KV), AFTER
# is edge/build (orders in D1). Same dist/, same machine, back to back.
#
# usage: bench/commerce-before-after.sh BEFORE_BUILD_DIR [OUT=bench/results/commerce-before-after.json]
#   BEFORE_BUILD_DIR: an edge/build/ from the earlier commit (git worktree + `cargo xtask build` there).
set -euo pipefail
cd "$(dirname "$0")/.."
before="$1"
out="${2:-bench/results/commerce-before-after.json}"
work=bench/work/before-after
rm -rf "$work" && mkdir -p "$work"
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false
snapshot=target/edgeshop/bundle/snapshot.json

# The earlier worker's configuration: orders and the outbox in a KV namespace, no D1.
cat > "$work/before.toml" <<TOML
name = "edgeshop-before"
main = "$(realpath "$before")/worker/shim.mjs"
compatibility_date = "2026-04-20"
[assets]
directory = "$(realpath dist)"
binding = "ASSETS"
not_found_handling = "404-page"
run_worker_first = ["/api/*", "/pay/*", "/search", "/search/", "/_catalog/*"]
[vars]
EDGESHOP_BENCH = "0"
[[kv_namespaces]]
binding = "CARTS"
id = "edgeshop-carts"
[[kv_namespaces]]
binding = "ORDERS"
id = "edgeshop-orders"
[[queues.producers]]
binding = "ORDER_EVENTS"
queue = "edgeshop-order-events"
[[queues.consumers]]
queue = "edgeshop-order-events"
max_batch_size = 10
max_batch_timeout = 1
max_retries = 5
retry_delay = 1
max_concurrency = 1
[[durable_objects.bindings]]
name = "STOCK"
class_name = "StockLedger"
[[durable_objects.bindings]]
name = "ORDER_SEQUENCE"
class_name = "OrderSequence"
[[durable_objects.bindings]]
name = "IDEMPOTENCY"
class_name = "IdempotencyKey"
[[durable_objects.bindings]]
name = "RATE_LIMITER"
class_name = "RateLimiter"
[[durable_objects.bindings]]
name = "SEARCH_STATS"
class_name = "SearchStats"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["StockLedger", "OrderSequence", "IdempotencyKey", "RateLimiter"]
[[migrations]]
tag = "v2"
new_sqlite_classes = ["SearchStats"]
TOML
cp .dev.vars "$work/.dev.vars"

run() { # name config
  local name=$1 config=$2 port=8797 state="$work/state-$1"
  if [ "$name" = after ]; then
    node_modules/.bin/wrangler d1 migrations apply edgeshop --local --persist-to "$state" --config "$config" > /dev/null
  fi
  setsid node_modules/.bin/wrangler dev --local --ip 127.0.0.1 --port $port --show-interactive-dev-session=false \
    --var EDGESHOP_DEV:1 --persist-to "$state" --config "$config" > "$work/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 240); do curl -sf -o /dev/null "http://127.0.0.1:$port/api/openapi.json" && break; sleep 0.5; done
  node bench/commerce-load.mjs "http://127.0.0.1:$port" "$snapshot" 8 8 > "$work/$name.json"
  kill -- -"$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do curl -s -o /dev/null "http://127.0.0.1:$port/" || break; sleep 0.25; done
}
run before "$work/before.toml"
run after wrangler.toml
node -e '
const [b, a, out] = process.argv.slice(1);
const fs = require("fs");
const before = JSON.parse(fs.readFileSync(b)), after = JSON.parse(fs.readFileSync(a));
const ratio = (r) => ({ name: r.results.map((x) => x.name), vs_static_p50: r.results.map((x) => +(x.p50_ms / r.results[0].p50_ms).toFixed(2)), vs_static_p99: r.results.map((x) => +(x.p99_ms / r.results[0].p99_ms).toFixed(2)) });
fs.writeFileSync(out, JSON.stringify({ note: "before = orders in KV (commit 3c209a0), after = orders in D1; each with its own static baseline, same run", before, after, before_ratios: ratio(before), after_ratios: ratio(after) }, null, 1) + "\n");
console.log(fs.readFileSync(out, "utf8"));
' "$work/before.json" "$work/after.json" "$out"
