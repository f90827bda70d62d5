// Float columns and fixed-size lists of floats: values given as a span or
// computed page by page (FloatPages), PLAIN or BYTE_STREAM_SPLIT; a list
// page starts with its repetition and definition levels.

#include <chrono>
#include <cstring>
#include <memory>
#include <span>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/writer/column_chunk_encoder.h"

namespace barforge::parquet {

namespace {

// Float values are a span or FloatPages; only a span's length can be checked.
void ExpectFloats(const ColumnSpec& column, const ColumnValues& values, int64_t want) {
  if (const auto* pages = std::get_if<FloatPages>(&values)) {
    if (pages->fill == nullptr) {
      throw ParquetUsageError(fmt::format("parquet writer: column '{}' has an empty FloatPages", column.name));
    }
    return;
  }
  ExpectCount(column, ExpectValues<float>(column, values, "float").size(), want);
}

class FloatEncoder final : public ColumnChunkEncoder {
 public:
  FloatEncoder(const ColumnSpec& column, const ColumnValues& values, int64_t num_rows, const WriterOptions& options)
      : ColumnChunkEncoder(column, num_rows, column.type == ColumnType::kFloatList ? column.list_size : 1, options),
        values_(values) {
    ExpectFloats(column, values, num_rows * values_per_row_);
    PlanFixedWidthPages(4 * values_per_row_);
  }

 private:
  bool is_list() const { return column_.type == ColumnType::kFloatList; }

  format::Encoding::type ValueEncoding() const override {
    return options_.float_encoding == FloatEncoding::kByteStreamSplit ? format::Encoding::BYTE_STREAM_SPLIT
                                                                      : format::Encoding::PLAIN;
  }

  std::vector<format::Encoding::type> Encodings() const override {
    if (is_list()) return {ValueEncoding(), format::Encoding::RLE};
    return {ValueEncoding()};
  }

  std::span<const uint8_t> DataPagePayload(int64_t first_row, int64_t rows, EncodedPage& page) const override {
    std::vector<uint8_t>& levels = PayloadBuffer();
    if (is_list()) AppendListLevels(rows, levels);
    return FloatPayload(first_row, rows, levels, page);
  }

  // The page payload, `prefix` (its levels) then the values, in this
  // thread's buffer (valid until its next call); min/max in `page`.
  std::span<const uint8_t> FloatPayload(int64_t first_row, int64_t rows, std::span<const uint8_t> prefix,
                                        EncodedPage& page) const {
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
    page.values = RealRange(values);
    return std::span<const uint8_t>(bytes + lead, prefix.size() + count * sizeof(float));
  }

  const ColumnValues& values_;
};

}  // namespace

std::unique_ptr<ColumnChunkEncoder> MakeFloatEncoder(const ColumnSpec& column, const ColumnValues& values,
                                                     int64_t num_rows, const WriterOptions& options) {
  return std::make_unique<FloatEncoder>(column, values, num_rows, options);
}

}  // namespace barforge::parquet
