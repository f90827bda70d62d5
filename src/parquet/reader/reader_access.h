#pragma once
// The raw footer of an open ParquetReader, for barforge's own tools
// (`barforge inspect`); not part of the library's API.

#include "barforge/parquet_reader.h"
#include "gen-cpp/parquet_types.h"

namespace barforge::parquet::detail {

struct ReaderAccess {
  static const format::FileMetaData& Footer(const ParquetReader& reader);
};

}  // namespace barforge::parquet::detail
