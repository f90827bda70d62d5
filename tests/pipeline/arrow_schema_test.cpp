// The ARROW:schema footer value, decoded by apache-arrow on its own, names
// every column kind with its Arrow type, and arrow-rs reads the file with it.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "barforge/error.h"
#include "barforge/parquet_writer.h"
#include "pipeline/arrow_schema.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

using parquet::ColumnSpec;
using parquet::ColumnType;
using parquet::TimeUnit;
using testing::DumpParquet;
using testing::TempDir;

TEST(ArrowSchema, EveryColumnKindHasItsArrowType) {
  const std::vector<ColumnSpec> schema = {
      {"id", ColumnType::kInt64},
      {"label", ColumnType::kInt8},
      {"bars", ColumnType::kInt16},
      {"ts", ColumnType::kTimestamp, TimeUnit::kNanos},
      {"ts_ms", ColumnType::kTimestamp, TimeUnit::kMillis},
      {"f", ColumnType::kFloat},
      {"d", ColumnType::kDouble},
      {"s", ColumnType::kString},
      {"list", ColumnType::kFloatList, TimeUnit::kNanos, 3},
  };
  parquet::WriterOptions options;
  options.key_value_metadata = {{kArrowSchemaKey, ArrowSchemaBase64(schema)}};
  TempDir dir;
  const auto path = dir / "file.parquet";
  {
    parquet::ParquetWriter writer(path, schema, options);
    const std::vector<int64_t> ints = {7, -9};
    const std::vector<int8_t> labels = {-1, 1};
    const std::vector<int16_t> bars = {16, -300};
    const std::vector<float> floats = {0.5F, -2.0F};
    const std::vector<double> doubles = {1.25, 3.5};
    const std::vector<std::string_view> strings = {"a", "b"};
    const std::vector<float> lists = {1, 2, 3, 4, 5, 6};
    writer.WriteRowGroup({2,
                          {std::span<const int64_t>(ints), std::span<const int8_t>(labels),
                           std::span<const int16_t>(bars), std::span<const int64_t>(ints),
                           std::span<const int64_t>(ints), std::span<const float>(floats),
                           std::span<const double>(doubles), std::span<const std::string_view>(strings),
                           std::span<const float>(lists)}});
    writer.Close();
  }
  const auto dump = DumpParquet("arrow", path);
  const std::vector<std::string> types = {"Int64",   "Int8",    "Int16",          "Timestamp<NANOSECOND, UTC>",
                                          "Timestamp<MILLISECOND, UTC>", "Float32", "Float64", "Utf8",
                                          "FixedSizeList[3]<Float32>"};
  const auto& footer = dump["arrow_schema"];
  ASSERT_EQ(footer.size(), schema.size());
  ASSERT_EQ(dump["columns"].size(), schema.size());
  for (size_t i = 0; i < schema.size(); ++i) {
    EXPECT_EQ(footer[i]["name"], schema[i].name);
    EXPECT_EQ(footer[i]["type"], types[i]) << schema[i].name;
    EXPECT_EQ(footer[i]["nullable"], false) << schema[i].name;
    EXPECT_EQ(dump["columns"][i]["type"], types[i]) << schema[i].name;
  }
  EXPECT_EQ(dump["columns"][1]["values"], nlohmann::json::parse("[-1, 1]"));
  EXPECT_EQ(dump["columns"][2]["values"], nlohmann::json::parse("[16, -300]"));
}

// The ARROW:schema of the default build's samples file, as main wrote it
// before lists had shapes: a schema without shapes keeps these exact bytes.
constexpr const char* kDefaultBuildArrowSchema =
    "/////zAEAAAQAAAADAAXABQAFgAQAAgADAAAAAAAAAAAAAAAAAAAABAAAAAEAAEACAAKAAgABAAIAAAACAAAAAAAAAAJAAAAOAAAAIQAAADAAAAAFAEAAGABAADsAQAAeAIAAAQDAACQAwAAAAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACgAAAAwAAAAAAIAAAkAAABzYW1wbGVfaWQAAAAAAAAACAAJAAQACAAIAAAAQAAAAAEAAAAAAAAAEAASAAQAEAARAAgAAAAMABAAAAAQAAAAIAAAACAAAAAABQAABgAAAHRpY2tlcgAAAAAAAAQABAAEAAAAAAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACgAAAA4AAAAAAoAAAkAAAB0aW1lc3RhbXAAAAAAAAAACAAKAAgABAAIAAAACAAAAAMAAAADAAAAVVRDAAAAAAAQABIABAAQABEACAAAAAwAEAAAABAAAAAoAAAAMAAAAAACAAAJAAAAYmFyX2luZGV4AAAAAAAAAAgACQAEAAgACAAAAEAAAAABAAAAAAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACAAAAAkAAAAABAAAAQAAABvaGxjAAAAAAAABgAIAAQABgAAAAABAAABAAAAFAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACAAAAAkAAAAAAMAAAcAAABlbGVtZW50AAAABgAGAAQABgAAAAEAAAAAAAAAAAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACAAAAAkAAAAABAAAAYAAAB2b2x1bWUAAAAABgAIAAQABgAAAEAAAAABAAAAFAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACAAAAAkAAAAAAMAAAcAAABlbGVtZW50AAAABgAGAAQABgAAAAEAAAAAAAAAAAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACAAAAAkAAAAABAAAAQAAABtZXRhAAAAAAAABgAIAAQABgAAAAYAAAABAAAAFAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACAAAAAkAAAAAAMAAAcAAABlbGVtZW50AAAABgAGAAQABgAAAAEAAAAAAAAAAAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACAAAAAkAAAAABAAAAcAAAByZXdhcmRzAAAABgAIAAQABgAAAAMAAAABAAAAFAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACAAAAAkAAAAAAMAAAcAAABlbGVtZW50AAAABgAGAAQABgAAAAEAAAAAAAAAAAAAABAAEgAEABAAEQAIAAAADAAQAAAAEAAAACgAAAAsAAAAAAMAAAoAAABmd2RfcmV0dXJuAAAAAAAAAAAGAAYABAAGAAAAAQAAAAAAAAAAAAAA";

std::vector<ColumnSpec> DefaultBuildSchema() {
  return {{"sample_id", ColumnType::kInt64},
          {"ticker", ColumnType::kString},
          {"timestamp", ColumnType::kTimestamp, TimeUnit::kNanos},
          {"bar_index", ColumnType::kInt64},
          {"ohlc", ColumnType::kFloatList, TimeUnit::kNanos, 256},
          {"volume", ColumnType::kFloatList, TimeUnit::kNanos, 64},
          {"meta", ColumnType::kFloatList, TimeUnit::kNanos, 6},
          {"rewards", ColumnType::kFloatList, TimeUnit::kNanos, 3},
          {"fwd_return", ColumnType::kFloat}};
}

TEST(ArrowSchema, ListsWithoutAShapeKeepTheBytesBarforgeAlwaysWrote) {
  EXPECT_EQ(ArrowSchemaBase64(DefaultBuildSchema()), kDefaultBuildArrowSchema);
  // And reading it back: the four lists, their sizes, no shapes.
  const std::vector<ArrowListField> lists = ArrowListFields(kDefaultBuildArrowSchema, "default");
  ASSERT_EQ(lists.size(), 4U);
  const std::vector<std::pair<std::string, int64_t>> want = {{"ohlc", 256}, {"volume", 64}, {"meta", 6}, {"rewards", 3}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(lists[i].name, want[i].first);
    EXPECT_EQ(lists[i].list_size, want[i].second);
    EXPECT_TRUE(lists[i].shape.empty());
  }
}

TEST(ArrowSchema, AShapeIsRecordedAsFieldMetadataAndReadBack) {
  std::vector<ColumnSpec> schema = DefaultBuildSchema();
  schema[4].shape = {8, 8, 4};
  schema.push_back({"present", ColumnType::kBoolList, TimeUnit::kNanos, 8, {8}});
  schema.push_back({"tb_label", ColumnType::kInt8List, TimeUnit::kNanos, 8, {8}});
  const std::string value = ArrowSchemaBase64(schema);
  EXPECT_NE(value, kDefaultBuildArrowSchema);
  const std::vector<ArrowListField> lists = ArrowListFields(value, "shaped");
  ASSERT_EQ(lists.size(), 6U);
  EXPECT_EQ(lists[0].name, "ohlc");
  EXPECT_EQ(lists[0].shape, std::vector<int64_t>({8, 8, 4}));
  EXPECT_TRUE(lists[1].shape.empty());  // volume: flat
  EXPECT_EQ(lists[4].name, "present");
  EXPECT_EQ(lists[4].list_size, 8);
  EXPECT_EQ(lists[4].shape, std::vector<int64_t>({8}));
  EXPECT_EQ(lists[5].shape, std::vector<int64_t>({8}));

  // apache-arrow decodes it on its own, with the types of the new kinds.
  parquet::WriterOptions options;
  TempDir dir;
  const std::vector<ColumnSpec> small = {{"present", ColumnType::kBoolList, TimeUnit::kNanos, 2, {2}},
                                         {"index", ColumnType::kInt64List, TimeUnit::kNanos, 2, {1, 2}},
                                         {"bars", ColumnType::kInt16List, TimeUnit::kNanos, 2},
                                         {"flag", ColumnType::kBool},
                                         {"count", ColumnType::kInt32}};
  options.key_value_metadata = {{kArrowSchemaKey, ArrowSchemaBase64(small)}};
  {
    parquet::ParquetWriter writer(dir / "file.parquet", small, options);
    const std::vector<uint8_t> bools = {1, 0}, flag = {1};
    const std::vector<int64_t> index = {5, -5};
    const std::vector<int16_t> bars = {300, -300};
    const std::vector<int32_t> count = {7};
    writer.WriteRowGroup({1,
                          {std::span<const uint8_t>(bools), std::span<const int64_t>(index),
                           std::span<const int16_t>(bars), std::span<const uint8_t>(flag),
                           std::span<const int32_t>(count)}});
    writer.Close();
  }
  const auto dump = DumpParquet("arrow", dir / "file.parquet");
  const std::vector<std::string> types = {"FixedSizeList[2]<Bool>", "FixedSizeList[2]<Int64>",
                                          "FixedSizeList[2]<Int16>", "Bool", "Int32"};
  ASSERT_EQ(dump["arrow_schema"].size(), types.size());
  for (size_t i = 0; i < types.size(); ++i) EXPECT_EQ(dump["arrow_schema"][i]["type"], types[i]) << i;
  EXPECT_EQ(dump["columns"][0]["metadata"]["barforge.shape"], "[2]");
  EXPECT_EQ(dump["columns"][1]["metadata"]["barforge.shape"], "[1,2]");
  EXPECT_FALSE(dump["columns"][2].contains("metadata"));
  EXPECT_EQ(dump["columns"][1]["values"], nlohmann::json::parse(R"([["5", "-5"]])"));
}

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string FromBase64(const std::string& text) {
  std::string out;
  uint32_t chunk = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') break;
    chunk = chunk << 6 | static_cast<uint32_t>(std::string_view(kAlphabet).find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((chunk >> bits) & 0xFF));
    }
  }
  return out;
}

std::string ToBase64(const std::string& bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t chunk = 0;
    for (size_t k = 0; k < 3; ++k) chunk = chunk << 8 | (k < n ? static_cast<uint8_t>(bytes[i + k]) : 0u);
    for (size_t k = 0; k < 4; ++k) out.push_back(k <= n ? kAlphabet[(chunk >> (18 - 6 * k)) & 63] : '=');
  }
  return out;
}

TEST(ArrowSchema, ABrokenValueOrAShapeThatIsNotTheListsIsADataError) {
  const auto error = [](const std::string& value) {
    try {
      ArrowListFields(value, "f.parquet");
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  const std::string good = ArrowSchemaBase64(DefaultBuildSchema());
  EXPECT_EQ(error(good), "(accepted)");
  EXPECT_EQ(error(good.substr(0, good.size() / 2)), "f.parquet: the footer's ARROW:schema is not an Arrow schema message");
  EXPECT_EQ(error("not base64!"), "f.parquet: the footer's ARROW:schema is not an Arrow schema message");
  EXPECT_EQ(error(""), "f.parquet: the footer's ARROW:schema is not an Arrow schema message");
  // A shape that is not its list's, which the writer refuses: the bytes of
  // a list of 6 shaped [2,3], the shape's text patched to "[2,4]".
  const std::vector<ColumnSpec> schema = {{"x", ColumnType::kFloatList, TimeUnit::kNanos, 6, {2, 3}}};
  std::string bytes = FromBase64(ArrowSchemaBase64(schema));
  const size_t at = bytes.find("[2,3]");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(error(ToBase64(bytes)), "(accepted)");
  bytes.replace(at, 5, "[2,4]");
  EXPECT_EQ(error(ToBase64(bytes)), "f.parquet: ARROW:schema: field 'x': shape [2,4] does not hold its 6 values");
  bytes.replace(at, 5, "[2,0]");
  EXPECT_EQ(error(ToBase64(bytes)), "f.parquet: the footer's ARROW:schema is not an Arrow schema message");
}

}  // namespace
}  // namespace barforge
