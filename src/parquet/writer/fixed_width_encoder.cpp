// Columns of fixed-width numbers: int64 and timestamps (INT64), int32, int8
// and int16 (widened to the INT32 Parquet stores for INT(8) and INT(16)),
// doubles, and fixed-size lists of int8, int16 and int64, all PLAIN; a list
// page starts with its repetition and definition levels.

#include <cstring>
#include <memory>
#include <span>
#include <type_traits>

#include "parquet/writer/column_chunk_encoder.h"

namespace barforge::parquet {

namespace {

// Values of type T, stored as Stored (T itself, or INT32 for narrow integers).
template <class T, class Stored>
class FixedWidthEncoder final : public ColumnChunkEncoder {
 public:
  FixedWidthEncoder(const ColumnSpec& column, std::span<const T> values, int64_t num_rows,
                    const WriterOptions& options)
      : ColumnChunkEncoder(column, num_rows, IsListType(column.type) ? column.list_size : 1, options),
        values_(values) {
    ExpectCount(column, values.size(), num_rows * values_per_row_);
    PlanFixedWidthPages(static_cast<int64_t>(sizeof(Stored)) * values_per_row_);
  }

 private:
  std::vector<format::Encoding::type> Encodings() const override {
    if (IsListType(column_.type)) return {format::Encoding::PLAIN, format::Encoding::RLE};
    return {format::Encoding::PLAIN};
  }

  std::span<const uint8_t> DataPagePayload(int64_t first_row, int64_t rows, EncodedPage& page) const override {
    const auto values = values_.subspan(static_cast<size_t>(first_row * values_per_row_),
                                        static_cast<size_t>(rows * values_per_row_));
    std::vector<uint8_t>& payload = PayloadBuffer();
    if (IsListType(column_.type)) AppendListLevels(rows, payload);
    const size_t at = payload.size();
    payload.resize(at + sizeof(Stored) * values.size());
    uint8_t* out = payload.data() + at;
    if constexpr (std::is_same_v<T, Stored>) {
      if (!values.empty()) std::memcpy(out, values.data(), values.size_bytes());
    } else {
      for (size_t i = 0; i < values.size(); ++i) {
        const auto widened = static_cast<Stored>(values[i]);
        std::memcpy(out + sizeof(Stored) * i, &widened, sizeof(Stored));
      }
    }
    if constexpr (std::is_floating_point_v<T>) {
      page.values = RealRange(values);
    } else {
      page.values = IntegerRange(values);
    }
    return payload;
  }

  std::span<const T> values_;
};

template <class T, class Stored = T>
std::unique_ptr<ColumnChunkEncoder> Make(const ColumnSpec& column, const ColumnValues& values, int64_t num_rows,
                                         const WriterOptions& options, const char* type) {
  return std::make_unique<FixedWidthEncoder<T, Stored>>(column, ExpectValues<T>(column, values, type), num_rows,
                                                        options);
}

}  // namespace

std::unique_ptr<ColumnChunkEncoder> MakeFixedWidthEncoder(const ColumnSpec& column, const ColumnValues& values,
                                                          int64_t num_rows, const WriterOptions& options) {
  switch (column.type) {
    case ColumnType::kInt8:
    case ColumnType::kInt8List: return Make<int8_t, int32_t>(column, values, num_rows, options, "int8");
    case ColumnType::kInt16:
    case ColumnType::kInt16List: return Make<int16_t, int32_t>(column, values, num_rows, options, "int16");
    case ColumnType::kInt32: return Make<int32_t>(column, values, num_rows, options, "int32");
    case ColumnType::kDouble: return Make<double>(column, values, num_rows, options, "double");
    default: return Make<int64_t>(column, values, num_rows, options, "int64");
  }
}

}  // namespace barforge::parquet
