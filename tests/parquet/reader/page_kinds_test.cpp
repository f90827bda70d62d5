// Page kinds a reader must take in stride: index pages and unknown page
// types are skipped by size; a v2 page with is_compressed = false is read
// as is although the chunk's codec is ZSTD; v2 levels are never compressed.

#include <gtest/gtest.h>

#include <cstring>

#include "barforge/parquet_reader.h"
#include "parquet/codec.h"
#include "parquet/reader/handmade_file_helpers.h"
#include "parquet/rle.h"

namespace barforge::parquet {
namespace {

std::vector<uint8_t> SkippablePage(format::PageType::type type) {
  format::PageHeader header;
  header.__set_type(type);
  header.__set_uncompressed_page_size(5);
  header.__set_compressed_page_size(5);
  return testing::SerializePage(header, {0xDE, 0xAD, 0xBE, 0xEF, 0x00});
}

// A v2 page of optional INT32 values; every third row null.
std::vector<uint8_t> V2Page(int first_row, int rows, bool compress) {
  std::vector<uint32_t> defs;
  std::vector<uint8_t> values;
  int nulls = 0;
  for (int r = first_row; r < first_row + rows; ++r) {
    defs.push_back(r % 3 == 0 ? 0 : 1);
    if (r % 3 == 0) {
      ++nulls;
      continue;
    }
    const int32_t v = r * 11 - 7;
    values.resize(values.size() + 4);
    std::memcpy(values.data() + values.size() - 4, &v, 4);
  }
  std::vector<uint8_t> levels;
  AppendRleBitPacked(defs, 1, levels);
  std::vector<uint8_t> stored = values;
  if (compress) {
    stored.clear();
    PageCompressor(Codec::kZstd, 1).Compress(values, stored);
  }
  format::PageHeader header;
  header.__set_type(format::PageType::DATA_PAGE_V2);
  header.__set_uncompressed_page_size(static_cast<int32_t>(levels.size() + values.size()));
  header.__set_compressed_page_size(static_cast<int32_t>(levels.size() + stored.size()));
  format::DataPageHeaderV2 v2;
  v2.__set_num_values(rows);
  v2.__set_num_nulls(nulls);
  v2.__set_num_rows(rows);
  v2.__set_encoding(format::Encoding::PLAIN);
  v2.__set_definition_levels_byte_length(static_cast<int32_t>(levels.size()));
  v2.__set_repetition_levels_byte_length(0);
  if (!compress) v2.__set_is_compressed(false);
  header.__set_data_page_header_v2(v2);
  std::vector<uint8_t> body = levels;
  body.insert(body.end(), stored.begin(), stored.end());
  return testing::SerializePage(header, body);
}

TEST(PageKindsTest, SkipsIndexAndUnknownPagesAndHonoursIsCompressed) {
  std::vector<format::SchemaElement> schema(2);
  schema[0].__set_name("schema");
  schema[0].__set_num_children(1);
  schema[1].__set_name("v");
  schema[1].__set_type(format::Type::INT32);
  schema[1].__set_repetition_type(format::FieldRepetitionType::OPTIONAL);
  testing::HandChunk chunk{format::Type::INT32, {"v"}, format::CompressionCodec::ZSTD, 50, false, {}};
  chunk.pages.push_back(V2Page(0, 20, false));
  chunk.pages.push_back(SkippablePage(format::PageType::INDEX_PAGE));
  // An unknown page type (42): no enumerator exists, so patch the header's
  // first field (compact i32 field 1 = 0x15, then zigzag 2 -> 84 = 0x54).
  std::vector<uint8_t> unknown = SkippablePage(format::PageType::INDEX_PAGE);
  ASSERT_EQ(unknown[0], 0x15);
  ASSERT_EQ(unknown[1], 0x02);
  unknown[1] = 0x54;
  chunk.pages.push_back(unknown);
  chunk.pages.push_back(V2Page(20, 30, true));
  const ParquetReader reader(testing::WriteTempFile("pagekinds.parquet", testing::BuildFile(schema, {{chunk}}, {50})));
  const ColumnBuffer column = reader.ReadColumn("v");
  ASSERT_EQ(column.int32s.size(), 50u);
  ASSERT_EQ(column.valid.size(), 50u);
  for (int r = 0; r < 50; ++r) {
    const auto i = static_cast<size_t>(r);
    EXPECT_EQ(column.is_null(i), r % 3 == 0) << r;
    EXPECT_EQ(column.int32s[i], r % 3 == 0 ? 0 : r * 11 - 7) << r;
  }
}

}  // namespace
}  // namespace barforge::parquet
