#include "parquet/reader/decimal.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"

namespace barforge::parquet::reader {
namespace {

__extension__ using UInt128 = unsigned __int128;

// Powers of ten that a double holds exactly.
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr int kMaxExactPower = 22;

}  // namespace

std::optional<Int128> DecimalBytesToInt128(std::string_view bytes) {
  if (bytes.empty()) return Int128{0};
  const bool negative = (static_cast<unsigned char>(bytes.front()) & 0x80) != 0;
  // Bytes beyond the last 16 must be sign extension only.
  while (bytes.size() > 16) {
    const auto lead = static_cast<unsigned char>(bytes.front());
    if (lead != (negative ? 0xFF : 0x00)) return std::nullopt;
    bytes.remove_prefix(1);
    if (((static_cast<unsigned char>(bytes.front()) & 0x80) != 0) != negative) return std::nullopt;
  }
  UInt128 bits = negative ? ~UInt128{0} : UInt128{0};
  for (const char byte : bytes) bits = (bits << 8) | static_cast<unsigned char>(byte);
  return static_cast<Int128>(bits);
}

double DecimalToDouble(Int128 unscaled, int32_t scale) {
  const bool negative = unscaled < 0;
  const UInt128 magnitude = negative ? UInt128{0} - static_cast<UInt128>(unscaled) : static_cast<UInt128>(unscaled);
  // Both operands exact, so the one IEEE division or multiplication rounds
  // correctly (the fast path of Clinger's algorithm).
  if (magnitude <= (UInt128{1} << 53)) {
    const double value = static_cast<double>(static_cast<uint64_t>(magnitude)) * (negative ? -1.0 : 1.0);
    if (scale >= 0 && scale <= kMaxExactPower) return value / kExactPowersOfTen[scale];
    if (scale < 0 && scale >= -kMaxExactPower) return value * kExactPowersOfTen[-scale];
  }
  // Otherwise the exact decimal text, read back by from_chars, which rounds
  // correctly for any length.
  char digits[40];
  int count = 0;
  UInt128 rest = magnitude;
  do {
    digits[count++] = static_cast<char>('0' + static_cast<int>(rest % 10));
    rest /= 10;
  } while (rest != 0);
  std::string text;
  text.reserve(64);
  if (negative) text += '-';
  while (count > 0) text += digits[--count];
  text += 'e';
  text += std::to_string(-static_cast<int64_t>(scale));
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    // Beyond the double range: from_chars leaves the value unset.
    return scale < 0 ? (negative ? -HUGE_VAL : HUGE_VAL) : (negative ? -0.0 : 0.0);
  }
  return value;
}

}  // namespace barforge::parquet::reader

namespace barforge::parquet {

std::vector<double> DecimalsAsDoubles(const ColumnBuffer& buffer) {
  const ColumnInfo& info = buffer.info;
  if (info.logical != LogicalKind::kDecimal) {
    throw ParquetError(fmt::format("column '{}' is {}, not DECIMAL", info.name, TypeName(info)));
  }
  const size_t count = buffer.size();
  std::vector<double> out(count);
  switch (info.physical_type) {
    case PhysicalType::kInt32:
      for (size_t i = 0; i < count; ++i) out[i] = reader::DecimalToDouble(buffer.int32s[i], info.scale);
      break;
    case PhysicalType::kInt64:
      for (size_t i = 0; i < count; ++i) out[i] = reader::DecimalToDouble(buffer.int64s[i], info.scale);
      break;
    default:
      for (size_t i = 0; i < count; ++i) {
        if (buffer.is_null(i)) continue;
        const std::optional<reader::Int128> unscaled = reader::DecimalBytesToInt128(buffer.string(i));
        if (!unscaled) {
          throw ParquetError(fmt::format("column '{}', value {}: a DECIMAL of {} bytes that does not fit in 128 bits "
                                         "(at most 38 digits are supported)",
                                         info.name, i, buffer.string(i).size()));
        }
        out[i] = reader::DecimalToDouble(*unscaled, info.scale);
      }
      break;
  }
  return out;
}

}  // namespace barforge::parquet
