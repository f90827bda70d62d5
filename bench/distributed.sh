#!/usr/bin/env bash
# `make bench` (after run.sh): the default build as 2 MPI ranks x 1 thread
# against 1 process x 2 threads, at each size of SIZES, all interleaved in
# the same run (median of ROUNDS each), with each rank's peak RSS. The
# smallest size (1000 samples) is nearly all fixed cost: launching the
# ranks, MPI's start, loading and preparing the raw bars. Not a test: it
# asserts nothing.
#
#   bash bench/distributed.sh [BUILD_DIR]
#   SIZES="1000 1000000 10000000" ROUNDS=3 (the defaults)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
bin=$build/barforge
read -r -a sizes <<< "${SIZES:-1000 1000000 10000000}"
rounds=${ROUNDS:-3}
if ! command -v mpirun > /dev/null; then
  echo "distributed.sh: mpirun not found, skipped"
  exit 0
fi
work=${BENCH_DIR:-$(mktemp -d /tmp/barforge-mpi-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cd "$root"
# CI and this VM run as root; OpenMPI needs its documented consent for that.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

common=(--config config/default.yaml --set "data_dir=$work/data" --quiet --json)
"$bin" synth --config config/default.yaml --set "data_dir=$work/data" --quiet

run() {  # NAME LAUNCHER... -- build args: prints "wall"
  local name=$1; shift
  /usr/bin/time -f '%e' -o "$work/$name.time" "$@" > "$work/$name.json"
  cat "$work/$name.time"
}
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= rounds; i++)); do
  for n in "${sizes[@]}"; do
    echo "== round $i, $n samples: 1 process x 2 threads, then 2 ranks x 1 thread"
    echo "$n $(run "threads-$n-$i" "$bin" build "${common[@]}" --samples "$n" --jobs 2 \
      --set "samples_filename=threads-${i}_{n}.parquet" --set "scaler_filename=threads-$i.json") $i" >> "$work/threads.runs"
    echo "$n $(run "ranks-$n-$i" mpirun --oversubscribe -np 2 "$bin" build "${common[@]}" --samples "$n" --jobs 1 \
      --set "samples_filename=ranks-${i}_{n}.parquet" --set "scaler_filename=ranks-$i.json") $i" >> "$work/ranks.runs"
    cmp -s "$work/data/threads-$i.json" "$work/data/ranks-$i.json" || { echo "scalers differ"; exit 1; }
    rm -rf "$work/data/threads-${i}_"* "$work/data/ranks-${i}_"* "$work/data/threads-$i.json" "$work/data/ranks-$i.json"
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$build/bench"
/usr/bin/python3 - "$work" <<'PY' | tee "$build/bench/distributed.md"
import json, statistics, sys
work = sys.argv[1]
def runs(name):
    by_size = {}
    for line in open(f"{work}/{name}.runs"):
        n, wall, i = line.split()
        by_size.setdefault(int(n), []).append((float(wall), i))
    return by_size
threads, ranks = runs("threads"), runs("ranks")
def median(entries, name, n):
    ordered = sorted(entries)
    wall, i = ordered[(len(ordered) - 1) // 2]
    return wall, [w for w, _ in entries], json.load(open(f"{work}/{name}-{n}-{i}.json"))
print("| samples | run | wall s (median) | all runs, in order | peak RSS MiB |")
print("|---|---|---|---|---|")
summary = []
for n in threads:
    tw, tall, tj = median(threads[n], "threads", n)
    rw, rall, rj = median(ranks[n], "ranks", n)
    print(f"| {n:,} | 1 process x 2 threads | {tw:.2f} | {', '.join(f'{w:.2f}' for w in tall)} | {tj['peak_rss_bytes'] / 2**20:.0f} |")
    rss = ", ".join(f"rank {p['part']}: {p['peak_rss_bytes'] / 2**20:.0f}" for p in rj["written"])
    print(f"| {n:,} | 2 MPI ranks x 1 thread | {rw:.2f} | {', '.join(f'{w:.2f}' for w in rall)} | {rss} |")
    ratios = [r / t for (t, _), (r, _) in zip(threads[n], ranks[n])]
    summary.append(f"- {n:,} samples: 2 ranks / 1 process **{rw / tw:.3f}x** (medians; per round "
                   f"{', '.join(f'{x:.2f}' for x in ratios)}), 2 ranks take {rw - tw:+.2f} s")
print()
print("\n".join(summary))
print("\n(target: within 10%; at the smallest size both are nearly all fixed cost, so its difference in seconds is "
      "what 2 ranks add to any build)")
PY
