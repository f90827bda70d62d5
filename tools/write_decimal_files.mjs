// Writes DECIMAL Parquet files as DuckDB and arrow-rs (parquet-wasm) write
// them, and what DuckDB itself reads from each, for barforge's DECIMAL tests:
//   node write_decimal_files.mjs OUT_DIR
// OUT_DIR/duckdb.parquet   DuckDB: id, then one DECIMAL column per
//                          (precision, scale) of DUCKDB_TYPES (INT32, INT64 or
//                          FIXED_LEN_BYTE_ARRAY by precision), some nulls
// OUT_DIR/arrow.parquet    arrow-rs: id, one Decimal128 column per ARROW_TYPES
// OUT_DIR/bars.parquet     DuckDB: valid OHLCV bars, timestamp TIMESTAMPTZ,
//                          open/high/low DECIMAL(18,6), close DECIMAL(38,10)
//                          (FIXED_LEN_BYTE_ARRAY), volume DECIMAL(20,4)
// OUT_DIR/other_types.parquet  DuckDB: the bars as DOUBLE, plus columns of
//                          types a price may come in that are not numbers:
//                          text, uuid, interval, time, json, integer
// OUT_DIR/float16.parquet  arrow-rs: the bars' columns as FLOAT16
// OUT_DIR/*.expected.parquet  per input, what DuckDB reads: id, then per
//                          column c: c (CAST(c AS DOUBLE)) and c_text
//                          (CAST(c AS VARCHAR), the exact value)
// Values are random digits of every length up to the precision, both signs,
// plus the edges: 0, +-1, +-(10^p - 1), and integers around 2^53.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node write_decimal_files.mjs OUT_DIR');
  process.exit(2);
}
const DUCKDB_TYPES = [[4, 1], [9, 2], [9, 9], [18, 0], [18, 4], [18, 17], [20, 3], [38, 0], [38, 10], [38, 38]];
const ARROW_TYPES = [[7, 3], [15, 5], [28, 8], [38, 20]];
const ROWS = 1200;

// A small deterministic generator (xorshift64*), so the files are the same
// on every run.
let state = 0x9E3779B97F4A7C15n;
const next = () => {
  state ^= state >> 12n; state ^= (state << 25n) & 0xFFFFFFFFFFFFFFFFn; state ^= state >> 27n;
  return (state * 0x2545F4914F6CDD1Dn) & 0xFFFFFFFFFFFFFFFFn;
};
const randomUnscaled = (precision) => {
  const digits = 1 + Number(next() % BigInt(precision));
  let value = 0n;
  for (let d = 0; d < digits; ++d) value = value * 10n + next() % 10n;
  return next() % 2n === 0n ? value : -value;
};
const edges = (precision) => {
  const max = 10n ** BigInt(precision) - 1n;
  const list = [0n, 1n, -1n, max, -max];
  for (const near of [(1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 54n) + 3n]) {
    if (near <= max) list.push(near, -near);
  }
  return list;
};
const unscaledColumn = (precision) => {
  const values = edges(precision);
  while (values.length < ROWS) values.push(randomUnscaled(precision));
  return values;
};
const decimalText = (unscaled, scale) => {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  if (scale > 0) digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return (negative ? '-' : '') + digits;
};
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const name = ([p, s]) => `d${p}_${s}`;

const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();

// DuckDB: the texts go in as VARCHAR and are cast in SQL.
{
  const columns = DUCKDB_TYPES.map(([p, s]) => unscaledColumn(p).map((u) => decimalText(u, s)));
  const csv = join(outDir, 'duckdb_values.csv');
  const header = ['id', ...DUCKDB_TYPES.map(name)].join(',');
  const lines = [];
  for (let r = 0; r < ROWS; ++r) {
    // Every 97th row of the FIXED_LEN_BYTE_ARRAY columns is null.
    lines.push([r, ...columns.map((c, k) => (DUCKDB_TYPES[k][0] > 18 && r % 97 === 50 ? '' : c[r]))].join(','));
  }
  writeFileSync(csv, `${header}\n${lines.join('\n')}\n`);
  const casts = DUCKDB_TYPES.map((t) => `CAST(${name(t)} AS DECIMAL(${t[0]},${t[1]})) AS ${name(t)}`).join(', ');
  await db.run(`COPY (SELECT CAST(id AS BIGINT) AS id, ${casts} FROM read_csv(${quote(csv)}, all_varchar = true)
    ORDER BY 1) TO ${quote(join(outDir, 'duckdb.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 500)`);
}
// arrow-rs: Decimal128 values built word by word.
{
  const arrow = await import('apache-arrow');
  const pq = await import('parquet-wasm');
  const fields = { id: arrow.makeVector(BigInt64Array.from({ length: ROWS }, (_, r) => BigInt(r))) };
  for (const [p, s] of ARROW_TYPES) {
    const words = new Uint32Array(ROWS * 4);
    unscaledColumn(p).forEach((value, r) => {
      let bits = BigInt.asUintN(128, value);
      for (let k = 0; k < 4; ++k, bits >>= 32n) words[r * 4 + k] = Number(bits & 0xFFFFFFFFn);
    });
    fields[name([p, s])] = arrow.makeVector(arrow.makeData({ type: new arrow.Decimal(s, p, 128), length: ROWS, data: words }));
  }
  const ipc = arrow.tableToIPC(new arrow.Table(fields), 'stream');
  const properties = new pq.WriterPropertiesBuilder().setMaxRowGroupSize(500).build();
  writeFileSync(join(outDir, 'arrow.parquet'), pq.writeParquet(pq.Table.fromIPCStream(ipc), properties));
}
// Bars: a random walk in millionths, high and low around open and close.
{
  const lines = ['i,open,high,low,close,volume'];
  let price = 100_000_000n;
  for (let i = 0; i < 300; ++i) {
    const open = price;
    price += (next() % 2_000_001n) - 1_000_000n;
    const close = price;
    const high = (open > close ? open : close) + next() % 500_000n;
    const low = (open < close ? open : close) - next() % 500_000n;
    const volume = next() % 100_000_000_000n;
    lines.push([i, ...[open, high, low].map((u) => decimalText(u, 6)), decimalText(close * 10_000n + next() % 10_000n, 10),
      decimalText(volume, 4)].join(','));
  }
  // close carries four more digits, so it stays above low and below high.
  const csv = join(outDir, 'bars_values.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);
  await db.run(`COPY (SELECT TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_minutes(CAST(i AS BIGINT)) AS "timestamp",
    CAST(open AS DECIMAL(18,6)) AS open, CAST(high AS DECIMAL(18,6)) AS high, CAST(low AS DECIMAL(18,6)) AS low,
    CAST(close AS DECIMAL(38,10)) AS close, CAST(volume AS DECIMAL(20,4)) AS volume
    FROM read_csv(${quote(csv)}, all_varchar = true) ORDER BY CAST(i AS BIGINT))
    TO ${quote(join(outDir, 'bars.parquet'))} (FORMAT parquet)`);
  await db.run(`COPY (SELECT "timestamp", CAST(open AS DOUBLE) AS open, CAST(high AS DOUBLE) AS high,
    CAST(low AS DOUBLE) AS low, CAST(close AS DOUBLE) AS close, CAST(volume AS DOUBLE) AS volume
    FROM read_parquet(${quote(join(outDir, 'bars.parquet'))}) ORDER BY 1)
    TO ${quote(join(outDir, 'bars.expected.parquet'))} (FORMAT parquet)`);
}
// Columns a price should not come in.
await db.run(`COPY (SELECT *, CAST(close AS VARCHAR) AS text, uuid() AS id, INTERVAL 1 DAY AS span,
  TIME '12:00:00' AS time_of_day, CAST('{"p": 1}' AS JSON) AS json, CAST(close AS INTEGER) AS whole
  FROM read_parquet(${quote(join(outDir, 'bars.expected.parquet'))})) TO ${quote(join(outDir, 'other_types.parquet'))}
  (FORMAT parquet)`);
{
  const arrow = await import('apache-arrow');
  const pq = await import('parquet-wasm');
  const bars = (await db.runAndReadAll(`SELECT epoch_ms("timestamp") AS ms, open, high, low, close, volume
    FROM read_parquet(${quote(join(outDir, 'bars.expected.parquet'))}) ORDER BY 1`)).getRowObjectsJS();
  const half = (key) => arrow.makeVector(arrow.makeData({ type: new arrow.Float16(), length: bars.length,
    data: Uint16Array.from(bars, (b) => arrow.util.float64ToUint16(b[key])) }));
  const table = new arrow.Table({
    timestamp: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond('UTC'), length: bars.length,
      data: BigInt64Array.from(bars, (b) => BigInt(b.ms)) })),
    open: half('open'), high: half('high'), low: half('low'), close: half('close'), volume: half('volume'),
  });
  writeFileSync(join(outDir, 'float16.parquet'), pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'))));
}
// What DuckDB reads from each file.
for (const [file, types] of [['duckdb', DUCKDB_TYPES], ['arrow', ARROW_TYPES]]) {
  const columns = types.map((t) => `CAST(${name(t)} AS DOUBLE) AS ${name(t)}, CAST(${name(t)} AS VARCHAR) AS ${name(t)}_text`);
  await db.run(`COPY (SELECT id, ${columns.join(', ')} FROM read_parquet(${quote(join(outDir, `${file}.parquet`))}) ORDER BY id)
    TO ${quote(join(outDir, `${file}.expected.parquet`))} (FORMAT parquet)`);
}
