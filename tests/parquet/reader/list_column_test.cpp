// LIST columns of a primitive, hand-built: barforge's own required
// list<float> (the three-level layout of the Parquet format specification,
// LogicalTypes.md "Lists": required group (LIST) > repeated group list >
// required float element) and an optional list
// with null and empty lists; plus an unsupported encoding's message.

#include <gtest/gtest.h>

#include <cstring>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "parquet/reader/handmade_file_helpers.h"

namespace barforge::parquet {
namespace {

std::vector<format::SchemaElement> ListSchema(const std::string& name, format::FieldRepetitionType::type list_repetition) {
  std::vector<format::SchemaElement> s(3);
  s[0].__set_name(name);
  s[0].__set_repetition_type(list_repetition);
  s[0].__set_num_children(1);
  s[0].__set_converted_type(format::ConvertedType::LIST);
  format::LogicalType logical;
  logical.__set_LIST(format::ListType());
  s[0].__set_logicalType(logical);
  s[1].__set_name("list");
  s[1].__set_repetition_type(format::FieldRepetitionType::REPEATED);
  s[1].__set_num_children(1);
  s[2].__set_name("element");
  s[2].__set_repetition_type(format::FieldRepetitionType::REQUIRED);
  s[2].__set_type(format::Type::FLOAT);
  return s;
}

std::vector<uint8_t> FloatBytes(const std::vector<float>& values) {
  std::vector<uint8_t> out(values.size() * 4);
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::vector<uint8_t> TwoListFile(format::Encoding::type ohlc_encoding = format::Encoding::PLAIN) {
  // ohlc: required list<required float>, 3 rows of 4; bytes from the notes.
  std::vector<float> ohlc;
  for (int i = 0; i < 12; ++i) ohlc.push_back(static_cast<float>(i) * 1.5f - 2.0f);
  std::vector<uint8_t> raw = {0x03, 0x00, 0x00, 0x00, 0x05, 0xEE, 0x0E, 0x02, 0x00, 0x00, 0x00, 0x18, 0x01};
  const std::vector<uint8_t> floats = FloatBytes(ohlc);
  raw.insert(raw.end(), floats.begin(), floats.end());
  testing::HandChunk a{format::Type::FLOAT, {"ohlc", "list", "element"}, format::CompressionCodec::UNCOMPRESSED, 12, false,
                       {testing::UncompressedDataPage(raw, 12, ohlc_encoding)}};
  // opt: optional list<required float>; rows [1, 2], null, [], [3]... padded
  // to 3 rows: [1, 2], null, [].
  std::vector<uint8_t> raw2;
  testing::AppendPrefixedLevels({0, 1, 0, 0}, 1, raw2);
  testing::AppendPrefixedLevels({2, 2, 0, 1}, 2, raw2);
  const std::vector<uint8_t> floats2 = FloatBytes({1.0f, 2.0f});
  raw2.insert(raw2.end(), floats2.begin(), floats2.end());
  testing::HandChunk b{format::Type::FLOAT, {"opt", "list", "element"}, format::CompressionCodec::UNCOMPRESSED, 4, false,
                       {testing::UncompressedDataPage(raw2, 4)}};
  std::vector<format::SchemaElement> schema(1);
  schema[0].__set_name("schema");
  schema[0].__set_num_children(2);
  for (const auto& e : ListSchema("ohlc", format::FieldRepetitionType::REQUIRED)) schema.push_back(e);
  for (const auto& e : ListSchema("opt", format::FieldRepetitionType::OPTIONAL)) schema.push_back(e);
  return testing::BuildFile(schema, {{a, b}}, {3});
}

TEST(ListColumnTest, RequiredListOfFloatFromTheNotes) {
  const ParquetReader reader(testing::WriteTempFile("lists.parquet", TwoListFile()));
  ASSERT_EQ(reader.columns().size(), 2u);
  const ColumnInfo& info = reader.columns()[0];
  EXPECT_EQ(info.name, "ohlc");
  EXPECT_EQ(info.path, (std::vector<std::string>{"ohlc", "list", "element"}));
  EXPECT_TRUE(info.is_list);
  EXPECT_FALSE(info.nullable);
  EXPECT_EQ(info.max_definition_level, 1);
  EXPECT_EQ(info.max_repetition_level, 1);
  const ColumnBuffer column = reader.ReadColumn("ohlc");
  EXPECT_EQ(column.list_offsets, (std::vector<int64_t>{0, 4, 8, 12}));
  EXPECT_TRUE(column.list_valid.empty());
  EXPECT_TRUE(column.valid.empty());
  ASSERT_EQ(column.floats.size(), 12u);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(column.floats[i], static_cast<float>(i) * 1.5f - 2.0f);
}

TEST(ListColumnTest, OptionalListWithNullAndEmptyLists) {
  const ParquetReader reader(testing::WriteTempFile("lists2.parquet", TwoListFile()));
  const ColumnBuffer column = reader.ReadColumn("opt");
  EXPECT_TRUE(column.info.nullable);
  EXPECT_EQ(column.info.max_definition_level, 2);
  EXPECT_EQ(column.list_offsets, (std::vector<int64_t>{0, 2, 2, 2}));
  EXPECT_EQ(column.list_valid, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_TRUE(column.valid.empty());
  EXPECT_EQ(column.floats, (std::vector<float>{1.0f, 2.0f}));
}

TEST(ListColumnTest, UnsupportedEncodingNamesEncodingAndColumn) {
  const auto path = testing::WriteTempFile("lists3.parquet", TwoListFile(format::Encoding::DELTA_BINARY_PACKED));
  const ParquetReader reader(path);
  try {
    reader.ReadColumn("ohlc");
    FAIL() << "no error";
  } catch (const ParquetError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find("unsupported encoding DELTA_BINARY_PACKED for FLOAT"), std::string::npos) << what;
    EXPECT_NE(what.find("column 'ohlc.list.element'"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace barforge::parquet
