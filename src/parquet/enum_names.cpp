#include "parquet/enum_names.h"

#include <fmt/format.h>

#include "gen-cpp/parquet_types.h"

namespace barforge::parquet {

namespace {

const char* DefinedEncodingName(int32_t encoding) {
  switch (encoding) {
    case format::Encoding::PLAIN: return "PLAIN";
    case format::Encoding::PLAIN_DICTIONARY: return "PLAIN_DICTIONARY";
    case format::Encoding::RLE: return "RLE";
    case format::Encoding::BIT_PACKED: return "BIT_PACKED";
    case format::Encoding::DELTA_BINARY_PACKED: return "DELTA_BINARY_PACKED";
    case format::Encoding::DELTA_LENGTH_BYTE_ARRAY: return "DELTA_LENGTH_BYTE_ARRAY";
    case format::Encoding::DELTA_BYTE_ARRAY: return "DELTA_BYTE_ARRAY";
    case format::Encoding::RLE_DICTIONARY: return "RLE_DICTIONARY";
    case format::Encoding::BYTE_STREAM_SPLIT: return "BYTE_STREAM_SPLIT";
    default: return nullptr;
  }
}

const char* DefinedCodecName(int32_t codec) {
  switch (codec) {
    case format::CompressionCodec::UNCOMPRESSED: return "UNCOMPRESSED";
    case format::CompressionCodec::SNAPPY: return "SNAPPY";
    case format::CompressionCodec::GZIP: return "GZIP";
    case format::CompressionCodec::LZO: return "LZO";
    case format::CompressionCodec::BROTLI: return "BROTLI";
    case format::CompressionCodec::LZ4: return "LZ4";
    case format::CompressionCodec::ZSTD: return "ZSTD";
    case format::CompressionCodec::LZ4_RAW: return "LZ4_RAW";
    default: return nullptr;
  }
}

}  // namespace

std::string EncodingName(int32_t encoding) {
  const char* name = DefinedEncodingName(encoding);
  return name != nullptr ? name : fmt::format("#{}", encoding);
}

std::string CompressionCodecName(int32_t codec) {
  const char* name = DefinedCodecName(codec);
  return name != nullptr ? name : fmt::format("#{}", codec);
}

bool IsDefinedEncoding(int32_t encoding) { return DefinedEncodingName(encoding) != nullptr; }
bool IsDefinedCompressionCodec(int32_t codec) { return DefinedCodecName(codec) != nullptr; }

bool IsDefinedPageType(int32_t page_type) {
  switch (page_type) {
    case format::PageType::DATA_PAGE:
    case format::PageType::INDEX_PAGE:
    case format::PageType::DICTIONARY_PAGE:
    case format::PageType::DATA_PAGE_V2: return true;
    default: return false;
  }
}

}  // namespace barforge::parquet
