#pragma once
// Builds small Parquet files byte by byte for the reader's tests, from the
// Thrift structures directly (independent of barforge's writer), with hooks
// to corrupt the metadata or pages on the way.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gen-cpp/parquet_types.h"

namespace barforge::parquet::testing {

/// One serialised page: header plus (possibly compressed) body.
std::vector<uint8_t> SerializePage(const format::PageHeader& header, const std::vector<uint8_t>& body);

/// The header of a version 1 data page of `num_values` values, its levels
/// RLE-encoded, its body `raw_size` bytes before compression and
/// `compressed_size` after.
format::PageHeader DataPageV1Header(int64_t num_values, size_t raw_size, size_t compressed_size,
                                    format::Encoding::type encoding = format::Encoding::PLAIN);

/// Appends RLE / bit-packed `levels` as a version 1 data page stores them:
/// a 4-byte little-endian length, then the encoded levels.
void AppendPrefixedLevels(const std::vector<uint32_t>& levels, int bit_width, std::vector<uint8_t>& out);

/// An uncompressed version 1 data page holding `body`, serialised.
std::vector<uint8_t> UncompressedDataPage(const std::vector<uint8_t>& body, int64_t num_values,
                                          format::Encoding::type encoding = format::Encoding::PLAIN);

/// A column chunk ready to be placed in a file.
struct HandChunk {
  format::Type::type type = format::Type::INT64;
  std::vector<std::string> path;
  format::CompressionCodec::type codec = format::CompressionCodec::UNCOMPRESSED;
  int64_t num_values = 0;
  bool has_dictionary = false;  ///< the first page is a dictionary page
  std::vector<std::vector<uint8_t>> pages;  ///< from SerializePage
};

/// Lays out PAR1, the chunks of each row group, FileMetaData, footer length,
/// PAR1. `mutate` may corrupt the metadata before it is serialised.
std::vector<uint8_t> BuildFile(const std::vector<format::SchemaElement>& schema,
                               const std::vector<std::vector<HandChunk>>& row_groups,
                               const std::vector<int64_t>& rows_per_group,
                               const std::function<void(format::FileMetaData&)>& mutate = {});

/// Writes bytes to a file in a per-process temporary folder and returns its path.
std::filesystem::path WriteTempFile(const std::string& name, const std::vector<uint8_t>& bytes);

}  // namespace barforge::parquet::testing
