#!/usr/bin/env bash
# `make bench-scale` (not part of `make bench`): the default build at 10M and
# 40M samples, interleaved in one run, for the cost per sample at scale.
# For each build: wall time, time per sample, peak RSS, and the machine's
# cached memory (/proc/meminfo "Cached") just before it and just after it
# (before its file is removed), and how much of its file is resident
# (fincore). The builds' files are removed one by one, so
# the disk needs room for the largest only (about 1.09 kB a sample: 43.5 GB
# at 40M). Not a test: it asserts nothing and prints a table (also written
# to $BUILD/bench/scale.md).
#
#   bash bench/scale.sh [BUILD_DIR]
#   SAMPLES="1000000 4000000" ROUNDS=2 bash bench/scale.sh   (defaults: "10000000 40000000", 2)
# The first size is the reference: the ratio is each size's median time per
# sample over the first's (target: 40M within 1.05x of 10M). BASELINE=path
# to another barforge binary (an older build) runs it too, interleaved with
# this one, for a before/after in the same run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
bin=$build/barforge
read -r -a sizes <<< "${SAMPLES:-10000000 40000000}"
rounds=${ROUNDS:-2}
work=${BENCH_DIR:-$(mktemp -d /tmp/barforge-scale-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cd "$root"

largest=$(printf '%s\n' "${sizes[@]}" | sort -n | tail -1)
need_kb=$((largest * 1100 / 1024 + 1024 * 1024))  # the largest file and 1 GiB to spare
free_kb=$(df -Pk "$work" | awk 'NR == 2 {print $4}')
if (( free_kb < need_kb )); then
  echo "scale.sh: $work has $((free_kb / 1024 / 1024)) GiB free; a build of $largest samples needs about" \
       "$((need_kb / 1024 / 1024)) GiB" >&2
  exit 1
fi

common=(--config config/default.yaml --set "data_dir=$work/data" --quiet --json)
"$bin" synth --config config/default.yaml --set "data_dir=$work/data" --quiet

binaries=("$bin")
[[ -z ${BASELINE:-} ]] || binaries+=("$(realpath "$BASELINE")")
cached_kb() { awk '/^Cached:/ {print $2}' /proc/meminfo; }
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= rounds; i++)); do
  for n in "${sizes[@]}"; do
    for b in "${!binaries[@]}"; do
      name=$([[ $b == 0 ]] && echo this || echo baseline)
      echo "== round $i: $n samples ($name build)"
      before=$(cached_kb)
      /usr/bin/time -f '%e %U %S %M' -o "$work/run.time" "${binaries[$b]}" build "${common[@]}" --samples "$n" \
        --set "samples_filename=scale-${n}-${i}_{n}.parquet" --set "scaler_filename=scale-${n}-${i}.json" \
        > "$work/run.json"
      after=$(cached_kb)
      # What of the output file itself is still in the page cache (other
      # processes move "Cached" too; this is the build's own share).
      resident=$(fincore -b -n -r -o RES "$work/data/scale-${n}-${i}_"*.parquet 2>/dev/null | awk '{s += $1} END {print s + 0}')
      bytes=$(/usr/bin/python3 -c "import json; print(json.load(open('$work/run.json'))['bytes'])")
      rm -f "$work/data/scale-${n}-${i}"*
      read -r wall user sys rss < "$work/run.time"
      echo "$name $n $i $wall $user $sys $rss $before $after $bytes $resident" >> "$work/runs"
    done
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$build/bench"
/usr/bin/python3 - "$work/runs" "${sizes[0]}" <<'PY' | tee "$build/bench/scale.md"
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
reference = int(sys.argv[2])
print("| binary | samples | round | wall s | us per sample | CPU s | peak RSS MiB | file GB | cached before GiB | cached after GiB | cache growth / file | file in cache MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
per_sample, peak = {}, {}
for name, n, i, wall, user, sys_, rss, before, after, size, resident in runs:
    n, wall, rss, before, after, size = int(n), float(wall), int(rss), int(before), int(after), int(size)
    per_sample.setdefault((name, n), []).append(wall / n)
    peak.setdefault((name, n), []).append(rss)
    print(f"| {name} | {n:,} | {i} | {wall:.2f} | {wall / n * 1e6:.2f} | {float(user) + float(sys_):.2f} | {rss / 1024:.0f} | "
          f"{size / 1e9:.2f} | {before / 2**20:.2f} | {after / 2**20:.2f} | {(after - before) * 1024 / size:.3f} | "
          f"{int(resident) / 2**20:.0f} |")
print()
for (name, n), times in per_sample.items():
    if n == reference:
        continue
    base = statistics.median(per_sample[name, reference])
    print(f"- {name} build, time per sample, {n:,} / {reference:,}: **{statistics.median(times) / base:.3f}x** "
          f"(medians of {len(times)}; target <= 1.05x); peak RSS {max(peak[name, n]) / max(peak[name, reference]):.2f}x")
print("- cache growth / file: the machine's Cached after the build minus before, over the file's size (other "
      "processes move it too); file in cache: the part of the output file resident right after the build (fincore)")
PY
