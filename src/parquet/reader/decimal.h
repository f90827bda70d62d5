#pragma once
// DECIMAL values: the unscaled integer of each physical type, and its value
// as the nearest double.

#include <cstdint>
#include <optional>
#include <string_view>

namespace barforge::parquet::reader {

__extension__ using Int128 = __int128;

/// The unscaled value of a FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY DECIMAL:
/// big-endian two's complement, any length. nullopt when it does not fit
/// in 128 bits (more than 38 digits); an empty value is 0.
std::optional<Int128> DecimalBytesToInt128(std::string_view bytes);

/// unscaled * 10^-scale rounded to the nearest double (ties to even), for
/// any unscaled value of up to 128 bits and any scale.
double DecimalToDouble(Int128 unscaled, int32_t scale);

}  // namespace barforge::parquet::reader
