// Times DuckDB writing a table to zstd Parquet, for bench/writer_vs_duckdb.sh:
//   node bench_duckdb_write.mjs SOURCE.parquet OUT.parquet [threads=2]
// Loads SOURCE into an in-memory table first (not timed), then times only
// COPY (SELECT * FROM tbl) TO OUT (FORMAT parquet, COMPRESSION zstd).
import { DuckDBInstance } from '@duckdb/node-api';

const [source, out, threads = '2'] = process.argv.slice(2);
if (!source || !out) {
  console.error('usage: node bench_duckdb_write.mjs SOURCE.parquet OUT.parquet [threads]');
  process.exit(2);
}
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run(`SET threads = ${Number(threads)}`);
await connection.run(`CREATE TABLE tbl AS SELECT * FROM read_parquet(${quote(source)})`);
const start = process.hrtime.bigint();
await connection.run(`COPY (SELECT * FROM tbl) TO ${quote(out)} (FORMAT parquet, COMPRESSION zstd)`);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`seconds ${seconds.toFixed(3)}`);
