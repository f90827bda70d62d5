#pragma once
// Reads one column chunk (dictionary page, data pages v1/v2) into a
// ColumnBuffer.

#include <cstdint>
#include <string>

#include "barforge/parquet_reader.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/reader/file_source.h"
#include "parquet/reader/schema.h"

namespace barforge::parquet::reader {

/// Where a chunk's bytes lie in the file: [begin, end).
struct ChunkRange {
  uint64_t begin = 0;
  uint64_t end = 0;
};

/// Reads the chunk `meta` of `leaf` (a row group of `row_group_rows` rows),
/// whose bytes must lie before `data_end` (the footer's start). `context`
/// prefixes every error ("file: column 'x', row group 3"). Appends nothing to
/// `valid` / `list_valid` unless there are nulls. The result is `reuse`,
/// emptied and filled: its vectors keep their memory.
ColumnBuffer ReadColumnChunkData(const FileSource& file, uint64_t data_end, const LeafColumn& leaf,
                                 const format::ColumnMetaData& meta, int64_t row_group_rows,
                                 const std::string& context, ColumnBuffer reuse);

}  // namespace barforge::parquet::reader
