#include "parquet/page_crc.h"

#include <zlib.h>

#include <bit>

namespace barforge::parquet {

int32_t PageCrc(std::span<const uint8_t> stored) {
  const uLong crc = crc32_z(crc32_z(0L, Z_NULL, 0), stored.data(), stored.size());
  return std::bit_cast<int32_t>(static_cast<uint32_t>(crc));
}

}  // namespace barforge::parquet
