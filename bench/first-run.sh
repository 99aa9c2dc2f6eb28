#!/usr/bin/env bash
# Time to first page for a newcomer (issue 19): a fresh clone of HEAD with a fresh cargo home (so
# crates are downloaded and every crate compiled, as on a new machine; the Rust toolchain and Node
# are there, as on every machine of this kind), `cargo xtask dev` until the home page answers,
# with the time each step started; then a warm restart (Ctrl-C and `cargo xtask dev` again).
# Baseline in the same run: Hugo (Debian's package) from `hugo new site` to its first page.
# Results: bench/results/first-run.json. Takes as long as it measures (about 10–20 minutes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/edgeshop-first-run.XXXXXX)"
port=8797
trap 'pkill -f "\-\-port $port" 2>/dev/null || true; pkill -f "hugo server" 2>/dev/null || true' EXIT

# Prints the seconds until http://127.0.0.1:$1/ answers 200 (polling every half second), counted
# from $2 (epoch seconds with fractions).
wait_for_page() {
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/" || true)" = 200 ]; do sleep 0.5; done
  python3 -c "import time; print(round(time.time() - $2, 1))"
}

# Serves with `cargo xtask dev` from the clone, writing its output with a timestamp per line to $1.
serve() {
  (cd "$work/edgeshop" && CARGO_HOME="$work/cargo-home" cargo xtask dev --port "$port" 2>&1 |
    python3 -u -c "
import sys, time
for line in iter(sys.stdin.readline, ''):
    print(f'{time.time():.1f} {line}', end='', flush=True)" > "$1") &
}

# Stops wrangler (xtask then exits with it), as Ctrl-C would.
stop() {
  pkill -TERM -f "dev --local --ip 127.0.0.1 --port $port" 2>/dev/null || true
  sleep 3
  pkill -f "xtask dev --port $port" 2>/dev/null || true
  sleep 1
}

# Prints the seconds (from $2) until the dev server says it watches for changes, which it does
# once the browser bundles, built after the first page, are ready.
wait_for_bundles() {
  until grep -q "edgeshop: serving .* watching" "$1" 2>/dev/null; do sleep 0.5; done
  python3 -c "import time; print(round(time.time() - $2, 1))"
}

git clone -q "$root" "$work/edgeshop"
mkdir -p "$work/cargo-home"
start=$(date +%s.%N)
serve "$work/cold.log"
cold=$(wait_for_page "$port" "$start")
# A warm restart is one after everything was built: wait for the bundles before stopping.
bundles=$(wait_for_bundles "$work/cold.log" "$start")
stop
start=$(date +%s.%N)
serve "$work/warm.log"
warm=$(wait_for_page "$port" "$start")
stop

if ! command -v hugo >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq hugo >/dev/null; else sudo apt-get install -y -qq hugo >/dev/null; fi
fi
start=$(date +%s.%N)
(cd "$work" && hugo new site hugo-site -q >/dev/null 2>&1 || hugo new site hugo-site >/dev/null)
echo '<h1>hello</h1>' > "$work/hugo-site/layouts/index.html" 2>/dev/null || { mkdir -p "$work/hugo-site/layouts"; echo '<h1>hello</h1>' > "$work/hugo-site/layouts/index.html"; }
(cd "$work/hugo-site" && hugo server --port 8798 --bind 127.0.0.1 >/dev/null 2>&1) &
hugo_s=$(wait_for_page 8798 "$start")
pkill -f "hugo server" || true

python3 - "$work/cold.log" "$cold" "$bundles" "$warm" "$hugo_s" "$root/bench/results/first-run.json" "$(git -C "$root" rev-parse --short HEAD)" "$(hugo version | cut -d' ' -f2)" <<'EOF'
import json, sys
log, cold, bundles, warm, hugo, out, commit, hugo_version = sys.argv[1:]
lines = [l.split(' ', 1) for l in open(log) if ' ' in l]
t0 = float(lines[0][0]) if lines else 0.0
marks = ("xtask: installing", "xtask: building", "xtask: worker unchanged", "edgeshop: serving")
steps = [{"at_s": round(float(t) - t0, 1), "step": text.strip()} for t, text in lines if text.startswith(marks)]
result = {
    "what": "fresh clone of HEAD, fresh CARGO_HOME: `cargo xtask dev` until GET / answers 200 (and until the browser bundles, built after it, are ready); then a warm restart",
    "commit": commit,
    "cold_first_page_s": float(cold),
    "cold_islands_ready_s": float(bundles),
    "warm_restart_first_page_s": float(warm),
    "steps_from_first_output": steps,
    "baseline": {"what": f"Hugo {hugo_version}: `hugo new site` + `hugo server` until GET / answers 200", "first_page_s": float(hugo)},
    "goal": "cold <= 600 s, warm <= 15 s",
}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps(result, indent=2))
EOF
rm -rf "$work"
