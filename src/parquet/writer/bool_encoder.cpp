// Bool columns and fixed-size lists of bools: values given as bytes 0 or 1,
// stored BOOLEAN PLAIN (one bit per value, least significant bit first); a
// list page starts with its repetition and definition levels.

#include <memory>
#include <span>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/writer/column_chunk_encoder.h"

namespace barforge::parquet {

namespace {

class BoolEncoder final : public ColumnChunkEncoder {
 public:
  BoolEncoder(const ColumnSpec& column, std::span<const uint8_t> values, int64_t num_rows,
              const WriterOptions& options)
      : ColumnChunkEncoder(column, num_rows, column.type == ColumnType::kBoolList ? column.list_size : 1, options),
        values_(values) {
    ExpectCount(column, values.size(), num_rows * values_per_row_);
    // Checked before any page is written: a value other than 0 or 1 would
    // otherwise be stored as whatever its lowest bit is.
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] > 1) {
        throw ParquetUsageError(fmt::format("parquet writer: column '{}': value {} (row {}) is {}, not a bool (0 or 1)",
                                            column.name, i, static_cast<int64_t>(i) / values_per_row_, values[i]));
      }
    }
    PlanFixedWidthPages((values_per_row_ + 7) / 8);
  }

 private:
  std::vector<format::Encoding::type> Encodings() const override {
    if (column_.type == ColumnType::kBoolList) return {format::Encoding::PLAIN, format::Encoding::RLE};
    return {format::Encoding::PLAIN};
  }

  std::span<const uint8_t> DataPagePayload(int64_t first_row, int64_t rows, EncodedPage& page) const override {
    const auto values = values_.subspan(static_cast<size_t>(first_row * values_per_row_),
                                        static_cast<size_t>(rows * values_per_row_));
    std::vector<uint8_t>& payload = PayloadBuffer();
    if (column_.type == ColumnType::kBoolList) AppendListLevels(rows, payload);
    const size_t at = payload.size();
    payload.resize(at + (values.size() + 7) / 8, 0);
    uint8_t* out = payload.data() + at;
    bool any_false = false, any_true = false;
    for (size_t i = 0; i < values.size(); ++i) {
      out[i / 8] = static_cast<uint8_t>(out[i / 8] | (values[i] << (i % 8)));
      any_true |= values[i] != 0;
      any_false |= values[i] == 0;
    }
    page.values.has_value = !values.empty();
    page.values.int_min = any_false ? 0 : 1;
    page.values.int_max = any_true ? 1 : 0;
    return payload;
  }

  format::Statistics Statistics(const ValueRange& values) const override { return BoolStatistics(values); }

  std::span<const uint8_t> values_;
};

}  // namespace

std::unique_ptr<ColumnChunkEncoder> MakeBoolEncoder(const ColumnSpec& column, const ColumnValues& values,
                                                    int64_t num_rows, const WriterOptions& options) {
  return std::make_unique<BoolEncoder>(column, ExpectValues<uint8_t>(column, values, "bool (uint8 0 or 1)"),
                                       num_rows, options);
}

}  // namespace barforge::parquet
