// Rewrites one raw bar file (as barforge synth writes it) in the layouts
// real users bring, for barforge's raw-input tests:
//   node write_bar_variants.mjs RAW.parquet OUT_DIR
// Every variant holds exactly the same bars (timestamps are whole seconds,
// doubles printed with round-trip precision), so a build from any of them
// must equal the build from RAW. Prints one JSON line per variant:
// {"file", "set": {config overrides needed to read it}}.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [raw, outDir] = process.argv.slice(2);
if (!raw || !outDir) {
  console.error('usage: node write_bar_variants.mjs RAW.parquet OUT_DIR');
  process.exit(2);
}
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
await db.run(`CREATE TABLE bars AS SELECT * FROM read_parquet(${quote(raw)})`);
const result = await db.runAndReadAll('SELECT epoch_ns("timestamp")::VARCHAR AS ns, open, high, low, close, volume FROM bars ORDER BY 1');
const rows = result.getRowObjectsJS().map((r) => ({ ...r, ns: BigInt(r.ns) }));
const variants = [];
const emit = (file, set) => variants.push({ file, set });
const yahooColumns = { 'columns.timestamp': 'Date', 'columns.open': 'Open', 'columns.high': 'High', 'columns.low': 'Low', 'columns.close': 'Close', 'columns.volume': 'Volume' };

// DuckDB: microsecond TIMESTAMP without time zone, a pandas-style index
// column, renamed columns.
{
  const file = join(outDir, 'duckdb_timestamp_us.parquet');
  await db.run(`COPY (SELECT row_number() OVER () - 1 AS __index_level_0__, "timestamp"::TIMESTAMP AS "Date", open AS "Open",
    high AS "High", low AS "Low", close AS "Close", volume AS "Volume" FROM bars) TO ${quote(file)} (FORMAT parquet)`);
  emit(file, yahooColumns);
}
// DuckDB: epoch milliseconds in a BIGINT, zstd, many row groups.
{
  const file = join(outDir, 'duckdb_epoch_ms_zstd.parquet');
  await db.run(`COPY (SELECT epoch_ms("timestamp") AS open_time, open, high, low, close, volume FROM bars)
    TO ${quote(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`);
  emit(file, { 'columns.timestamp': 'open_time' });
}
// arrow-rs (parquet-wasm): data page v2 with dictionaries, and v1 plain gzip.
{
  const arrow = await import('apache-arrow');
  const pq = await import('parquet-wasm');
  const column = (type, values) => arrow.makeVector(arrow.makeData({ type, length: values.length, data: values }));
  const table = (timestampType, divisor) => new arrow.Table({
    timestamp: column(timestampType, BigInt64Array.from(rows, (r) => r.ns / divisor)),
    open: column(new arrow.Float64(), Float64Array.from(rows, (r) => r.open)),
    high: column(new arrow.Float64(), Float64Array.from(rows, (r) => r.high)),
    low: column(new arrow.Float64(), Float64Array.from(rows, (r) => r.low)),
    close: column(new arrow.Float64(), Float64Array.from(rows, (r) => r.close)),
    volume: column(new arrow.Float64(), Float64Array.from(rows, (r) => r.volume)),
  });
  const { Compression: C, WriterVersion: V } = pq;
  for (const [name, type, divisor, version, codec, dictionary] of [
    ['arrow_v2_dict_snappy_ms', new arrow.TimestampMillisecond('UTC'), 1000000n, V.V2, C.SNAPPY, true],
    ['arrow_v1_plain_gzip_ns', new arrow.TimestampNanosecond(), 1n, V.V1, C.GZIP, false],
  ]) {
    const properties = new pq.WriterPropertiesBuilder().setWriterVersion(version).setCompression(codec)
      .setDictionaryEnabled(dictionary).setDataPageSizeLimit(4096).setMaxRowGroupSize(1500).build();
    const ipc = arrow.tableToIPC(table(type, divisor), 'stream');
    const file = join(outDir, `${name}.parquet`);
    writeFileSync(file, pq.writeParquet(pq.Table.fromIPCStream(ipc), properties));
    emit(file, {});
  }
}
// hyparquet-writer: TIMESTAMP (milliseconds) and DOUBLE columns.
{
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData = [
    { name: 'timestamp', type: 'TIMESTAMP', data: rows.map((r) => new Date(Number(r.ns / 1000000n))), nullable: false },
    ...['open', 'high', 'low', 'close', 'volume'].map((name) => ({ name, type: 'DOUBLE', data: rows.map((r) => r[name]), nullable: false })),
  ];
  const file = join(outDir, 'hyparquet_snappy.parquet');
  writeFileSync(file, new Uint8Array(parquetWriteBuffer({ columnData, codec: 'SNAPPY', rowGroupSize: 1000, pageSize: 4096 })));
  emit(file, {});
}
// CSV: Yahoo-like ISO dates with Z, quoted header, CRLF; exchange-like epoch
// ms with semicolons; tab-separated epoch seconds.
const iso = (ns) => new Date(Number(ns / 1000000n)).toISOString().replace('.000Z', 'Z');
const numbers = (r) => [r.open, r.high, r.low, r.close, r.volume].map(String);
{
  const file = join(outDir, 'yahoo_like.csv');
  const lines = ['"Date","Open","High","Low","Close","Adj Close","Volume"'];
  for (const r of rows) { const [o, h, l, c, v] = numbers(r); lines.push([iso(r.ns), o, h, l, c, c, v].join(',')); }
  writeFileSync(file, lines.join('\r\n') + '\r\n');
  emit(file, yahooColumns);
}
{
  const file = join(outDir, 'kline_semicolon.csv');
  const lines = ['open_time;open;high;low;close;volume;close_time;trades'];
  for (const r of rows) lines.push([String(r.ns / 1000000n), ...numbers(r), String(r.ns / 1000000n + 59999n), '17'].join(';'));
  writeFileSync(file, lines.join('\n') + '\n');
  emit(file, { 'columns.timestamp': 'open_time', csv_delimiter: ';' });
}
{
  const file = join(outDir, 'epoch_seconds.tsv');
  const lines = ['timestamp\topen\thigh\tlow\tclose\tvolume'];
  for (const r of rows) lines.push([String(r.ns / 1000000000n), ...numbers(r)].join('\t'));
  writeFileSync(file, lines.join('\n') + '\n');
  emit(file, { timestamp_unit: 's' });
}
for (const v of variants) console.log(JSON.stringify(v));
