#!/usr/bin/env bash
# Part of `make bench`: the cost of time splits, max_gap and extra labels.
# A 1M build with three splits (train / valid / test by fraction of time,
# counts by their share of 1M), max_gap, extra_horizons and triple_barrier
# against the default 1M build, interleaved ROUNDS times (default 3) on the
# same raw data; prints a Markdown table with the medians. Not a test.
#
#   bash bench/splits.sh [BUILD_DIR]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
bin=$build/barforge
rounds=${ROUNDS:-3}
work=${BENCH_DIR:-$(mktemp -d /tmp/barforge-bench-splits.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cd "$root"

common=(--config config/default.yaml --set "data_dir=$work/data" --quiet)
"$bin" synth "${common[@]}" > /dev/null

run() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$bin" build "${common[@]}" --json \
    --set "samples_filename=${name}_{n}.parquet" --set "scaler_filename=${name}_scaler.json" "$@" > "$work/$name.json"
  read -r wall user sys rss < "$work/$name.time"
  rm -f "$work/data/${name}_"*.parquet
  echo "$wall $rss"
}

# Counts given (70/15/15% of 1M), so the files hold as many rows as the default build.
splits='[{name: train, end: 0.7, n_samples: 700000}, {name: valid, end: 0.85, n_samples: 150000}, {name: test, n_samples: 150000}]'
for i in $(seq "$rounds"); do
  echo "$(run "default-$i")" >> "$work/default.runs"
  echo "$(run "splits-$i" --set "splits=$splits" --set embargo_bars=16 --set max_gap=2m \
    --set "extra_horizons=[1, 4, 8]" --set "triple_barrier={profit: 2, stop: 1}")" >> "$work/splits.runs"
done

/usr/bin/python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def runs(name):
    return [tuple(map(float, line.split())) for line in open(f"{work}/{name}.runs")]
d, s = runs("default"), runs("splits")
dw, sw = statistics.median(r[0] for r in d), statistics.median(r[0] for r in s)
dr, sr = statistics.median(r[1] for r in d), statistics.median(r[1] for r in s)
summary = json.load(open(f"{work}/splits-1.json"))
rows = ", ".join(f"{x['name']} {x['rows']:,}" for x in summary["splits"])
print(f"\nSplits, max_gap and extra labels (median of {rounds} interleaved runs):\n")
print("| run | wall s | peak RSS MiB |")
print("|---|---|---|")
print(f"| 1M default build | {dw:.2f} | {dr / 1024:.0f} |")
print(f"| 1M, 3 splits ({rows}), embargo 16, max_gap 2m, extra_horizons [1, 4, 8], triple_barrier | {sw:.2f} | {sr / 1024:.0f} |")
print(f"\n- splits / default: time **{sw / dw:.2f}x** (target <= 1.10x), peak RSS **{sr / dr:.2f}x**")
PY
