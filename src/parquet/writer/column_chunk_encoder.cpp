#include "parquet/writer/column_chunk_encoder.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/rle.h"
#include "parquet/writer/schema_builder.h"

namespace barforge::parquet {

template <class T>
std::span<const T> ExpectValues(const ColumnSpec& column, const ColumnValues& values, const char* type) {
  const auto* span = std::get_if<std::span<const T>>(&values);
  if (span == nullptr) {
    throw ParquetUsageError(fmt::format("parquet writer: column '{}' expects {} values", column.name, type));
  }
  return *span;
}

template std::span<const int64_t> ExpectValues<int64_t>(const ColumnSpec&, const ColumnValues&, const char*);
template std::span<const int8_t> ExpectValues<int8_t>(const ColumnSpec&, const ColumnValues&, const char*);
template std::span<const int16_t> ExpectValues<int16_t>(const ColumnSpec&, const ColumnValues&, const char*);
template std::span<const int32_t> ExpectValues<int32_t>(const ColumnSpec&, const ColumnValues&, const char*);
template std::span<const uint8_t> ExpectValues<uint8_t>(const ColumnSpec&, const ColumnValues&, const char*);
template std::span<const float> ExpectValues<float>(const ColumnSpec&, const ColumnValues&, const char*);
template std::span<const double> ExpectValues<double>(const ColumnSpec&, const ColumnValues&, const char*);
template std::span<const std::string_view> ExpectValues<std::string_view>(const ColumnSpec&, const ColumnValues&,
                                                                          const char*);

void ExpectCount(const ColumnSpec& column, size_t got, int64_t want) {
  if (static_cast<int64_t>(got) != want) {
    throw ParquetUsageError(
        fmt::format("parquet writer: column '{}' has {} values, expected {}", column.name, got, want));
  }
}

std::unique_ptr<ColumnChunkEncoder> ColumnChunkEncoder::Make(const ColumnSpec& column, const ColumnValues& values,
                                                             int64_t num_rows, const WriterOptions& options) {
  switch (column.type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
    case ColumnType::kInt8:
    case ColumnType::kInt16:
    case ColumnType::kInt32:
    case ColumnType::kDouble:
    case ColumnType::kInt8List:
    case ColumnType::kInt16List:
    case ColumnType::kInt64List: return MakeFixedWidthEncoder(column, values, num_rows, options);
    case ColumnType::kFloat:
    case ColumnType::kFloatList: return MakeFloatEncoder(column, values, num_rows, options);
    case ColumnType::kBool:
    case ColumnType::kBoolList: return MakeBoolEncoder(column, values, num_rows, options);
    case ColumnType::kString: return MakeStringEncoder(column, values, num_rows, options);
  }
  throw std::logic_error("unknown column type");
}

ColumnChunkEncoder::ColumnChunkEncoder(const ColumnSpec& column, int64_t num_rows, int64_t values_per_row,
                                       const WriterOptions& options)
    : column_(column), options_(options), num_rows_(num_rows), values_per_row_(values_per_row) {}

void ColumnChunkEncoder::PlanFixedWidthPages(int64_t bytes_per_row) {
  const int64_t rows_per_page =
      std::clamp<int64_t>(options_.page_size_bytes / std::max<int64_t>(bytes_per_row, 1), 1, kMaxRowsPerPage);
  for (int64_t row = 0; row < num_rows_; row += rows_per_page) page_first_row_.push_back(row);
  page_first_row_.push_back(num_rows_);
  if (num_rows_ == 0) page_first_row_ = {0, 0};  // one empty page keeps every chunk well-formed
}

// v1 page: [length + repetition levels][length + definition levels].
// Each row's repetition levels are 0 then K-1 ones; every definition
// level is 1 (required list, required element).
void ColumnChunkEncoder::AppendListLevels(int64_t rows, std::vector<uint8_t>& payload) const {
  const int64_t k = values_per_row_;
  const int64_t num_values = rows * k;
  const size_t rep_at = payload.size();
  payload.resize(rep_at + 4);
  if (k <= 8) {
    std::vector<uint32_t> levels(static_cast<size_t>(num_values), 1);
    for (int64_t r = 0; r < rows; ++r) levels[static_cast<size_t>(r * k)] = 0;
    AppendRleBitPacked(levels, 1, payload);
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      AppendRleRun(payload, 1, 0, 1);
      AppendRleRun(payload, static_cast<uint64_t>(k - 1), 1, 1);
    }
  }
  const auto rep_size = static_cast<uint32_t>(payload.size() - rep_at - 4);
  std::memcpy(payload.data() + rep_at, &rep_size, 4);
  const size_t def_at = payload.size();
  payload.resize(def_at + 4);
  if (num_values > 0) AppendRleRun(payload, static_cast<uint64_t>(num_values), 1, 1);
  const auto def_size = static_cast<uint32_t>(payload.size() - def_at - 4);
  std::memcpy(payload.data() + def_at, &def_size, 4);
}

std::vector<uint8_t>& ColumnChunkEncoder::PayloadBuffer() {
  thread_local std::vector<uint8_t> payload;
  payload.clear();
  return payload;
}

EncodedPage ColumnChunkEncoder::EncodePage(size_t page, PageCompressor& compressor) const {
  if (has_dictionary()) {
    if (page == 0) return EncodeDictionaryPage(compressor);
    return EncodeDataPage(page - 1, compressor);
  }
  return EncodeDataPage(page, compressor);
}

EncodedPage ColumnChunkEncoder::EncodeDictionaryPage(PageCompressor&) const {
  throw std::logic_error("this column kind has no dictionary page");
}

format::Statistics ColumnChunkEncoder::Statistics(const ValueRange& values) const {
  return NumberStatistics(column_.type, values);
}

EncodedPage ColumnChunkEncoder::EncodeDataPage(size_t data_page, PageCompressor& compressor) const {
  const int64_t first_row = page_first_row_[data_page];
  const int64_t rows = page_first_row_[data_page + 1] - first_row;
  EncodedPage page;
  const std::span<const uint8_t> payload = DataPagePayload(first_row, rows, page);

  format::PageHeader header;
  const std::span<const uint8_t> compressed = CompressPage(format::PageType::DATA_PAGE, payload, compressor, options_.page_checksums, header);
  format::DataPageHeader data;
  data.__set_num_values(static_cast<int32_t>(rows * values_per_row_));
  data.__set_encoding(ValueEncoding());
  data.__set_definition_level_encoding(format::Encoding::RLE);
  data.__set_repetition_level_encoding(format::Encoding::RLE);
  header.__set_data_page_header(data);
  return FinishPage(header, compressed, payload.size(), std::move(page));
}

EncodedColumnChunk ColumnChunkEncoder::Finish(std::vector<EncodedPage> pages) const {
  EncodedColumnChunk chunk;
  chunk.has_dictionary = has_dictionary();
  format::ColumnMetaData& meta = chunk.meta;
  meta.__set_type(PhysicalTypeOf(column_.type));
  meta.__set_path_in_schema(LeafPath(column_));
  meta.__set_codec(static_cast<format::CompressionCodec::type>(options_.codec));
  meta.__set_num_values(num_rows_ * values_per_row_);
  meta.__set_encodings(Encodings());

  int64_t uncompressed = 0, compressed = 0;
  ValueRange values;
  for (const EncodedPage& page : pages) {
    uncompressed += page.uncompressed_size;
    compressed += page.compressed_size;
    values.Merge(page.values);
  }
  meta.__set_total_uncompressed_size(uncompressed);
  meta.__set_total_compressed_size(compressed);
  if (has_dictionary()) {
    meta.__set_dictionary_page_offset(0);
    meta.__set_data_page_offset(pages.front().compressed_size);
  } else {
    meta.__set_data_page_offset(0);
  }
  if (options_.write_statistics) meta.__set_statistics(Statistics(values));
  chunk.pages.reserve(pages.size());
  for (EncodedPage& page : pages) chunk.pages.push_back(std::move(page.bytes));
  return chunk;
}

}  // namespace barforge::parquet
