#pragma once
// What Encode() produces for one row group: per column, the bytes of its
// pages (headers included) and the metadata that describes them with
// offsets relative to the start of the chunk.

#include <cstdint>
#include <vector>

#include "barforge/parquet_writer.h"
#include "gen-cpp/parquet_types.h"

namespace barforge::parquet {

struct EncodedColumnChunk {
  /// Page buffers in file order (dictionary page first, if any); each holds
  /// a page header followed by its compressed payload.
  std::vector<std::vector<uint8_t>> pages;
  /// Metadata with data_page_offset / dictionary_page_offset relative to the
  /// chunk's first byte; Append() makes them absolute.
  format::ColumnMetaData meta;
  bool has_dictionary = false;

  int64_t byte_size() const {
    int64_t size = 0;
    for (const auto& page : pages) size += static_cast<int64_t>(page.size());
    return size;
  }
};

}  // namespace barforge::parquet

namespace barforge::parquet {

struct EncodedRowGroup::Impl {
  int64_t num_rows = 0;
  std::vector<EncodedColumnChunk> columns;
};

}  // namespace barforge::parquet
