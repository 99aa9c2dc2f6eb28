#!/usr/bin/env bash
# Two packaged workers side by side: their upload (`wrangler deploy --dry-run`: raw and compressed,
# which the plan limits) and their search inside workerd (`bench/search-latency.mjs`: warm p50/p99
# per query with HTTP cancelled out, the first request's CPU, a cold index open), rounds interleaved
# (A, B, A, B, …) over the same static build, each round a fresh `wrangler dev` with a fresh state.
#
# usage: bench/worker-builds.sh A_DIR A_LABEL B_DIR B_LABEL [ROUNDS=3] [OUT=bench/results/worker-builds.json]
#   A_DIR, B_DIR: copies of `edge/build/` after `cargo xtask build` (release) of the two versions,
#   e.g. the worker before and after a profile change. `dist/` must be a release build too.
#   Queries: the first 80 of the shoppers' relevance set.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
a_dir=$(realpath "$1"); a_label="$2"; b_dir=$(realpath "$3"); b_label="$4"
rounds="${5:-3}"
out="${6:-bench/results/worker-builds.json}"
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false
port=8797
work=$(mktemp -d)
trap 'pkill -f "port $port" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
ln -s "$root/node_modules" "$work/node_modules"
ln -s "$root/dist" "$work/dist"
cp -r "$root/migrations" "$work/migrations"
# The shop's configuration, without its build step (the workers are built already).
sed 's/^command = .*/command = "true"/' "$root/wrangler.toml" >"$work/wrangler.toml"
python3 -c "import json; q=json.load(open('$root/bench/relevance/shopper-queries.json'))['queries']; json.dump([x['query'] if isinstance(x, dict) else x for x in q][:80], open('$work/queries.json', 'w'))"

use() { rm -rf "$work/edge" "$work/state"; mkdir -p "$work/edge"; cp -r "$1" "$work/edge/build"; }

upload() {
  use "$1"
  (cd "$work" && npx wrangler deploy --dry-run --outdir "$work/dry" 2>&1) |
    sed -n 's/.*Total Upload: \([0-9.]*\) KiB \/ gzip: \([0-9.]*\) KiB.*/{"raw_kib": \1, "gzip_kib": \2}/p'
}

latency() {
  use "$1"
  (cd "$work" && CI=true npx wrangler d1 migrations apply edgeshop --local --persist-to state >/dev/null 2>&1)
  (cd "$work" && setsid npx wrangler dev --local --ip 127.0.0.1 --port $port --show-interactive-dev-session=false \
    --var EDGESHOP_BENCH:1 --persist-to state >"$work/wrangler.log" 2>&1 &)
  for _ in $(seq 1 90); do curl -s -o /dev/null "127.0.0.1:$port/robots.txt" && break; sleep 1; done
  node "$root/bench/search-latency.mjs" "http://127.0.0.1:$port" "$work/queries.json" 200 >"$2"
  pkill -f "port $port" || true
  sleep 2
}

echo "{\"a\": $(upload "$a_dir"), \"b\": $(upload "$b_dir")}" >"$work/sizes.json"
for r in $(seq 1 "$rounds"); do
  latency "$a_dir" "$work/a-$r.json"
  latency "$b_dir" "$work/b-$r.json"
  echo "round $r done" >&2
done

python3 - "$work" "$rounds" "$a_label" "$b_label" "$out" <<'PY'
import json, statistics, sys, datetime
work, rounds, a_label, b_label, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
keys = ["worker_p50_us", "worker_p99_us", "first_request_cpu_ms", "index_open_p50_ms", "http_search_p50_ms", "http_static_p50_ms"]
sizes = json.load(open(f"{work}/sizes.json"))
def side(tag, label):
    runs = [json.load(open(f"{work}/{tag}-{r}.json")) for r in range(1, rounds + 1)]
    return {"label": label, "upload": sizes[tag], "median": {k: round(statistics.median(x[k] for x in runs), 2) for k in keys},
            "runs": [{k: round(x[k], 2) for k in keys} for x in runs]}
a, b = side("a", a_label), side("b", b_label)
res = {"what": "two packaged workers: upload (wrangler deploy --dry-run, KiB) and search inside workerd (bench/search-latency.mjs, 80 shopper queries, repeat 200), rounds interleaved, medians",
       "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "baseline": "a", "a": a, "b": b,
       "b_over_a": {k: round(b["median"][k] / a["median"][k], 3) for k in keys if a["median"][k]}}
json.dump(res, open(out, "w"), indent=2)
print(json.dumps(res["b_over_a"]))
PY
