#include "parquet/writer/page_assembly.h"

#include <limits>

#include "barforge/error.h"
#include "parquet/page_crc.h"
#include "parquet/thrift_io.h"

namespace barforge::parquet {

namespace {

int32_t CheckedPageSize(size_t size) {
  if (size > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw ParquetUsageError("parquet writer: a page exceeds 2 GiB; lower page_size_bytes");
  }
  return static_cast<int32_t>(size);
}

}  // namespace

std::span<const uint8_t> CompressPage(format::PageType::type type, std::span<const uint8_t> payload,
                                      PageCompressor& compressor, bool checksum, format::PageHeader& header) {
  thread_local std::vector<uint8_t> compressed;
  const size_t bound = compressor.MaxCompressedSize(payload.size());
  if (compressed.size() < bound) compressed.resize(bound);
  const size_t size = compressor.CompressInto(payload, compressed);
  header.__set_type(type);
  header.__set_uncompressed_page_size(CheckedPageSize(payload.size()));
  header.__set_compressed_page_size(CheckedPageSize(size));
  const auto stored = std::span<const uint8_t>(compressed).first(size);
  if (checksum) header.__set_crc(PageCrc(stored));
  return stored;
}

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

}  // namespace barforge::parquet
