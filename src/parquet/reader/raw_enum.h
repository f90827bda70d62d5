#pragma once
// Thrift stores whatever integer a file holds in its enum fields; loading an
// out-of-range value as the enum type is undefined behaviour (UBSan flags
// it), so the reader only ever looks at such fields as plain integers.

#include <cstdint>
#include <cstring>

namespace barforge::parquet::reader {

template <class Enum>
int32_t RawEnum(const Enum& value) {
  static_assert(sizeof(Enum) == sizeof(int32_t));
  int32_t raw;
  std::memcpy(&raw, &value, sizeof raw);
  return raw;
}

}  // namespace barforge::parquet::reader
