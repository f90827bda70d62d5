#pragma once
// The steps every page takes once its payload is built, whatever the column:
// compress it, describe it in a PageHeader, and put the header before it.

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "gen-cpp/parquet_types.h"
#include "parquet/codec.h"
#include "parquet/writer/column_statistics.h"

namespace barforge::parquet {

/// One encoded page and what the chunk metadata needs to know of it.
struct EncodedPage {
  std::vector<uint8_t> bytes;     ///< header + compressed payload
  int64_t compressed_size = 0;    ///< bytes.size(), kept when the bytes are released after writing
  int64_t uncompressed_size = 0;  ///< header + uncompressed payload
  double fill_seconds = 0;        ///< time inside FloatPages::fill
  ValueRange values;              ///< min/max of the page's values (numbers only)
};

/// Appends `value`'s little-endian bytes to `out`.
template <class T>
void AppendLittleEndian(std::vector<uint8_t>& out, T value) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &value, sizeof(T));
}

/// Compresses `payload` into this thread's buffer, which only ever grows (so
/// it is never cleared or zero-filled again), and returns a view of the
/// compressed bytes, valid until this thread's next call; `header` gets
/// `type`, both sizes and, with `checksum`, the CRC of the compressed bytes.
std::span<const uint8_t> CompressPage(format::PageType::type type, std::span<const uint8_t> payload,
                                      PageCompressor& compressor, bool checksum, format::PageHeader& header);

/// `page` with `header` + `compressed` as its bytes, and its sizes.
EncodedPage FinishPage(const format::PageHeader& header, std::span<const uint8_t> compressed,
                       size_t uncompressed_payload, EncodedPage page);

}  // namespace barforge::parquet
