#include "parquet/writer/column_chunk_encoder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/rle.h"
#include "parquet/thrift_io.h"
#include "parquet/writer/schema_builder.h"

namespace barforge::parquet {

namespace {

// Longest string min/max written to statistics; longer ones are left out
// rather than truncated (truncation would need is_*_value_exact handling).
constexpr size_t kMaxStringStatistic = 256;
// Never more rows than this in one page, whatever the value width.
constexpr int64_t kMaxRowsPerPage = 1 << 20;

template <class T>
std::span<const T> Expect(const ColumnSpec& column, const ColumnValues& values, const char* type) {
  const auto* span = std::get_if<std::span<const T>>(&values);
  if (span == nullptr) {
    throw ParquetUsageError(fmt::format("parquet writer: column '{}' expects {} values", column.name, type));
  }
  return *span;
}

void ExpectCount(const ColumnSpec& column, size_t got, int64_t want) {
  if (static_cast<int64_t>(got) != want) {
    throw ParquetUsageError(
        fmt::format("parquet writer: column '{}' has {} values, expected {}", column.name, got, want));
  }
}

// Float values are a span or FloatPages; only a span's length can be checked.
void ExpectFloats(const ColumnSpec& column, const ColumnValues& values, int64_t want) {
  if (const auto* pages = std::get_if<FloatPages>(&values)) {
    if (pages->fill == nullptr) {
      throw ParquetUsageError(fmt::format("parquet writer: column '{}' has an empty FloatPages", column.name));
    }
    return;
  }
  ExpectCount(column, Expect<float>(column, values, "float").size(), want);
}

template <class T>
void AppendLittleEndian(std::vector<uint8_t>& out, T value) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &value, sizeof(T));
}

template <class T>
std::string StatisticBytes(T value) {
  std::string bytes(sizeof(T), '\0');
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

// Adds page `page`'s min/max of `values` (NaN noted, never compared).
template <class T>
void AccumulateReal(std::span<const T> values, EncodedPage& page) {
  T lo = std::numeric_limits<T>::infinity();
  T hi = -std::numeric_limits<T>::infinity();
  bool nan = false;
  for (const T v : values) {
    // std::min/max keep the first argument when v is NaN.
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    nan |= v != v;
  }
  page.has_nan = nan;
  page.has_value = !values.empty();
  page.real_min = lo;
  page.real_max = hi;
}

// Appends narrow integers as the INT32 values Parquet stores for INT(8) and
// INT(16), noting the page's min/max.
template <class T>
void AppendWidened(std::span<const T> values, std::vector<uint8_t>& payload, EncodedPage& page) {
  const size_t at = payload.size();
  payload.resize(at + 4 * values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const auto widened = static_cast<int32_t>(values[i]);
    std::memcpy(payload.data() + at + 4 * i, &widened, 4);
  }
  if (values.empty()) return;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  page.has_value = true;
  page.int_min = *lo;
  page.int_max = *hi;
}

}  // namespace

ColumnChunkEncoder::ColumnChunkEncoder(const ColumnSpec& column, const ColumnValues& values, int64_t num_rows,
                                       const WriterOptions& options)
    : column_(column), values_(values), options_(options), num_rows_(num_rows) {
  switch (column.type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      ExpectCount(column, Expect<int64_t>(column, values, "int64").size(), num_rows);
      PlanFixedWidthPages(8);
      break;
    case ColumnType::kInt8:
      ExpectCount(column, Expect<int8_t>(column, values, "int8").size(), num_rows);
      PlanFixedWidthPages(4);  // stored as INT32
      break;
    case ColumnType::kInt16:
      ExpectCount(column, Expect<int16_t>(column, values, "int16").size(), num_rows);
      PlanFixedWidthPages(4);  // stored as INT32
      break;
    case ColumnType::kFloat:
      ExpectFloats(column, values, num_rows);
      PlanFixedWidthPages(4);
      break;
    case ColumnType::kDouble:
      ExpectCount(column, Expect<double>(column, values, "double").size(), num_rows);
      PlanFixedWidthPages(8);
      break;
    case ColumnType::kFloatList:
      values_per_row_ = column.list_size;
      ExpectFloats(column, values, num_rows * column.list_size);
      PlanFixedWidthPages(4 * static_cast<int64_t>(column.list_size));
      break;
    case ColumnType::kString:
      PlanStrings();
      break;
  }
}

void ColumnChunkEncoder::PlanFixedWidthPages(int64_t bytes_per_row) {
  const int64_t rows_per_page =
      std::clamp<int64_t>(options_.page_size_bytes / std::max<int64_t>(bytes_per_row, 1), 1, kMaxRowsPerPage);
  for (int64_t row = 0; row < num_rows_; row += rows_per_page) page_first_row_.push_back(row);
  page_first_row_.push_back(num_rows_);
  if (num_rows_ == 0) page_first_row_ = {0, 0};  // one empty page keeps every chunk well-formed
}

std::string_view ColumnChunkEncoder::StringAt(int64_t row) const {
  if (const auto* views = std::get_if<std::span<const std::string_view>>(&values_)) {
    return (*views)[static_cast<size_t>(row)];
  }
  const auto& dict = std::get<DictionaryStrings>(values_);
  return dict.dictionary[static_cast<size_t>(dict.indices[static_cast<size_t>(row)])];
}

void ColumnChunkEncoder::PlanStrings() {
  const auto rows = static_cast<size_t>(num_rows_);
  int64_t plain_bytes = 0;
  if (const auto* dict = std::get_if<DictionaryStrings>(&values_)) {
    ExpectCount(column_, dict->indices.size(), num_rows_);
    // Renumber the entries actually used, in order of first use, so the
    // dictionary page holds no unused entries.
    std::vector<int64_t> renumbered(dict->dictionary.size(), -1);
    dictionary_index_.resize(rows);
    for (size_t r = 0; r < rows; ++r) {
      const int32_t index = dict->indices[r];
      if (index < 0 || static_cast<size_t>(index) >= dict->dictionary.size()) {
        throw ParquetUsageError(fmt::format(
            "parquet writer: column '{}', row {}: dictionary index {} is out of range", column_.name, r, index));
      }
      int64_t& slot = renumbered[static_cast<size_t>(index)];
      if (slot < 0) {
        slot = static_cast<int64_t>(dictionary_.size());
        dictionary_.push_back(dict->dictionary[static_cast<size_t>(index)]);
      }
      dictionary_index_[r] = static_cast<uint32_t>(slot);
      plain_bytes += 4 + static_cast<int64_t>(dict->dictionary[static_cast<size_t>(index)].size());
    }
  } else {
    const auto views = Expect<std::string_view>(column_, values_, "string");
    ExpectCount(column_, views.size(), num_rows_);
    std::unordered_map<std::string_view, uint32_t> lookup;
    dictionary_index_.resize(rows);
    for (size_t r = 0; r < rows; ++r) {
      plain_bytes += 4 + static_cast<int64_t>(views[r].size());
      if (dictionary_index_.empty()) continue;
      const auto [it, inserted] = lookup.emplace(views[r], static_cast<uint32_t>(dictionary_.size()));
      if (inserted) dictionary_.push_back(views[r]);
      dictionary_index_[r] = it->second;
      // Mostly distinct values: a dictionary cannot win, stop building it.
      if (dictionary_.size() > rows / 2 + 16) {
        dictionary_.clear();
        dictionary_index_.clear();
      }
    }
  }
  if (!dictionary_index_.empty() || num_rows_ == 0) {
    dictionary_bit_width_ = BitWidth(dictionary_.empty() ? 0 : dictionary_.size() - 1);
    int64_t dictionary_bytes = num_rows_ * dictionary_bit_width_ / 8 + 16;
    for (std::string_view entry : dictionary_) dictionary_bytes += 4 + static_cast<int64_t>(entry.size());
    use_dictionary_ = num_rows_ > 0 && dictionary_bytes < plain_bytes;
  }
  if (!use_dictionary_) {
    dictionary_.clear();
    dictionary_index_.clear();
  }

  // Statistics: byte-wise (unsigned) order, as Parquet defines for UTF8.
  // With a dictionary every entry is used, so its entries suffice.
  auto see = [this](std::string_view s) {
    if (!has_string_stats_ || s < string_min_) string_min_ = s;
    if (!has_string_stats_ || s > string_max_) string_max_ = s;
    has_string_stats_ = true;
  };
  if (use_dictionary_) {
    for (std::string_view s : dictionary_) see(s);
  } else {
    for (int64_t r = 0; r < num_rows_; ++r) see(StringAt(r));
  }

  if (use_dictionary_) {
    const int64_t rows_per_page = std::clamp<int64_t>(
        options_.page_size_bytes * 8 / std::max(dictionary_bit_width_, 1), 1, kMaxRowsPerPage);
    for (int64_t row = 0; row < num_rows_; row += rows_per_page) page_first_row_.push_back(row);
  } else {
    int64_t bytes = 0;
    for (int64_t row = 0; row < num_rows_; ++row) {
      if (row == 0 || bytes >= options_.page_size_bytes) {
        page_first_row_.push_back(row);
        bytes = 0;
      }
      bytes += 4 + static_cast<int64_t>(StringAt(row).size());
    }
  }
  if (page_first_row_.empty()) page_first_row_.push_back(0);
  page_first_row_.push_back(num_rows_);
}

EncodedPage ColumnChunkEncoder::EncodePage(size_t page, PageCompressor& compressor) const {
  if (use_dictionary_) {
    if (page == 0) return EncodeDictionaryPage(compressor);
    return EncodeDataPage(page - 1, compressor);
  }
  return EncodeDataPage(page, compressor);
}

namespace {

// Header + compressed payload as one buffer.
EncodedPage FinishPage(const format::PageHeader& header, std::span<const uint8_t> compressed,
                       size_t uncompressed_payload, EncodedPage page) {
  page.bytes.clear();
  page.bytes.reserve(compressed.size() + 64);  // a page header is a few dozen bytes
  AppendThrift(header, page.bytes);
  const size_t header_size = page.bytes.size();
  page.bytes.insert(page.bytes.end(), compressed.begin(), compressed.end());
  page.compressed_size = static_cast<int64_t>(page.bytes.size());
  page.uncompressed_size = static_cast<int64_t>(header_size + uncompressed_payload);
  return page;
}

int32_t CheckedPageSize(size_t size) {
  if (size > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw ParquetUsageError("parquet writer: a page exceeds 2 GiB; lower page_size_bytes");
  }
  return static_cast<int32_t>(size);
}

// Compresses `payload` into this thread's buffer, which only ever grows (so
// it is never cleared or zero-filled again), and returns a view of the
// compressed bytes; `header` gets `type` and both sizes.
std::span<const uint8_t> CompressPage(format::PageType::type type, std::span<const uint8_t> payload,
                                      PageCompressor& compressor, format::PageHeader& header) {
  thread_local std::vector<uint8_t> compressed;
  const size_t bound = compressor.MaxCompressedSize(payload.size());
  if (compressed.size() < bound) compressed.resize(bound);
  const size_t size = compressor.CompressInto(payload, compressed);
  header.__set_type(type);
  header.__set_uncompressed_page_size(CheckedPageSize(payload.size()));
  header.__set_compressed_page_size(CheckedPageSize(size));
  return std::span<const uint8_t>(compressed).first(size);
}

}  // namespace

format::Encoding::type ColumnChunkEncoder::ValueEncoding() const {
  if (use_dictionary_) return format::Encoding::RLE_DICTIONARY;
  if (options_.float_encoding == FloatEncoding::kByteStreamSplit &&
      (column_.type == ColumnType::kFloat || column_.type == ColumnType::kFloatList)) {
    return format::Encoding::BYTE_STREAM_SPLIT;
  }
  return format::Encoding::PLAIN;
}

EncodedPage ColumnChunkEncoder::EncodeDictionaryPage(PageCompressor& compressor) const {
  thread_local std::vector<uint8_t> payload;
  payload.clear();
  for (std::string_view entry : dictionary_) {
    AppendLittleEndian(payload, static_cast<uint32_t>(entry.size()));
    payload.insert(payload.end(), entry.begin(), entry.end());
  }
  format::PageHeader header;
  const std::span<const uint8_t> compressed =
      CompressPage(format::PageType::DICTIONARY_PAGE, payload, compressor, header);
  format::DictionaryPageHeader dictionary;
  dictionary.__set_num_values(static_cast<int32_t>(dictionary_.size()));
  dictionary.__set_encoding(format::Encoding::PLAIN);
  header.__set_dictionary_page_header(dictionary);
  return FinishPage(header, compressed, payload.size(), EncodedPage{});
}

void ColumnChunkEncoder::AppendValues(int64_t first_row, int64_t rows, std::vector<uint8_t>& payload,
                                      EncodedPage& page) const {
  const auto first = static_cast<size_t>(first_row * values_per_row_);
  const auto count = static_cast<size_t>(rows * values_per_row_);
  auto append_bytes = [&payload](const void* data, size_t size) {
    const size_t at = payload.size();
    payload.resize(at + size);
    if (size > 0) std::memcpy(payload.data() + at, data, size);
  };
  switch (column_.type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: {
      const auto values = std::get<std::span<const int64_t>>(values_).subspan(first, count);
      append_bytes(values.data(), values.size_bytes());
      if (!values.empty()) {
        const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
        page.has_value = true;
        page.int_min = *lo;
        page.int_max = *hi;
      }
      break;
    }
    case ColumnType::kInt8:
      AppendWidened(std::get<std::span<const int8_t>>(values_).subspan(first, count), payload, page);
      break;
    case ColumnType::kInt16:
      AppendWidened(std::get<std::span<const int16_t>>(values_).subspan(first, count), payload, page);
      break;
    case ColumnType::kDouble: {
      const auto values = std::get<std::span<const double>>(values_).subspan(first, count);
      append_bytes(values.data(), values.size_bytes());
      AccumulateReal(values, page);
      break;
    }
    case ColumnType::kFloat:
    case ColumnType::kFloatList:
      throw std::logic_error("float pages are assembled by FloatPayload");
    case ColumnType::kString: {
      if (use_dictionary_) {
        payload.push_back(static_cast<uint8_t>(dictionary_bit_width_));
        AppendRleBitPacked(std::span<const uint32_t>(dictionary_index_).subspan(first, count), dictionary_bit_width_,
                           payload);
      } else {
        for (int64_t r = first_row; r < first_row + rows; ++r) {
          const std::string_view s = StringAt(r);
          AppendLittleEndian(payload, static_cast<uint32_t>(s.size()));
          append_bytes(s.data(), s.size());
        }
      }
      break;
    }
  }
}

std::span<const uint8_t> ColumnChunkEncoder::FloatPayload(int64_t first_row, int64_t rows,
                                                          std::span<const uint8_t> prefix, EncodedPage& page) const {
  const auto first = static_cast<size_t>(first_row * values_per_row_);
  const auto count = static_cast<size_t>(rows * values_per_row_);
  // The payload is built in a buffer of floats that only ever grows: the
  // prefix's bytes end where a float starts, so the values are computed or
  // copied straight into place, aligned, and nothing is zero-filled.
  thread_local std::vector<float> buffer;
  const size_t prefix_floats = (prefix.size() + sizeof(float) - 1) / sizeof(float);
  const size_t lead = prefix_floats * sizeof(float) - prefix.size();
  if (buffer.size() < prefix_floats + count) buffer.resize(prefix_floats + count);
  const std::span<float> out(buffer.data() + prefix_floats, count);
  auto* bytes = reinterpret_cast<uint8_t*>(buffer.data());
  if (!prefix.empty()) std::memcpy(bytes + lead, prefix.data(), prefix.size());

  const bool split = options_.float_encoding == FloatEncoding::kByteStreamSplit;
  std::span<const float> values;
  if (const auto* pages = std::get_if<FloatPages>(&values_)) {
    thread_local std::vector<float> computed;  // only for the split form, which rearranges the bytes
    if (split && computed.size() < count) computed.resize(count);
    const std::span<float> target = split ? std::span<float>(computed).first(count) : out;
    const auto fill_start = std::chrono::steady_clock::now();
    pages->fill(pages->source, first_row, rows, target);
    page.fill_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();
    values = target;
  } else {
    values = std::get<std::span<const float>>(values_).subspan(first, count);
    if (!split && count > 0) std::memcpy(out.data(), values.data(), values.size_bytes());
  }
  if (split) {
    // Byte k of every value goes to stream k: exponent bytes line up,
    // which compresses better.
    const auto* src = reinterpret_cast<const uint8_t*>(values.data());
    uint8_t* dst = bytes + prefix_floats * sizeof(float);
    for (size_t i = 0; i < count; ++i) {
      for (size_t b = 0; b < 4; ++b) dst[b * count + i] = src[4 * i + b];
    }
  }
  AccumulateReal(values, page);
  return std::span<const uint8_t>(bytes + lead, prefix.size() + count * sizeof(float));
}

EncodedPage ColumnChunkEncoder::EncodeDataPage(size_t data_page, PageCompressor& compressor) const {
  thread_local std::vector<uint8_t> payload;
  payload.clear();
  const int64_t first_row = page_first_row_[data_page];
  const int64_t rows = page_first_row_[data_page + 1] - first_row;
  const int64_t num_values = rows * values_per_row_;
  EncodedPage page;

  if (column_.type == ColumnType::kFloatList) {
    // v1 page: [length + repetition levels][length + definition levels].
    // Each row's repetition levels are 0 then K-1 ones; every definition
    // level is 1 (required list, required element).
    const size_t rep_at = payload.size();
    payload.resize(rep_at + 4);
    const int64_t k = values_per_row_;
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
  std::span<const uint8_t> body;
  if (column_.type == ColumnType::kFloat || column_.type == ColumnType::kFloatList) {
    body = FloatPayload(first_row, rows, payload, page);
  } else {
    AppendValues(first_row, rows, payload, page);
    body = payload;
  }

  format::PageHeader header;
  const std::span<const uint8_t> compressed = CompressPage(format::PageType::DATA_PAGE, body, compressor, header);
  format::DataPageHeader data;
  data.__set_num_values(static_cast<int32_t>(num_values));
  data.__set_encoding(ValueEncoding());
  data.__set_definition_level_encoding(format::Encoding::RLE);
  data.__set_repetition_level_encoding(format::Encoding::RLE);
  header.__set_data_page_header(data);
  return FinishPage(header, compressed, body.size(), std::move(page));
}

EncodedColumnChunk ColumnChunkEncoder::Finish(std::vector<EncodedPage> pages) const {
  EncodedColumnChunk chunk;
  chunk.has_dictionary = use_dictionary_;
  format::ColumnMetaData& meta = chunk.meta;
  meta.__set_type(PhysicalTypeOf(column_.type));
  meta.__set_path_in_schema(LeafPath(column_));
  meta.__set_codec(static_cast<format::CompressionCodec::type>(options_.codec));
  meta.__set_num_values(num_rows_ * values_per_row_);

  // The dictionary page itself is PLAIN.
  std::vector<format::Encoding::type> encodings;
  if (use_dictionary_) encodings.push_back(format::Encoding::PLAIN);
  encodings.push_back(ValueEncoding());
  if (column_.type == ColumnType::kFloatList) encodings.push_back(format::Encoding::RLE);
  meta.__set_encodings(encodings);

  int64_t uncompressed = 0, compressed = 0;
  bool any = false, nan = false;
  int64_t int_min = 0, int_max = 0;
  double real_min = 0, real_max = 0;
  for (size_t p = 0; p < pages.size(); ++p) {
    uncompressed += pages[p].uncompressed_size;
    compressed += pages[p].compressed_size;
    const EncodedPage& page = pages[p];
    nan |= page.has_nan;
    if (!page.has_value) continue;
    int_min = any ? std::min(int_min, page.int_min) : page.int_min;
    int_max = any ? std::max(int_max, page.int_max) : page.int_max;
    real_min = any ? std::min(real_min, page.real_min) : page.real_min;
    real_max = any ? std::max(real_max, page.real_max) : page.real_max;
    any = true;
  }
  meta.__set_total_uncompressed_size(uncompressed);
  meta.__set_total_compressed_size(compressed);
  if (use_dictionary_) {
    meta.__set_dictionary_page_offset(0);
    meta.__set_data_page_offset(pages.front().compressed_size);
  } else {
    meta.__set_data_page_offset(0);
  }

  if (options_.write_statistics) {
    format::Statistics stats;
    stats.__set_null_count(0);
    std::string lo, hi;
    bool legacy = true;
    bool have = false;
    switch (column_.type) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp:
        if (any) {
          lo = StatisticBytes(int_min);
          hi = StatisticBytes(int_max);
          have = true;
        }
        break;
      case ColumnType::kInt8:
      case ColumnType::kInt16:
        if (any) {  // INT32 statistics
          lo = StatisticBytes(static_cast<int32_t>(int_min));
          hi = StatisticBytes(static_cast<int32_t>(int_max));
          have = true;
        }
        break;
      case ColumnType::kFloat:
      case ColumnType::kFloatList:
      case ColumnType::kDouble:
        if (any && !nan && real_min <= real_max) {
          // A zero extreme is written as -0.0 (min) and +0.0 (max).
          if (real_min == 0) real_min = -0.0;
          if (real_max == 0) real_max = 0.0;
          if (column_.type == ColumnType::kDouble) {
            lo = StatisticBytes(real_min);
            hi = StatisticBytes(real_max);
          } else {
            lo = StatisticBytes(static_cast<float>(real_min));
            hi = StatisticBytes(static_cast<float>(real_max));
          }
          have = true;
        }
        break;
      case ColumnType::kString:
        legacy = false;  // legacy min/max used signed byte order
        if (has_string_stats_ && string_min_.size() <= kMaxStringStatistic &&
            string_max_.size() <= kMaxStringStatistic) {
          lo = string_min_;
          hi = string_max_;
          have = true;
        }
        break;
    }
    if (have) {
      stats.__set_min_value(lo);
      stats.__set_max_value(hi);
      if (legacy) {
        stats.__set_min(lo);
        stats.__set_max(hi);
      }
    }
    meta.__set_statistics(stats);
  }
  chunk.pages.reserve(pages.size());
  for (EncodedPage& page : pages) chunk.pages.push_back(std::move(page.bytes));
  return chunk;
}

}  // namespace barforge::parquet
