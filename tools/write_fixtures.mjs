// Writes Parquet files with three independent writers (DuckDB, arrow-rs via
// parquet-wasm, hyparquet-writer) plus, for each FILE.parquet, FILE.json: the
// expected values in dump_parquet.mjs's canonical form, read back by a
// *different* independent reader (DuckDB's files through hyparquet, the
// others through DuckDB), so barforge's reader is checked against two
// implementations that are not its own. (Not arrow-rs: dump_parquet.mjs's
// arrow path renders a list through toArray(), which drops the null
// elements' validity and prints whatever bytes sit in their slots.)
//   node write_fixtures.mjs OUT_DIR
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const kRows = 20000;
const here = dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node write_fixtures.mjs OUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

// Deterministic pseudo-random numbers (mulberry32), so files are reproducible.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dumpWith(reader, file) {
  const json = execFileSync('node', [join(here, 'dump_parquet.mjs'), reader, file], { maxBuffer: 1 << 30 });
  writeFileSync(file.replace(/\.parquet$/, '.json'), json);
}

// ---------------------------------------------------------------- DuckDB
async function writeDuckdb() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run(`CREATE TABLE t AS SELECT
      i * 1000003 - 5000000000 AS big,
      CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 37 - 100000)::INTEGER END AS int_nullable,
      (i::DOUBLE / 7.0) * CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END AS dbl,
      CASE WHEN i % 13 = 0 THEN NULL ELSE (i::FLOAT / 3.0)::FLOAT END AS flt,
      CASE WHEN i % 17 = 0 THEN NULL ELSE ['alpha', 'beta', 'gamma', 'delta', ''][i % 5 + 1] END AS few,
      'value-' || (i * 7919 % 100003)::VARCHAR || repeat('x', i % 9) AS many,
      TIMESTAMP '2021-03-04 05:06:07' + to_microseconds(i * 1234567) AS ts,
      (TIMESTAMP '2021-03-04 05:06:07' + to_milliseconds(i * 999))::TIMESTAMP_MS AS ts_ms,
      (TIMESTAMP '2019-01-01' + to_microseconds(i * 31)) ::TIMESTAMP_NS + to_microseconds(0) AS ts_ns,
      CASE WHEN i % 5 = 0 THEN NULL ELSE TIMESTAMPTZ '2022-01-01 00:00:00+00' + to_seconds(i * 61) END AS tstz,
      DATE '1969-06-01' + (i % 4000)::INTEGER AS dt,
      CASE WHEN i % 11 = 0 THEN NULL
           ELSE list_transform(range(i % 4), x -> CASE WHEN (x + i) % 9 = 0 THEN NULL ELSE (x * 0.5 + i)::FLOAT END)
      END AS fl
    FROM range(${kRows}) r(i)`);
  const variants = [
    ['duckdb_default', ''],
    ['duckdb_zstd', ', COMPRESSION zstd'],
    ['duckdb_snappy', ', COMPRESSION snappy'],
    ['duckdb_gzip', ', COMPRESSION gzip'],
    ['duckdb_small_row_groups', ', COMPRESSION zstd, ROW_GROUP_SIZE 2048'],
    ['duckdb_v2', ', COMPRESSION zstd, PARQUET_VERSION V2, ROW_GROUP_SIZE 4096'],
  ];
  const files = [];
  for (const [name, options] of variants) {
    const file = join(outDir, `${name}.parquet`);
    await c.run(`COPY t TO '${file}' (FORMAT parquet${options})`);
    files.push(file);
  }
  return files;
}

// ---------------------------------------------------------------- arrow-rs
function nullBitmap(valid) {
  const bitmap = new Uint8Array((valid.length + 7) >> 3);
  valid.forEach((v, i) => { if (v) bitmap[i >> 3] |= 1 << (i & 7); });
  return bitmap;
}

function arrowTable(arrow) {
  const next = rng(42);
  const n = kRows;
  const primitive = (type, values, valid) => {
    const nullCount = valid ? valid.filter((v) => !v).length : 0;
    return arrow.makeVector(arrow.makeData({ type, length: n, nullCount, nullBitmap: valid ? nullBitmap(valid) : undefined, data: values }));
  };
  const idx = Array.from({ length: n }, (_, i) => i);
  const i64 = BigInt64Array.from(idx, (i) => BigInt(i) * 9876543211n - 123456789012345n);
  const i32valid = idx.map((i) => i % 6 !== 0);
  const i32 = Int32Array.from(idx, (i) => (i32valid[i] ? Math.floor((next() - 0.5) * 4e9) : 0));
  const f64 = Float64Array.from(idx, (i) => (i === 5 ? NaN : i === 6 ? Infinity : i === 7 ? -Infinity : (next() - 0.5) * 1e6));
  const f32 = Float32Array.from(idx, () => Math.fround((next() - 0.5) * 1000));
  const tsValid = idx.map((i) => i % 10 !== 3);
  const tsUs = BigInt64Array.from(idx, (i) => 1600000000000000n + BigInt(i) * 1234567n);
  const tsMs = BigInt64Array.from(idx, (i) => 1500000000000n + BigInt(i) * 1001n);
  const tsNs = BigInt64Array.from(idx, (i) => 1700000000000000000n + BigInt(i) * 999999937n);
  const days = Int32Array.from(idx, (i) => i % 30000 - 10000);
  const few = idx.map((i) => (i % 19 === 0 ? null : ['AAPL', 'MSFT', 'GOOG', 'ünïcode'][i % 4]));
  const many = idx.map((i) => `row-${i}-${Math.floor(next() * 1e9)}`);
  const bools = idx.map((i) => (i % 23 === 0 ? null : (i * 7) % 3 === 0));
  const lists = idx.map((i) => (i % 13 === 0 ? null : Array.from({ length: i % 5 }, (_, k) => ((i + k) % 7 === 0 ? null : Math.fround(i * 0.25 + k)))));
  return new arrow.Table({
    id: primitive(new arrow.Int64(), i64),
    i32: primitive(new arrow.Int32(), i32, i32valid),
    dbl: primitive(new arrow.Float64(), f64),
    flt: primitive(new arrow.Float32(), f32),
    ts_us: primitive(new arrow.TimestampMicrosecond(), tsUs, tsValid),
    ts_ms_utc: primitive(new arrow.TimestampMillisecond('UTC'), tsMs),
    ts_ns: primitive(new arrow.TimestampNanosecond(), tsNs),
    day: primitive(new arrow.DateDay(), days),
    few: arrow.vectorFromArray(few, new arrow.Utf8()),
    many: arrow.vectorFromArray(many, new arrow.Utf8()),
    flag: arrow.vectorFromArray(bools, new arrow.Bool()),
    fl: arrow.vectorFromArray(lists, new arrow.List(new arrow.Field('item', new arrow.Float32(), true))),
  });
}

async function writeArrow() {
  const arrow = await import('apache-arrow');
  const pq = await import('parquet-wasm');
  const ipc = arrow.tableToIPC(arrowTable(arrow), 'stream');
  const { Compression: C, WriterVersion: V, Encoding: E } = pq;
  const variants = [
    ['arrow_v1_snappy_dict', V.V1, C.SNAPPY, true, 4096, 6000, {}],
    ['arrow_v2_zstd_dict', V.V2, C.ZSTD, true, 8192, 7000, {}],
    ['arrow_v1_gzip_plain', V.V1, C.GZIP, false, 16384, 20000, {}],
    ['arrow_v2_lz4raw_plain', V.V2, C.LZ4_RAW, false, 4096, 5000, {}],
    ['arrow_v1_uncompressed_dict', V.V1, C.UNCOMPRESSED, true, 2048, 9000, {}],
    ['arrow_v2_snappy_delta_bss', V.V2, C.SNAPPY, false, 8192, 8000,
      { id: E.DELTA_BINARY_PACKED, i32: E.DELTA_BINARY_PACKED, dbl: E.BYTE_STREAM_SPLIT, flt: E.BYTE_STREAM_SPLIT,
        ts_us: E.DELTA_BINARY_PACKED, day: E.DELTA_BINARY_PACKED, few: E.DELTA_LENGTH_BYTE_ARRAY, many: E.DELTA_BYTE_ARRAY }],
  ];
  const files = [];
  for (const [name, version, codec, dict, pageSize, rowGroup, encodings] of variants) {
    let builder = new pq.WriterPropertiesBuilder()
      .setWriterVersion(version)
      .setCompression(codec)
      .setDictionaryEnabled(dict)
      .setDataPageSizeLimit(pageSize)
      .setMaxRowGroupSize(rowGroup);
    for (const [column, encoding] of Object.entries(encodings)) builder = builder.setColumnEncoding(column, encoding);
    const bytes = pq.writeParquet(pq.Table.fromIPCStream(ipc), builder.build());
    const file = join(outDir, `${name}.parquet`);
    writeFileSync(file, bytes);
    files.push(file);
  }
  return files;
}

// ---------------------------------------------------------------- hyparquet
async function writeHyparquet() {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const next = rng(7);
  const idx = Array.from({ length: kRows }, (_, i) => i);
  const columns = (encodings) => [
    { name: 'i32', type: 'INT32', data: idx.map((i) => (i % 9 === 0 ? null : i * 3 - 20000)), nullable: true, encoding: encodings.i32 },
    { name: 'i64', type: 'INT64', data: idx.map((i) => BigInt(i) * 1000000007n - 7n), nullable: false, encoding: encodings.i64 },
    { name: 'dbl', type: 'DOUBLE', data: idx.map(() => (next() - 0.5) * 1e12), nullable: false, encoding: encodings.dbl },
    { name: 'flt', type: 'FLOAT', data: idx.map((i) => (i % 4 === 0 ? null : Math.fround(next() * 100))), nullable: true },
    { name: 'few', type: 'STRING', data: idx.map((i) => ['x', 'yy', 'zzz'][i % 3]), nullable: false },
    { name: 'many', type: 'STRING', data: idx.map((i) => (i % 8 === 0 ? null : `s${i}:${Math.floor(next() * 1e6)}`)), nullable: true, encoding: encodings.many },
    { name: 'flag', type: 'BOOLEAN', data: idx.map((i) => i % 3 === 1), nullable: false },
    { name: 'when', type: 'TIMESTAMP', data: idx.map((i) => new Date(1577836800000 + i * 86400123)), nullable: false },
  ];
  const variants = [
    ['hyparquet_snappy', { codec: 'SNAPPY', rowGroupSize: 6000, pageSize: 8192 }, {}],
    ['hyparquet_uncompressed', { codec: 'UNCOMPRESSED', rowGroupSize: 20000 }, {}],
    ['hyparquet_encodings', { codec: 'SNAPPY', rowGroupSize: 9000, pageSize: 4096 },
      { i32: 'DELTA_BINARY_PACKED', i64: 'DELTA_BINARY_PACKED', dbl: 'BYTE_STREAM_SPLIT', many: 'DELTA_BYTE_ARRAY' }],
  ];
  const files = [];
  for (const [name, options, encodings] of variants) {
    const buffer = parquetWriteBuffer({ columnData: columns(encodings), ...options });
    const file = join(outDir, `${name}.parquet`);
    writeFileSync(file, new Uint8Array(buffer));
    files.push(file);
  }
  return files;
}

const duckFiles = await writeDuckdb();
for (const file of duckFiles) dumpWith('hyparquet', file);
for (const file of [...(await writeArrow()), ...(await writeHyparquet())]) dumpWith('duckdb', file);
