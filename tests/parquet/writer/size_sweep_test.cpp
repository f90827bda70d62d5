// Sizes at the edges: 0, 1, 2 rows, page boundaries +-1 for every column
// width, row-group boundaries +-1, empty and one-row row groups anywhere in
// the file. Every file is read back value by value, both ways of writing a
// row group give the same bytes, and DuckDB reads the file of empty and
// one-row row groups.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "barforge/parquet_reader.h"
#include "barforge/parquet_writer.h"
#include "support/barforge_cli.h"

namespace barforge::parquet {
namespace {

using barforge::testing::ReadFile;
using barforge::testing::TempDir;

// With page_size_bytes 64, a data page holds 8 INT64 or DOUBLE rows, 16
// FLOAT rows, 4 rows of a 4-float list and 512 dictionary indices of 1 bit.
constexpr int64_t kPageBytes = 64;
constexpr int64_t kMaxRows = 40;

const std::vector<ColumnSpec> kSchema = {{"id", ColumnType::kInt64},
                                         {"x", ColumnType::kDouble},
                                         {"f", ColumnType::kFloat},
                                         {"list", ColumnType::kFloatList, TimeUnit::kNanos, 4},
                                         {"name", ColumnType::kString}};

struct Values {
  std::vector<int64_t> ids;
  std::vector<double> xs;
  std::vector<float> fs, list;
  std::vector<std::string> names = {"a", "bb"};
  std::vector<int32_t> name_index;
};

const Values& AllValues() {
  static const Values values = [] {
    Values v;
    for (int64_t i = 0; i < kMaxRows; ++i) {
      v.ids.push_back(i * 1000003 - 17);
      v.xs.push_back(std::sqrt(static_cast<double>(i)) - 2.5);
      v.fs.push_back(static_cast<float>(i) * 0.25F - 1.0F);
      for (int k = 0; k < 4; ++k) v.list.push_back(static_cast<float>(i * 4 + k) / 7.0F);
      v.name_index.push_back(static_cast<int32_t>(i % 3 == 0));
    }
    return v;
  }();
  return values;
}

RowGroupData Rows(int64_t first, int64_t n) {
  const Values& v = AllValues();
  const auto f = static_cast<size_t>(first);
  const auto count = static_cast<size_t>(n);
  return {n,
          {std::span<const int64_t>(v.ids).subspan(f, count), std::span<const double>(v.xs).subspan(f, count),
           std::span<const float>(v.fs).subspan(f, count), std::span<const float>(v.list).subspan(4 * f, 4 * count),
           DictionaryStrings{v.names, std::span<const int32_t>(v.name_index).subspan(f, count)}}};
}

// Writes rows [0, total) in row groups of the given sizes (which sum to
// total), streamed or through Encode/Append.
std::filesystem::path Write(const std::filesystem::path& path, const std::vector<int64_t>& groups, bool streamed) {
  WriterOptions options;
  options.page_size_bytes = kPageBytes;
  options.threads = 2;
  ParquetWriter writer(path, kSchema, options);
  int64_t first = 0;
  for (const int64_t n : groups) {
    if (streamed) {
      writer.WriteRowGroup(Rows(first, n));
    } else {
      writer.Append(writer.Encode(Rows(first, n)));
    }
    first += n;
  }
  writer.Close();
  return path;
}

void ExpectRows(const std::filesystem::path& path, const std::vector<int64_t>& groups, const std::string& what) {
  int64_t total = 0;
  for (const int64_t n : groups) total += n;
  const ParquetReader reader(path);
  ASSERT_EQ(reader.num_rows(), total) << what;
  ASSERT_EQ(reader.num_row_groups(), static_cast<int>(groups.size())) << what;
  for (size_t g = 0; g < groups.size(); ++g) {
    EXPECT_EQ(reader.row_group_num_rows(static_cast<int>(g)), groups[g]) << what;
  }
  const Values& v = AllValues();
  const auto n = static_cast<size_t>(total);
  const auto prefix = [n](const auto& values, size_t per_row = 1) {
    return std::vector(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n * per_row));
  };
  EXPECT_EQ(reader.ReadColumn("id").int64s, prefix(v.ids)) << what;
  EXPECT_EQ(reader.ReadColumn("x").doubles, prefix(v.xs)) << what;
  EXPECT_EQ(reader.ReadColumn("f").floats, prefix(v.fs)) << what;
  const ColumnBuffer list = reader.ReadColumn("list");
  EXPECT_EQ(list.floats, prefix(v.list, 4)) << what;
  ASSERT_EQ(list.list_offsets.size(), n + 1) << what;
  for (size_t r = 0; r <= n; ++r) EXPECT_EQ(list.list_offsets[r], static_cast<int64_t>(4 * r)) << what;
  const ColumnBuffer names = reader.ReadColumn("name");
  ASSERT_EQ(names.size(), n) << what;
  for (size_t r = 0; r < n; ++r) EXPECT_EQ(names.string(r), v.names[static_cast<size_t>(v.name_index[r])]) << what;
}

TEST(WriterSizeSweep, EveryRowCountAroundPageAndRowGroupBoundaries) {
  TempDir dir;
  // Page boundaries of every column width (4, 8, 16 rows) +-1, and more.
  for (const int64_t total : {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40}) {
    // One row group, one row per group, and groups of 8 (so the last one
    // is short, full, or one row).
    std::vector<std::vector<int64_t>> layouts = {{total}};
    if (total > 1) {
      layouts.emplace_back(static_cast<size_t>(total), 1);
      std::vector<int64_t> eights;
      for (int64_t left = total; left > 0; left -= 8) eights.push_back(std::min<int64_t>(8, left));
      layouts.push_back(eights);
    }
    for (const auto& groups : layouts) {
      const std::string what = fmt::format("{} rows in {} row groups", total, groups.size());
      const auto streamed = Write(dir / "streamed.parquet", groups, true);
      ExpectRows(streamed, groups, what);
      const auto appended = Write(dir / "appended.parquet", groups, false);
      EXPECT_EQ(ReadFile(streamed), ReadFile(appended)) << what << ": WriteRowGroup and Append(Encode) differ";
    }
  }
}

TEST(WriterSizeSweep, EmptyAndOneRowRowGroupsAnywhereReadByDuckdb) {
  TempDir dir;
  const std::vector<int64_t> groups = {0, 1, 0, 17, 1, 0};
  const auto path = Write(dir / "edges.parquet", groups, true);
  ExpectRows(path, groups, "empty and one-row row groups");
  if (!std::filesystem::exists(std::filesystem::path(BARFORGE_TOOLS_DIR) / "node_modules")) {
    GTEST_SKIP() << "run `cd tools && npm ci` first";
  }
  const auto dump = barforge::testing::DumpParquet("duckdb", path);
  const auto& ids = dump["columns"][0]["values"];
  ASSERT_EQ(ids.size(), 19u) << dump.dump();
  for (size_t r = 0; r < 19; ++r) EXPECT_EQ(ids[r].get<std::string>(), std::to_string(AllValues().ids[r])) << r;
}

TEST(WriterSizeSweep, AFileWithoutRowGroups) {
  TempDir dir;
  const auto path = Write(dir / "none.parquet", {}, true);
  ExpectRows(path, {}, "no row groups");
}

}  // namespace
}  // namespace barforge::parquet
