// Reads files written by DuckDB, arrow-rs (parquet-wasm) and hyparquet-writer
// and compares every value with what another independent reader returned
// (tools/write_fixtures.mjs writes both); and streams every chunk in pieces
// against the whole-chunk read.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "parquet/reader/stream_check_helpers.h"

namespace barforge::parquet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kFixtures[] = {
    "duckdb_default",        "duckdb_zstd",          "duckdb_snappy",           "duckdb_gzip",
    "duckdb_small_row_groups", "duckdb_v2",          "arrow_v1_snappy_dict",    "arrow_v2_zstd_dict",
    "arrow_v1_gzip_plain",   "arrow_v2_lz4raw_plain", "arrow_v1_uncompressed_dict", "arrow_v2_snappy_delta_bss",
    "hyparquet_snappy",      "hyparquet_uncompressed", "hyparquet_encodings",
};

class ThirdPartyFilesTest : public ::testing::TestWithParam<const char*> {
 public:
  // CTest runs every test in its own process, so the fixtures (about 15 s of
  // node) are written once into the build tree, in a folder named after the
  // scripts' contents, and reused while the scripts are unchanged. They are
  // written to a private folder first and renamed, so parallel runs never
  // see half-written files.
  static void SetUpTestSuite() {
    std::string scripts;
    for (const char* name : {"/write_fixtures.mjs", "/dump_parquet.mjs", "/package-lock.json"}) {
      std::ifstream in(std::string(BARFORGE_TOOLS_DIR) + name, std::ios::binary);
      scripts += std::string(std::istreambuf_iterator<char>(in), {});
    }
    const fs::path root = fs::path(BARFORGE_BINARY_DIR) / "parquet_reader_fixtures";
    dir_ = root / std::to_string(std::hash<std::string>{}(scripts));
    if (fs::exists(dir_)) return;
    const fs::path scratch = root / ("tmp-" + std::to_string(::getpid()));
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    const std::string command =
        "node '" + std::string(BARFORGE_TOOLS_DIR) + "/write_fixtures.mjs' '" + scratch.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::error_code error;
    fs::rename(scratch, dir_, error);
    if (error) fs::remove_all(scratch);  // another process got there first
  }

 protected:
  static fs::path dir_;
};
fs::path ThirdPartyFilesTest::dir_;

int64_t NanosPerUnit(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillis: return 1000000;
    case TimeUnit::kMicros: return 1000;
    case TimeUnit::kNanos: return 1;
  }
  return 0;
}

// Compares value slot `slot` of `column` with one canonical JSON value and
// returns a description of the difference, or "" when equal.
std::string CompareSlot(const ColumnBuffer& column, size_t slot, const json& expected) {
  const ColumnInfo& info = column.info;
  if (expected.is_null()) return column.is_null(slot) ? "" : "expected null, got a value";
  if (column.is_null(slot)) return "expected " + expected.dump() + ", got null";
  switch (info.physical_type) {
    case PhysicalType::kBoolean:
      return expected.is_boolean() && expected.get<bool>() == (column.int32s[slot] != 0)
                 ? ""
                 : "expected " + expected.dump() + ", got " + std::to_string(column.int32s[slot]);
    case PhysicalType::kInt32:
      return expected.is_number_integer() && expected.get<int64_t>() == column.int32s[slot]
                 ? ""
                 : "expected " + expected.dump() + ", got " + std::to_string(column.int32s[slot]);
    case PhysicalType::kInt64:
    case PhysicalType::kInt96: {
      int64_t value = column.int64s[slot];
      if (info.logical == LogicalKind::kTimestamp) value *= NanosPerUnit(info.time_unit);
      const std::string got = std::to_string(value);
      return expected.is_string() && expected.get<std::string>() == got ? ""
                                                                       : "expected " + expected.dump() + ", got " + got;
    }
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: {
      const double got = info.physical_type == PhysicalType::kFloat ? static_cast<double>(column.floats[slot])
                                                                     : column.doubles[slot];
      bool equal = false;
      if (expected.is_string()) {
        const std::string s = expected.get<std::string>();
        equal = (s == "NaN" && std::isnan(got)) || (s == "Infinity" && got == INFINITY) ||
                (s == "-Infinity" && got == -INFINITY);
      } else if (expected.is_number()) {
        equal = expected.get<double>() == got;
      }
      return equal ? "" : "expected " + expected.dump() + ", got " + std::to_string(got);
    }
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      return expected.is_string() && expected.get<std::string>() == column.string(slot)
                 ? ""
                 : "expected " + expected.dump() + ", got \"" + std::string(column.string(slot)) + "\"";
  }
  return "unknown type";
}

TEST_P(ThirdPartyFilesTest, EveryValueMatchesAnIndependentReader) {
  const fs::path file = dir_ / (std::string(GetParam()) + ".parquet");
  std::ifstream in(dir_ / (std::string(GetParam()) + ".json"));
  ASSERT_TRUE(in) << "no expected values for " << file;
  const json expected = json::parse(in);
  const ParquetReader reader(file);
  ASSERT_EQ(reader.num_rows(), expected["num_rows"].get<int64_t>());
  ASSERT_EQ(reader.columns().size(), expected["columns"].size());
  const auto rows = static_cast<size_t>(reader.num_rows());
  for (const json& expected_column : expected["columns"]) {
    const std::string name = expected_column["name"];
    SCOPED_TRACE(std::string(GetParam()) + " column " + name);
    const ColumnBuffer column = reader.ReadColumn(name);
    const json& values = expected_column["values"];
    ASSERT_EQ(values.size(), rows);
    ASSERT_EQ(column.num_rows, reader.num_rows());
    int failures = 0;
    if (column.info.is_list) {
      ASSERT_EQ(column.list_offsets.size(), rows + 1);
      ASSERT_EQ(static_cast<size_t>(column.list_offsets.back()), column.size());
      for (size_t r = 0; r < rows && failures < 5; ++r) {
        const auto begin = static_cast<size_t>(column.list_offsets[r]);
        const auto end = static_cast<size_t>(column.list_offsets[r + 1]);
        const bool null_list = !column.list_valid.empty() && column.list_valid[r] == 0;
        if (values[r].is_null()) {
          if (!null_list || begin != end) ++failures, ADD_FAILURE() << "row " << r << ": expected a null list";
          continue;
        }
        if (null_list || end - begin != values[r].size()) {
          ++failures;
          ADD_FAILURE() << "row " << r << ": expected " << values[r].dump() << ", got " << end - begin
                        << " elements" << (null_list ? " (null list)" : "");
          continue;
        }
        for (size_t k = 0; k < values[r].size(); ++k) {
          const std::string diff = CompareSlot(column, begin + k, values[r][k]);
          if (!diff.empty()) ++failures, ADD_FAILURE() << "row " << r << " element " << k << ": " << diff;
        }
      }
    } else {
      ASSERT_EQ(column.size(), rows);
      for (size_t r = 0; r < rows && failures < 5; ++r) {
        const std::string diff = CompareSlot(column, r, values[r]);
        if (!diff.empty()) ++failures, ADD_FAILURE() << "row " << r << ": " << diff;
      }
    }
  }
}

TEST_P(ThirdPartyFilesTest, RowGroupsReadAloneMatchTheWholeColumn) {
  const ParquetReader reader(dir_ / (std::string(GetParam()) + ".parquet"));
  int64_t rows = 0;
  for (int g = 0; g < reader.num_row_groups(); ++g) rows += reader.row_group_num_rows(g);
  EXPECT_EQ(rows, reader.num_rows());
  const ColumnBuffer whole = reader.ReadColumn(size_t{0});
  size_t slot = 0;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    const ColumnBuffer part = reader.ReadColumnChunk(0, g);
    ASSERT_EQ(part.num_rows, reader.row_group_num_rows(g));
    for (size_t i = 0; i < part.size(); ++i, ++slot) {
      ASSERT_EQ(part.is_null(i), whole.is_null(slot));
      if (!part.int64s.empty()) {
        ASSERT_EQ(part.int64s[i], whole.int64s[slot]);
      }
      if (!part.int32s.empty()) {
        ASSERT_EQ(part.int32s[i], whole.int32s[slot]);
      }
    }
  }
  EXPECT_EQ(slot, whole.size());
}

TEST_P(ThirdPartyFilesTest, StreamedPiecesMatchTheWholeChunk) {
  const ParquetReader reader(dir_ / (std::string(GetParam()) + ".parquet"));
  for (size_t c = 0; c < reader.columns().size(); ++c) {
    for (int g = 0; g < reader.num_row_groups(); ++g) {
      for (const int64_t piece_rows : {int64_t{1}, int64_t{7}, int64_t{1000}}) {
        SCOPED_TRACE(reader.columns()[c].name + ", row group " + std::to_string(g) + ", pieces of " +
                     std::to_string(piece_rows));
        testing::ExpectStreamMatchesChunk(reader, c, g, piece_rows);
      }
    }
  }
}

TEST_P(ThirdPartyFilesTest, MissingColumnNamesTheFileAndColumn) {
  const fs::path file = dir_ / (std::string(GetParam()) + ".parquet");
  const ParquetReader reader(file);
  EXPECT_FALSE(reader.FindColumn("no_such_column").has_value());
  try {
    reader.ReadColumn("no_such_column");
    FAIL() << "no exception";
  } catch (const ParquetError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no_such_column"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Writers, ThirdPartyFilesTest, ::testing::ValuesIn(kFixtures),
                         [](const ::testing::TestParamInfo<const char*>& param) { return std::string(param.param); });

}  // namespace
}  // namespace barforge::parquet
