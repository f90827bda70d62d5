#pragma once
// What a ColumnChunkStream holds: the chunk's decoder and the rows decoded
// but not yet handed out.

#include <cstdint>
#include <exception>
#include <cstddef>
#include <string>

#include "barforge/parquet_reader.h"
#include "parquet/reader/column_chunk_reader.h"

namespace barforge::parquet {

struct ColumnChunkStream::State {
  State(const reader::FileSource& file, uint64_t data_end, const reader::LeafColumn& leaf,
        const format::ColumnMetaData& meta, int64_t rows, std::string context)
      : rows_total(rows), decoder(file, data_end, leaf, meta, rows, std::move(context), pending) {}

  int64_t rows_total;
  int64_t rows_read = 0;
  ColumnBuffer pending;  // before decoder, which appends to it
  // The rows at the front of pending already handed out, and their slots.
  int64_t front_rows = 0;
  size_t front_slots = 0;
  // The first error: a stream that failed fails again rather than go on
  // from a page it did not finish.
  std::exception_ptr error;
  reader::ColumnChunkDecoder decoder;
};

}  // namespace barforge::parquet
