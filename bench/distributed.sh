#!/usr/bin/env bash
# `make bench` (after run.sh): the 1M-sample default build as 2 MPI ranks x 1
# thread against 1 process x 2 threads, interleaved in the same run (median
# of 3 each), with each rank's peak RSS. Not a test: it asserts nothing.
#
#   bash bench/distributed.sh [BUILD_DIR]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
bin=$build/barforge
samples=${SAMPLES:-1000000}
if ! command -v mpirun > /dev/null; then
  echo "distributed.sh: mpirun not found, skipped"
  exit 0
fi
work=${BENCH_DIR:-$(mktemp -d /tmp/barforge-mpi-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cd "$root"
# CI and this VM run as root; OpenMPI needs its documented consent for that.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

common=(--config config/default.yaml --set "data_dir=$work/data" --samples "$samples" --quiet --json)
"$bin" synth --config config/default.yaml --set "data_dir=$work/data" --quiet

run() {  # NAME LAUNCHER... -- build args: prints "wall"
  local name=$1; shift
  /usr/bin/time -f '%e' -o "$work/$name.time" "$@" > "$work/$name.json"
  cat "$work/$name.time"
}
for i in 1 2 3; do
  echo "== round $i: 1 process x 2 threads, then 2 ranks x 1 thread"
  echo "$(run "threads-$i" "$bin" build "${common[@]}" --jobs 2 \
    --set "samples_filename=threads-${i}_{n}.parquet" --set "scaler_filename=threads-$i.json") $i" >> "$work/threads.runs"
  echo "$(run "ranks-$i" mpirun --oversubscribe -np 2 "$bin" build "${common[@]}" --jobs 1 \
    --set "samples_filename=ranks-${i}_{n}.parquet" --set "scaler_filename=ranks-$i.json") $i" >> "$work/ranks.runs"
  cmp -s "$work/data/threads-$i.json" "$work/data/ranks-$i.json" || { echo "scalers differ"; exit 1; }
  rm -rf "$work/data/threads-${i}_"* "$work/data/ranks-${i}_"*
done

/usr/bin/python3 - "$work" <<'PY' | tee "$build/bench/distributed.md"
import json, sys
work = sys.argv[1]
def median(name):
    runs = sorted((float(w), i) for w, i in (l.split() for l in open(f"{work}/{name}.runs")))
    wall, i = runs[1]
    return wall, [w for w, _ in runs], json.load(open(f"{work}/{name}-{i}.json"))
tw, tall, tj = median("threads")
rw, rall, rj = median("ranks")
print("| run | wall s (median of 3) | all runs | peak RSS MiB |")
print("|---|---|---|---|")
print(f"| 1 process x 2 threads | {tw:.2f} | {', '.join(f'{w:.2f}' for w in tall)} | {tj['peak_rss_bytes'] / 2**20:.0f} |")
rss = ", ".join(f"rank {p['part']}: {p['peak_rss_bytes'] / 2**20:.0f}" for p in rj["written"])
print(f"| 2 MPI ranks x 1 thread | {rw:.2f} | {', '.join(f'{w:.2f}' for w in rall)} | {rss} |")
print(f"\n2 ranks / 1 process: **{rw / tw:.3f}x** (target within 10%)")
PY
