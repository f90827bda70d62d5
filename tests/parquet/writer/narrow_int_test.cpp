// INT(8) and INT(16) columns: stored as INT32 with the signed integer
// annotations, read back as int8/int16 by DuckDB, arrow-rs and hyparquet and
// by barforge's own reader, with INT32 statistics per row group.

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "barforge/parquet_writer.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/thrift_io.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::parquet {
namespace {

using barforge::testing::DumpParquet;
using barforge::testing::ReadFile;
using barforge::testing::TempDir;

struct NarrowColumns {
  std::vector<int64_t> ids;
  std::vector<int8_t> int8s;
  std::vector<int16_t> int16s;
};

// Extremes first, then a spread of values of both signs.
NarrowColumns MakeColumns(int64_t rows) {
  NarrowColumns c;
  for (int64_t i = 0; i < rows; ++i) {
    c.ids.push_back(i);
    const int8_t int8_special[] = {std::numeric_limits<int8_t>::min(), std::numeric_limits<int8_t>::max(), 0, -1};
    const int16_t int16_special[] = {std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max(), 0,
                                     -1};
    c.int8s.push_back(i < 4 ? int8_special[i] : static_cast<int8_t>((i * 37) % 251 - 125));
    c.int16s.push_back(i < 4 ? int16_special[i] : static_cast<int16_t>((i * 7919) % 65521 - 32760));
  }
  return c;
}

const std::vector<ColumnSpec> kSchema = {
    {"id", ColumnType::kInt64}, {"small", ColumnType::kInt8}, {"medium", ColumnType::kInt16}};

void Write(const std::filesystem::path& path, const NarrowColumns& c, int64_t group_rows, Codec codec) {
  WriterOptions options;
  options.codec = codec;
  options.page_size_bytes = 1 << 10;  // many pages per chunk
  options.threads = 2;
  ParquetWriter writer(path, kSchema, options);
  const auto rows = static_cast<int64_t>(c.ids.size());
  for (int64_t start = 0; start < rows; start += group_rows) {
    const auto first = static_cast<size_t>(start);
    const auto n = static_cast<size_t>(std::min(group_rows, rows - start));
    RowGroupData data;
    data.num_rows = static_cast<int64_t>(n);
    data.columns = {std::span<const int64_t>(c.ids).subspan(first, n),
                    std::span<const int8_t>(c.int8s).subspan(first, n),
                    std::span<const int16_t>(c.int16s).subspan(first, n)};
    writer.WriteRowGroup(data);
  }
  writer.Close();
}

int32_t StatisticInt32(const std::string& bytes) {
  EXPECT_EQ(bytes.size(), 4U);
  int32_t value = 0;
  std::memcpy(&value, bytes.data(), 4);
  return value;
}

TEST(NarrowIntColumns, OwnReaderSeesInt8AndInt16WithTheirValuesAndStatistics) {
  const NarrowColumns c = MakeColumns(1500);
  TempDir dir;
  const auto path = dir / "narrow.parquet";
  Write(path, c, 600, Codec::kZstd);

  const ParquetReader reader(path);
  ASSERT_EQ(reader.num_rows(), 1500);
  const auto& columns = reader.columns();
  ASSERT_EQ(columns.size(), 3U);
  for (size_t i : {1, 2}) {
    EXPECT_EQ(columns[i].physical_type, PhysicalType::kInt32);
    EXPECT_EQ(columns[i].logical, LogicalKind::kInteger);
    EXPECT_TRUE(columns[i].is_signed);
  }
  EXPECT_EQ(columns[1].bit_width, 8);
  EXPECT_EQ(columns[2].bit_width, 16);
  EXPECT_EQ(TypeName(columns[1]), "INT32 INT(8, signed)");
  EXPECT_EQ(TypeName(columns[2]), "INT32 INT(16, signed)");

  const ColumnBuffer small = reader.ReadColumn("small");
  const ColumnBuffer medium = reader.ReadColumn("medium");
  ASSERT_EQ(small.int32s.size(), c.int8s.size());
  ASSERT_EQ(medium.int32s.size(), c.int16s.size());
  for (size_t r = 0; r < c.int8s.size(); ++r) {
    ASSERT_EQ(small.int32s[r], c.int8s[r]) << r;
    ASSERT_EQ(medium.int32s[r], c.int16s[r]) << r;
  }

  // The schema carries both the logical and the converted annotation, and
  // each row group's statistics are its INT32 min/max.
  // (The footer decoded from the file's bytes, independently of the reader.)
  const std::string bytes = ReadFile(path);
  uint32_t footer_length = 0;
  std::memcpy(&footer_length, bytes.data() + bytes.size() - 8, 4);
  format::FileMetaData footer;
  ReadThrift(reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size() - 8 - footer_length, footer_length, &footer,
             "footer");
  EXPECT_EQ(footer.schema[2].converted_type, format::ConvertedType::INT_8);
  EXPECT_EQ(footer.schema[3].converted_type, format::ConvertedType::INT_16);
  EXPECT_EQ(footer.schema[2].logicalType.INTEGER.bitWidth, 8);
  EXPECT_TRUE(footer.schema[3].logicalType.INTEGER.isSigned);
  ASSERT_EQ(footer.row_groups.size(), 3U);
  for (size_t g = 0; g < footer.row_groups.size(); ++g) {
    const size_t first = g * 600, last = std::min<size_t>(first + 600, c.ids.size());
    const auto [lo8, hi8] = std::minmax_element(c.int8s.begin() + first, c.int8s.begin() + last);
    const auto [lo16, hi16] = std::minmax_element(c.int16s.begin() + first, c.int16s.begin() + last);
    const auto& small_stats = footer.row_groups[g].columns[1].meta_data.statistics;
    const auto& medium_stats = footer.row_groups[g].columns[2].meta_data.statistics;
    EXPECT_EQ(StatisticInt32(small_stats.min_value), *lo8) << g;
    EXPECT_EQ(StatisticInt32(small_stats.max_value), *hi8) << g;
    EXPECT_EQ(StatisticInt32(medium_stats.min_value), *lo16) << g;
    EXPECT_EQ(StatisticInt32(medium_stats.max_value), *hi16) << g;
    EXPECT_EQ(footer.row_groups[g].columns[1].meta_data.type, format::Type::INT32);
  }
}

TEST(NarrowIntColumns, DuckdbArrowAndHyparquetReadInt8AndInt16) {
  const NarrowColumns c = MakeColumns(1500);
  TempDir dir;
  const auto path = dir / "narrow.parquet";
  Write(path, c, 700, Codec::kSnappy);
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected_types = {
      {"duckdb", {"BIGINT", "TINYINT", "SMALLINT"}},
      {"arrow", {"Int64", "Int8", "Int16"}},
      {"hyparquet", {"INT64", "INT32 INT_8 INTEGER(8, signed)", "INT32 INT_16 INTEGER(16, signed)"}},
  };
  for (const auto& [reader, types] : expected_types) {
    const auto dump = DumpParquet(reader, path);
    ASSERT_EQ(dump["num_rows"], 1500) << reader;
    const auto& columns = dump["columns"];
    ASSERT_EQ(columns.size(), 3U) << reader;
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(columns[i]["type"], types[i]) << reader << " column " << i;
    for (size_t r = 0; r < c.ids.size(); ++r) {
      ASSERT_EQ(columns[1]["values"][r], static_cast<int>(c.int8s[r])) << reader << " row " << r;
      ASSERT_EQ(columns[2]["values"][r], static_cast<int>(c.int16s[r])) << reader << " row " << r;
    }
  }
}

TEST(NarrowIntColumns, ValuesOfAnotherTypeAreRefusedNamingTheColumn) {
  TempDir dir;
  ParquetWriter writer(dir / "bad.parquet", {{"label", ColumnType::kInt8}}, WriterOptions{});
  const std::vector<int64_t> wide = {1, 2};
  const std::vector<int8_t> short_values = {1};
  RowGroupData data{2, {std::span<const int64_t>(wide)}};
  try {
    writer.WriteRowGroup(data);
    FAIL() << "int64 values for an int8 column were accepted";
  } catch (const ParquetUsageError& error) {
    EXPECT_STREQ(error.what(), "parquet writer: column 'label' expects int8 values");
  }
  data.columns = {std::span<const int8_t>(short_values)};
  try {
    writer.WriteRowGroup(data);
    FAIL() << "a short int8 column was accepted";
  } catch (const ParquetUsageError& error) {
    EXPECT_STREQ(error.what(), "parquet writer: column 'label' has 1 values, expected 2");
  }
}

}  // namespace
}  // namespace barforge::parquet
