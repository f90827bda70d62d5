#pragma once
// Names of the Parquet enum values a file holds, from their raw integers:
// a file can hold any integer in an enum field, and such a value must never
// be loaded as the enum type (undefined behaviour), so these take the raw
// value (reader/raw_enum.h) and name the ones the format does not define
// "#<value>".

#include <cstdint>
#include <string>

namespace barforge::parquet {

/// "PLAIN", "RLE_DICTIONARY", ...; "#12" for a value the format does not define.
std::string EncodingName(int32_t encoding);
/// "UNCOMPRESSED", "ZSTD", ...; "#12" for a value the format does not define.
std::string CompressionCodecName(int32_t codec);

bool IsDefinedEncoding(int32_t encoding);
bool IsDefinedCompressionCodec(int32_t codec);
/// DATA_PAGE, INDEX_PAGE, DICTIONARY_PAGE or DATA_PAGE_V2.
bool IsDefinedPageType(int32_t page_type);

}  // namespace barforge::parquet
