#!/usr/bin/env bash
# `make bench`: a cross-sectional build (cross_section: true, 8 synthetic
# tickers, SAMPLES rows of [8, W, ...] each) against the compression floor
# of its own bytes, measured as bench/run.sh measures the default build's:
# the same build with parquet_compression=none gives the uncompressed file,
# and `zstd -3 -T<cores>` of that file is the floor. The builds and the
# zstd runs are interleaved (ROUNDS rounds) so that both see the same
# machine; the medians and their ratio are printed. Not a test.
#
#   bash bench/cross_section.sh [BUILD_DIR]     (SAMPLES=1000000 ROUNDS=3)
#
# Disk: the uncompressed file is about SAMPLES * 8 * 1.4 KB (11 GB at 1M),
# the compressed build and zstd's output about half that each.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
bin=$build/barforge
cores=$(nproc)
samples=${SAMPLES:-1000000}
rounds=${ROUNDS:-3}
work=${BENCH_DIR:-$(mktemp -d /tmp/barforge-xsec-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cd "$root"

common=(--config config/default.yaml --set "data_dir=$work/data" --quiet
        --set "tickers=[X0, X1, X2, X3, X4, X5, X6, X7]" --set cross_section=true --set "n_samples=$samples"
        --set chunk_rows=32768)  # row groups of 8 x 32768 windows, as large as the default build's
"$bin" synth "${common[@]}"

timed_build() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$bin" build "${common[@]}" --json \
    --set "samples_filename=${name}_{n}.parquet" --set "scaler_filename=${name}_scaler.json" "$@" \
    > "$work/$name.json"
  read -r wall user sys rss < "$work/$name.time"
  echo "$wall $(/usr/bin/python3 -c "print($user + $sys)") $rss"
}

timed_build uncompressed --set parquet_compression=none > /dev/null
raw_file=$(ls "$work"/data/uncompressed_*.parquet)
raw_bytes=$(stat -c %s "$raw_file")
for i in $(seq 1 "$rounds"); do
  echo "== round $i: $samples cross-sections of 8 tickers (zstd level 3, $cores cores), then zstd -3 -T$cores of the uncompressed file"
  echo "$(timed_build "xsec-$i") $i" >> "$work/xsec.runs"
  /usr/bin/time -f '%e %U %S' -o "$work/zstd.time" zstd -q -3 -T"$cores" -f "$raw_file" -o "$work/raw.zst"
  cat "$work/zstd.time" >> "$work/zstd.runs"
  bytes=$(stat -c %s "$(ls "$work"/data/xsec-"$i"_*.parquet)")
  echo "$bytes" >> "$work/bytes.runs"
  rm -f "$work"/data/xsec-"$i"_*.parquet "$work/raw.zst"
done
mid=$(( (rounds + 1) / 2 ))
read -r wall cpu rss _ < <(sort -n "$work/xsec.runs" | sed -n "${mid}p")
read -r floor floor_user floor_sys < <(sort -n "$work/zstd.runs" | sed -n "${mid}p")
bytes=$(sort -n "$work/bytes.runs" | sed -n "${mid}p")
/usr/bin/python3 - "$samples" "$wall" "$cpu" "$rss" "$floor" "$floor_user" "$floor_sys" "$raw_bytes" "$bytes" "$cores" <<'PY'
import sys
samples, wall, cpu, rss, floor, fu, fs, raw, out, cores = sys.argv[1:]
samples, raw, out = int(samples), int(raw), int(out)
wall, cpu, rss, floor, fcpu = float(wall), float(cpu), int(rss), float(floor), float(fu) + float(fs)
print()
print(f"| run (median) | wall s | CPU s | samples/s | MB/s of uncompressed bytes | peak RSS MB | file MB |")
print(f"|---|---|---|---|---|---|---|")
print(f"| {samples:,} cross-sections of 8 tickers, zstd 3 | {wall:.2f} | {cpu:.2f} | {samples / wall:,.0f} | {raw / 1e6 / wall:,.0f} | {rss / 1024:.0f} | {out / 1e6:.0f} |")
print(f"| floor: zstd -3 -T{cores} of {raw / 1e6:.0f} MB | {floor:.2f} | {fcpu:.2f} | | {raw / 1e6 / floor:,.0f} | | |")
print()
print(f"- cross-sectional build / floor: **{wall / floor:.2f}x** (target <= 1.10x)")
PY
