#!/usr/bin/env bash
# The worker's upload (what `wrangler deploy` sends, and compressed as Cloudflare counts it against
# the plan: 3 MiB on Free, 10 MiB on Paid) for a base commit and for the working tree, both release
# builds (`cargo xtask build`), back to back on the same machine.
#
# usage: bench/worker-size.sh BASE_COMMIT [OUT=bench/results/worker-size.json]
#   The working tree is measured first, then the base, checked out in a temporary worktree with a
#   target directory of its own (target/worker-size-base: a shared one would leave the base's
#   binaries where cargo looks for this tree's, since it copies a fresh build's outputs there only
#   when it compiles them) and a hard-linked copy of node_modules/ (its xtask may reinstall it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
base="$1"
out="${2:-bench/results/worker-size.json}"
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false
work=$(mktemp -d)
trap 'rm -f "$work/base/target"; rm -rf "$work/base/node_modules"; git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/base" "$base" >/dev/null
mkdir -p "$root/target/worker-size-base"
ln -s "$root/target/worker-size-base" "$work/base/target"
cp -al "$root/node_modules" "$work/base/node_modules"

# "Total Upload: 9737.23 KiB / gzip: 3028.67 KiB" → "9737.23 3028.67"
upload() {
  (cd "$1" && cargo xtask build >"$work/build.log" 2>&1 && EDGESHOP_PREBUILT=1 npx wrangler deploy --dry-run --outdir "$work/dry" 2>&1) |
    sed -n 's/.*Total Upload: \([0-9.]*\) KiB \/ gzip: \([0-9.]*\) KiB.*/\1 \2/p'
}

head=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo "+changes")
read -r head_raw head_gzip < <(upload "$root")
echo "head $head: $head_raw / $head_gzip KiB; now the base" >&2
read -r base_raw base_gzip < <(upload "$work/base")
cat >"$out" <<JSON
{
  "what": "worker upload as wrangler deploy --dry-run reports it (KiB), release builds, same run",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "free_plan_limit_gzip_kib": 3072,
  "base": { "commit": "$(git rev-parse --short "$base")", "raw_kib": $base_raw, "gzip_kib": $base_gzip },
  "head": { "commit": "$head", "raw_kib": $head_raw, "gzip_kib": $head_gzip }
}
JSON
cat "$out"
