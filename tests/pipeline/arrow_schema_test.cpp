// The ARROW:schema footer value, decoded by apache-arrow on its own, names
// every column kind with its Arrow type, and arrow-rs reads the file with it.

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

}  // namespace
}  // namespace barforge
