// The kinds cross-sectional samples need: INT32, BOOLEAN (bit-packed), and
// required lists of required int8 / int16 / int64 / bool elements, flat or
// with a shape. barforge's own reader reads every value back; each chunk's
// statistics and each page's CRC are recomputed here; bad values are refused
// before a page is written, naming the column.

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "barforge/parquet_writer.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/thrift_io.h"
#include "parquet/writer/kinds_file_helpers.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::parquet {
namespace {

using barforge::testing::ReadFile;
using barforge::testing::TempDir;
using testing::KindsFloat;
using testing::KindsInt;
using testing::KindsSchema;
using testing::WriteKindsFile;

int64_t ValuesPerRow(const ColumnSpec& spec) { return IsListType(spec.type) ? spec.list_size : 1; }

struct Layout {
  int64_t rows;
  int64_t group_rows;
  int64_t page_size;
  Codec codec;
};

class ListAndBoolKinds : public ::testing::TestWithParam<Layout> {};

TEST_P(ListAndBoolKinds, OwnReaderReadsEveryValueWithItsTypes) {
  const Layout& layout = GetParam();
  TempDir dir;
  const auto path = dir / "kinds.parquet";
  WriterOptions options;
  options.codec = layout.codec;
  options.page_size_bytes = layout.page_size;
  options.threads = 2;
  WriteKindsFile(path, layout.rows, layout.group_rows, options);

  const ParquetReader reader(path);
  const std::vector<ColumnSpec> schema = KindsSchema();
  ASSERT_EQ(reader.num_rows(), layout.rows);
  ASSERT_EQ(reader.columns().size(), schema.size());
  for (size_t c = 0; c < schema.size(); ++c) {
    const ColumnSpec& spec = schema[c];
    const ColumnInfo& info = reader.columns()[c];
    const ColumnType element = ElementType(spec.type);
    EXPECT_EQ(info.is_list, IsListType(spec.type)) << spec.name;
    EXPECT_FALSE(info.nullable) << spec.name;
    EXPECT_EQ(info.max_repetition_level, IsListType(spec.type) ? 1 : 0) << spec.name;
    const PhysicalType physical = element == ColumnType::kBool    ? PhysicalType::kBoolean
                                  : element == ColumnType::kInt64 ? PhysicalType::kInt64
                                  : element == ColumnType::kFloat ? PhysicalType::kFloat
                                                                  : PhysicalType::kInt32;
    EXPECT_EQ(info.physical_type, physical) << spec.name;
    if (element == ColumnType::kInt8 || element == ColumnType::kInt16) {
      EXPECT_EQ(info.logical, LogicalKind::kInteger) << spec.name;
      EXPECT_EQ(info.bit_width, element == ColumnType::kInt8 ? 8 : 16) << spec.name;
      EXPECT_TRUE(info.is_signed) << spec.name;
    } else {
      EXPECT_EQ(info.logical, LogicalKind::kNone) << spec.name;
    }

    const ColumnBuffer buffer = reader.ReadColumn(c);
    const int64_t k = ValuesPerRow(spec);
    ASSERT_EQ(static_cast<int64_t>(buffer.size()), layout.rows * k) << spec.name;
    EXPECT_TRUE(buffer.valid.empty()) << spec.name;
    if (IsListType(spec.type)) {
      ASSERT_EQ(static_cast<int64_t>(buffer.list_offsets.size()), layout.rows + 1) << spec.name;
      for (int64_t r = 0; r <= layout.rows; ++r) ASSERT_EQ(buffer.list_offsets[r], r * k) << spec.name << " row " << r;
    }
    for (int64_t r = 0; r < layout.rows; ++r) {
      for (int64_t j = 0; j < k; ++j) {
        const auto i = static_cast<size_t>(r * k + j);
        const std::string where = spec.name + " row " + std::to_string(r) + " value " + std::to_string(j);
        if (element == ColumnType::kFloat) {
          ASSERT_EQ(buffer.floats[i], KindsFloat(r, j)) << where;
        } else if (element == ColumnType::kInt64) {
          ASSERT_EQ(buffer.int64s[i], KindsInt(c, r, j)) << where;
        } else {
          ASSERT_EQ(buffer.int32s[i], KindsInt(c, r, j)) << where;  // INT32 and BOOLEAN (0/1)
        }
      }
    }
  }
}

// The footer decoded from the file's bytes, independently of the reader.
format::FileMetaData Footer(const std::filesystem::path& path) {
  const std::string bytes = ReadFile(path);
  uint32_t length = 0;
  std::memcpy(&length, bytes.data() + bytes.size() - 8, 4);
  format::FileMetaData footer;
  ReadThrift(reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size() - 8 - length, length, &footer, "footer");
  return footer;
}

template <class T>
std::string Bytes(T value) {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

TEST_P(ListAndBoolKinds, EachChunkHasTheStatisticsOfItsValuesAndEachPageItsCrc) {
  const Layout& layout = GetParam();
  TempDir dir;
  const auto path = dir / "kinds.parquet";
  WriterOptions options;
  options.codec = layout.codec;
  options.page_size_bytes = layout.page_size;
  WriteKindsFile(path, layout.rows, layout.group_rows, options);
  const format::FileMetaData footer = Footer(path);
  const std::vector<ColumnSpec> schema = KindsSchema();
  const std::string bytes = ReadFile(path);
  int64_t first = 0;
  size_t pages = 0;
  for (const format::RowGroup& group : footer.row_groups) {
    for (size_t c = 0; c < schema.size(); ++c) {
      const ColumnSpec& spec = schema[c];
      const ColumnType element = ElementType(spec.type);
      const format::ColumnMetaData& meta = group.columns[c].meta_data;
      const std::string where = spec.name + " of the row group at row " + std::to_string(first);
      const int64_t k = ValuesPerRow(spec);
      EXPECT_EQ(meta.num_values, group.num_rows * k) << where;
      std::vector<format::Encoding::type> encodings = {format::Encoding::PLAIN};
      if (IsListType(spec.type)) encodings.push_back(format::Encoding::RLE);
      EXPECT_EQ(meta.encodings, encodings) << where;
      // The min/max of the group's values, recomputed.
      int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
      float flo = std::numeric_limits<float>::infinity(), fhi = -flo;
      for (int64_t r = first; r < first + group.num_rows; ++r) {
        for (int64_t j = 0; j < k; ++j) {
          if (element == ColumnType::kFloat) {
            flo = std::min(flo, KindsFloat(r, j));
            fhi = std::max(fhi, KindsFloat(r, j));
          } else {
            lo = std::min(lo, KindsInt(c, r, j));
            hi = std::max(hi, KindsInt(c, r, j));
          }
        }
      }
      const format::Statistics& stats = meta.statistics;
      ASSERT_TRUE(meta.__isset.statistics) << where;
      EXPECT_EQ(stats.null_count, 0) << where;
      std::string want_min, want_max;
      bool legacy = true;
      switch (element) {
        case ColumnType::kBool:
          want_min = std::string(1, static_cast<char>(lo));
          want_max = std::string(1, static_cast<char>(hi));
          legacy = false;  // a boolean's order is unsigned: readers ignore the legacy fields
          break;
        case ColumnType::kInt64: want_min = Bytes(lo), want_max = Bytes(hi); break;
        case ColumnType::kFloat: want_min = Bytes(flo), want_max = Bytes(fhi); break;
        default: want_min = Bytes(static_cast<int32_t>(lo)), want_max = Bytes(static_cast<int32_t>(hi)); break;
      }
      EXPECT_EQ(stats.min_value, want_min) << where;
      EXPECT_EQ(stats.max_value, want_max) << where;
      EXPECT_EQ(stats.__isset.min, legacy) << where;
      if (legacy) {
        EXPECT_EQ(stats.min, want_min) << where;
        EXPECT_EQ(stats.max, want_max) << where;
      }
      // Each page's CRC-32 (zlib's) over its stored bytes.
      auto pos = static_cast<uint64_t>(meta.data_page_offset);
      const uint64_t end = pos + static_cast<uint64_t>(meta.total_compressed_size);
      while (pos < end) {
        format::PageHeader header;
        pos += ReadThrift(reinterpret_cast<const uint8_t*>(bytes.data()) + pos, end - pos, &header, "page header");
        ASSERT_TRUE(header.__isset.crc) << where;
        const auto size = static_cast<uInt>(header.compressed_page_size);
        const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()) + pos, size);
        EXPECT_EQ(static_cast<uint32_t>(header.crc), static_cast<uint32_t>(crc)) << where;
        pos += size;
        ++pages;
      }
    }
    first += group.num_rows;
  }
  EXPECT_EQ(first, layout.rows);
  EXPECT_GE(pages, footer.row_groups.size() * schema.size());
}

INSTANTIATE_TEST_SUITE_P(
    RowsPagesAndGroups, ListAndBoolKinds,
    ::testing::Values(Layout{1, 1, 1 << 20, Codec::kZstd},          // one row: the extremes
                      Layout{7, 1, 1 << 20, Codec::kUncompressed},  // a group per row: all-true, all-false bools
                      Layout{13, 5, 1 << 20, Codec::kSnappy},       // bit-packed bools across bytes
                      Layout{1000, 300, 64, Codec::kZstd},          // pages of a few rows
                      Layout{5000, 5000, 1 << 10, Codec::kGzip}),   // many pages in one group
    [](const ::testing::TestParamInfo<Layout>& param_info) {
      return std::to_string(param_info.param.rows) + "_rows_groups_of_" + std::to_string(param_info.param.group_rows) +
             "_pages_of_" + std::to_string(param_info.param.page_size);
    });

TEST(ListAndBoolKinds, ARowGroupOfNoRowsHasNoStatisticsRange) {
  TempDir dir;
  const std::vector<ColumnSpec> schema = {{"flags", ColumnType::kBoolList, TimeUnit::kNanos, 2},
                                          {"flag", ColumnType::kBool}};
  ParquetWriter writer(dir / "empty.parquet", schema, WriterOptions{});
  const std::vector<uint8_t> none;
  writer.WriteRowGroup({0, {std::span<const uint8_t>(none), std::span<const uint8_t>(none)}});
  writer.Close();
  const format::FileMetaData footer = Footer(dir / "empty.parquet");
  ASSERT_EQ(footer.row_groups.size(), 1U);
  for (const auto& chunk : footer.row_groups[0].columns) {
    EXPECT_FALSE(chunk.meta_data.statistics.__isset.min_value);
    EXPECT_EQ(chunk.meta_data.statistics.null_count, 0);
  }
  const ParquetReader reader(dir / "empty.parquet");
  EXPECT_EQ(reader.ReadColumn("flags").size(), 0U);
}

// The message of the ParquetUsageError WriteRowGroup throws for `data`.
std::string UsageError(ParquetWriter& writer, const RowGroupData& data) {
  try {
    writer.WriteRowGroup(data);
  } catch (const ParquetUsageError& error) {
    return error.what();
  }
  return "(accepted)";
}

TEST(ListAndBoolKinds, BadValuesAreRefusedNamingTheColumnAndTheWriterStaysUsable) {
  TempDir dir;
  const std::vector<ColumnSpec> schema = {{"present", ColumnType::kBoolList, TimeUnit::kNanos, 3},
                                          {"label", ColumnType::kInt8List, TimeUnit::kNanos, 3},
                                          {"bars", ColumnType::kInt16List, TimeUnit::kNanos, 3},
                                          {"index", ColumnType::kInt64List, TimeUnit::kNanos, 3},
                                          {"flag", ColumnType::kBool},
                                          {"count", ColumnType::kInt32}};
  ParquetWriter writer(dir / "bad.parquet", schema, WriterOptions{});
  std::vector<uint8_t> present = {1, 0, 1, 0, 0, 1};
  const std::vector<int8_t> labels = {1, -1, 0, 0, 1, -1};
  const std::vector<int16_t> bars = {1, 2, 3, 4, 5, 6};
  const std::vector<int64_t> index = {10, 20, 30, 40, 50, 60};
  std::vector<uint8_t> flag = {1, 0};
  const std::vector<int32_t> count = {5, 6};
  const auto good = [&] {
    return RowGroupData{2,
                        {std::span<const uint8_t>(present), std::span<const int8_t>(labels),
                         std::span<const int16_t>(bars), std::span<const int64_t>(index),
                         std::span<const uint8_t>(flag), std::span<const int32_t>(count)}};
  };

  RowGroupData data = good();
  data.columns[1] = std::span<const int8_t>(labels).first(5);
  EXPECT_EQ(UsageError(writer, data), "parquet writer: column 'label' has 5 values, expected 6");
  data = good();
  data.columns[3] = std::span<const int64_t>(index).first(3);
  EXPECT_EQ(UsageError(writer, data), "parquet writer: column 'index' has 3 values, expected 6");
  data = good();
  data.columns[0] = std::span<const uint8_t>(present).first(4);
  EXPECT_EQ(UsageError(writer, data), "parquet writer: column 'present' has 4 values, expected 6");
  data = good();
  data.columns[2] = std::span<const int8_t>(labels);  // int8 values for an int16 list
  EXPECT_EQ(UsageError(writer, data), "parquet writer: column 'bars' expects int16 values");
  data = good();
  data.columns[5] = std::span<const int64_t>(index).first(2);
  EXPECT_EQ(UsageError(writer, data), "parquet writer: column 'count' expects int32 values");
  data = good();
  data.columns[4] = std::span<const int8_t>(labels).first(2);
  EXPECT_EQ(UsageError(writer, data), "parquet writer: column 'flag' expects bool (uint8 0 or 1) values");

  present[4] = 2;
  EXPECT_EQ(UsageError(writer, good()), "parquet writer: column 'present': value 4 (row 1) is 2, not a bool (0 or 1)");
  present[4] = 0;
  flag[0] = 255;
  EXPECT_EQ(UsageError(writer, good()), "parquet writer: column 'flag': value 0 (row 0) is 255, not a bool (0 or 1)");
  flag[0] = 1;

  // None of the refusals wrote a page: the writer goes on.
  EXPECT_EQ(UsageError(writer, good()), "(accepted)");
  writer.Close();
  const ParquetReader reader(dir / "bad.parquet");
  EXPECT_EQ(reader.num_rows(), 2);
  EXPECT_EQ(reader.ReadColumn("present").int32s, std::vector<int32_t>({1, 0, 1, 0, 0, 1}));
  EXPECT_EQ(reader.ReadColumn("flag").int32s, std::vector<int32_t>({1, 0}));
  EXPECT_EQ(reader.ReadColumn("count").int32s, std::vector<int32_t>({5, 6}));
}

TEST(ListAndBoolKinds, ABadShapeIsRefusedWithTheSchema) {
  TempDir dir;
  const auto refused = [&](ColumnSpec spec) {
    try {
      ParquetWriter writer(dir / "bad.parquet", {spec}, WriterOptions{});
    } catch (const ParquetUsageError& error) {
      return std::string(error.what());
    }
    return std::string("(accepted)");
  };
  constexpr TimeUnit kNs = TimeUnit::kNanos;
  EXPECT_EQ(refused({"x", ColumnType::kFloatList, kNs, 12, {3, 4}}), "(accepted)");
  EXPECT_EQ(refused({"x", ColumnType::kFloatList, kNs, 12, {3, 5}}),
            "parquet schema: column 'x': shape [3, 5] holds 15 values, list_size is 12");
  EXPECT_EQ(refused({"x", ColumnType::kInt8List, kNs, 12, {0, 12}}),
            "parquet schema: column 'x': shape [0, 12] has a dimension < 1");
  EXPECT_EQ(refused({"x", ColumnType::kBoolList, kNs, 2, {1 << 20, 1 << 20, 1 << 20}}),
            "parquet schema: column 'x': shape [1048576, 1048576, 1048576] holds more values, list_size is 2");
  EXPECT_EQ(refused({"x", ColumnType::kBool, kNs, 0, {1}}),
            "parquet schema: column 'x': a shape is for list columns only");
  EXPECT_EQ(refused({"x", ColumnType::kInt64List, kNs, 0}), "parquet schema: column 'x': list_size 0 must be >= 1");
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.parquet"));
}

}  // namespace
}  // namespace barforge::parquet
