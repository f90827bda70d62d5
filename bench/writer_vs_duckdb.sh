#!/usr/bin/env bash
# Compares barforge's Parquet writer with DuckDB's COPY and with the zstd CLI
# on 1,000,000 rows of the dataset schema (~1.3 GB raw). Run by hand:
#   bash bench/writer_vs_duckdb.sh build [rows]
# Needs `cd tools && npm ci` done once. Uses ~4 GB of disk in a temp folder.
set -euo pipefail

build=${1:?usage: writer_vs_duckdb.sh BUILD_DIR [rows]}
rows=${2:-1000000}
here=$(cd "$(dirname "$0")/.." && pwd)
bench="$build/bench/parquet_writer_bench"
work=$(mktemp -d "${TMPDIR:-/tmp}/barforge_writer_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

seconds_of() { sed -n 's/.*seconds \([0-9.]*\).*/\1/p'; }

echo "rows: $rows, threads: 2, zstd level 3 (work folder $work)"

# (1) barforge: zstd 3 on 2 threads (value generation not timed).
barforge_out=$("$bench" "$work/barforge.parquet" "$rows" zstd 2 3)
barforge_s=$(echo "$barforge_out" | seconds_of)
echo "barforge writer:      $barforge_out"

# (3) the same rows uncompressed, then the zstd CLI on those raw bytes.
raw_out=$("$bench" "$work/raw.parquet" "$rows" none 2)
echo "raw (codec none):     $raw_out"
start=$(date +%s.%N)
zstd -3 -T2 -f -q "$work/raw.parquet" -o "$work/raw.parquet.zst"
end=$(date +%s.%N)
zstd_s=$(echo "$end - $start" | bc -l)
rm -f "$work/raw.parquet"
printf 'zstd -3 -T2:          seconds %.3f (%s bytes)\n' "$zstd_s" "$(stat -c %s "$work/raw.parquet.zst")"
rm -f "$work/raw.parquet.zst"

# (2) DuckDB: load the barforge file into a table, time only the COPY.
duckdb_out=$(node "$here/tools/bench_duckdb_write.mjs" "$work/barforge.parquet" "$work/duckdb.parquet" 2)
duckdb_s=$(echo "$duckdb_out" | seconds_of)
printf 'duckdb COPY zstd:     %s (%s bytes)\n' "$duckdb_out" "$(stat -c %s "$work/duckdb.parquet")"

printf 'barforge / zstd CLI:  %.2f  (target <= 1.3)\n' "$(echo "$barforge_s / $zstd_s" | bc -l)"
printf 'duckdb / barforge:    %.2f  (target >= 4)\n' "$(echo "$duckdb_s / $barforge_s" | bc -l)"
