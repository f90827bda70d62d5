#pragma once
// The page checksum Parquet defines (PageHeader.crc): the standard CRC-32
// (polynomial 0x04C11DB7, as in gzip and zlib) of the page's bytes as they
// are stored after its header, that is after compression.

#include <cstdint>
#include <span>

namespace barforge::parquet {

/// The CRC-32 of `stored` (a page's bytes after its header), as the i32
/// PageHeader.crc holds it (the same 32 bits).
int32_t PageCrc(std::span<const uint8_t> stored);

}  // namespace barforge::parquet
