// Reads a Parquet file with one independent reader and prints its content as
// canonical JSON, so barforge's tests can compare values exactly:
//   node dump_parquet.mjs <duckdb|arrow|hyparquet> FILE
// Output: {"reader", "num_rows", "columns": [{"name", "type", "values"}]}
// where int64 and timestamp values are decimal strings (timestamps in
// nanoseconds since the epoch), dates are days since the epoch, floats are
// JSON numbers or "NaN" / "Infinity" / "-Infinity" / "-0", lists are arrays
// and nulls are null. Column types are each reader's own names (hyparquet:
// the footer's physical, converted and logical types); the arrow reader also
// gives each column's field "metadata" when it has some, and "arrow_schema",
// the footer's ARROW:schema entry decoded on its own.
import { readFileSync } from 'node:fs';

function canonical(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    if (Object.is(value, -0)) return '-0';  // JSON.stringify would print 0
    return value;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value, canonical);
  if (typeof value[Symbol.iterator] === 'function') return Array.from(value, canonical);
  throw new Error(`cannot canonicalise ${typeof value}: ${value}`);
}

async function dumpDuckdb(file) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const source = `read_parquet('${file.replaceAll("'", "''")}')`;
  const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS();
  const select = described.map(({ column_name: name, column_type: type }) => {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    if (type.startsWith('TIMESTAMP')) return `epoch_ns(${quoted})::VARCHAR AS ${quoted}`;
    if (type === 'DATE') return `(${quoted} - DATE '1970-01-01')::INTEGER AS ${quoted}`;
    return quoted;
  });
  const result = await connection.runAndReadAll(`SELECT ${select.join(', ')} FROM ${source}`);
  // getColumnsJS() has no entries at all for a result without rows.
  const columns = result.getColumnsJS();
  return {
    num_rows: result.currentRowCount,
    columns: described.map((d, i) => ({ name: d.column_name, type: d.column_type, values: (columns[i] ?? []).map(canonical) })),
  };
}

const kNanosPerUnit = { SECOND: 1000000000n, MILLISECOND: 1000000n, MICROSECOND: 1000n, NANOSECOND: 1n };

async function dumpArrow(file) {
  const parquet = await import('parquet-wasm');
  const arrow = await import('apache-arrow');
  const wasmTable = parquet.readParquet(new Uint8Array(readFileSync(file)));
  const table = arrow.tableFromIPC(wasmTable.intoIPCStream());
  const columns = table.schema.fields.map((field, i) => {
    const vector = table.getChildAt(i);
    const values = [];
    for (let row = 0; row < vector.length; ++row) values.push(arrowValue(arrow, field.type, vector, row));
    const column = { name: field.name, type: String(field.type), values };
    if (field.metadata.size > 0) column.metadata = Object.fromEntries(field.metadata);  // arrow-rs keeps ARROW:schema's
    return column;
  });
  return { num_rows: table.numRows, columns, arrow_schema: await footerArrowSchema(arrow, file) };
}

// The fields of the footer's "ARROW:schema" entry (a base64 Arrow IPC schema
// message), decoded by apache-arrow on its own, as [{name, type}]; null when
// the file has none.
async function footerArrowSchema(arrow, file) {
  const { parquetMetadata } = await import('hyparquet');
  const bytes = readFileSync(file);
  const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const entry = (metadata.key_value_metadata ?? []).find((kv) => kv.key === 'ARROW:schema');
  if (!entry) return null;
  // The message then an end-of-stream marker is an IPC stream without batches.
  const message = Buffer.from(entry.value, 'base64');
  const stream = Buffer.concat([message, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]);
  const table = arrow.tableFromIPC(stream);
  return table.schema.fields.map((field) => ({ name: field.name, type: String(field.type), nullable: field.nullable }));
}

function arrowValue(arrow, type, vector, row) {
  if (!vector.isValid(row)) return null;
  if (type.typeId === arrow.Type.Timestamp) {
    // Read the raw int64 instead of get(), which rounds to milliseconds.
    let offset = row;
    for (const data of vector.data) {
      if (offset < data.length) {
        const raw = BigInt(data.values[data.offset + offset]);
        return (raw * kNanosPerUnit[arrow.TimeUnit[type.unit]]).toString();
      }
      offset -= data.length;
    }
  }
  if (type.typeId === arrow.Type.Date) {
    return Math.round(vector.get(row) instanceof Date ? vector.get(row).getTime() / 86400000 : Number(vector.get(row)) / 86400000);
  }
  const value = vector.get(row);
  // A list element is a Vector: iterate it (toArray() would ignore the
  // validity bitmap and print whatever bytes sit in null slots).
  if (value && typeof value.toArray === 'function') return Array.from(value, canonical);
  return canonical(value);
}

async function dumpHyparquet(file) {
  const { parquetReadObjects, parquetMetadata, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const bytes = readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const metadata = parquetMetadata(buffer);
  const parsers = {
    timestampFromMilliseconds: (v) => (BigInt(v) * 1000000n).toString(),
    timestampFromMicroseconds: (v) => (BigInt(v) * 1000n).toString(),
    timestampFromNanoseconds: (v) => BigInt(v).toString(),
    dateFromDays: (v) => Number(v),
  };
  const rows = await parquetReadObjects({ file: buffer, compressors, parsers, utf8: true });
  const fields = parquetSchema(metadata).children.map((c) => c.element);
  return {
    num_rows: Number(metadata.num_rows),
    columns: fields.map((element) => ({
      name: element.name, type: hyparquetType(element), values: rows.map((r) => canonical(r[element.name])),
    })),
  };
}

// A top-level field's type as hyparquet parsed it from the footer: physical
// type, converted type, logical type, e.g. "INT32 INT_8 INTEGER(8, signed)";
// groups (lists) are "group".
function hyparquetType(element) {
  const parts = [element.type ?? 'group'];
  if (element.converted_type) parts.push(element.converted_type);
  const logical = element.logical_type;
  if (logical?.type === 'INTEGER') parts.push(`INTEGER(${logical.bitWidth}, ${logical.isSigned ? 'signed' : 'unsigned'})`);
  else if (logical?.type) parts.push(logical.type);
  return parts.join(' ');
}

const [reader, file] = process.argv.slice(2);
const readers = { duckdb: dumpDuckdb, arrow: dumpArrow, hyparquet: dumpHyparquet };
if (!readers[reader] || !file) {
  console.error('usage: node dump_parquet.mjs <duckdb|arrow|hyparquet> FILE');
  process.exit(2);
}
try {
  const dump = await readers[reader](file);
  process.stdout.write(JSON.stringify({ reader, ...dump }) + '\n');
} catch (error) {
  console.error(`${reader}: ${error.message ?? error}`);
  process.exit(1);
}
