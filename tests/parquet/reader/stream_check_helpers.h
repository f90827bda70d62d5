#pragma once
// Checks a ColumnChunkStream against the whole-chunk read of the same chunk.

#include <cstddef>
#include <cstdint>

#include "barforge/parquet_reader.h"

namespace barforge::parquet::testing {

/// Reads row group `group` of column `column` in pieces of `piece_rows`
/// rows, each into the memory of the piece before, and checks that the
/// pieces hold exactly what ReadColumnChunk gives: values (bit for bit),
/// nulls, list offsets (from 0 in each piece) and null lists.
void ExpectStreamMatchesChunk(const ParquetReader& reader, size_t column, int group, int64_t piece_rows);

}  // namespace barforge::parquet::testing
