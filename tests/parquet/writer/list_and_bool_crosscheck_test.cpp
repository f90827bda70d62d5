// A file with one column of each list and bool kind, flat and shaped, is
// read value for value by DuckDB, arrow-rs (parquet-wasm), hyparquet (the npm
// readers of tools/dump_parquet.mjs), pyarrow and polars (the PyPI venv's,
// through dump_with_pypi.py), each with its own type for the column; Arrow
// readers see a shape as the field's barforge.shape metadata.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "barforge/parquet_writer.h"
#include "parquet/writer/kinds_file_helpers.h"
#include "support/barforge_cli.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace barforge::parquet {
namespace {

using barforge::testing::DumpParquet;
using barforge::testing::RunCommand;
using barforge::testing::ShellQuote;
using barforge::testing::TempDir;
using nlohmann::json;
using testing::KindsFloat;
using testing::KindsInt;
using testing::KindsSchema;
using testing::WriteKindsFile;

// pyarrow's and polars' dump of `file`.
json DumpWithPypi(const std::filesystem::path& file) {
  const std::string python = std::string(BARFORGE_SOURCE_DIR) + "/.venv-pypi/bin/python";
  const std::string script = std::string(BARFORGE_SOURCE_DIR) + "/tests/parquet/writer/dump_with_pypi.py";
  const auto result = RunCommand(ShellQuote(python) + " " + ShellQuote(script) + " " + ShellQuote(file.string()));
  if (result.exit_code != 0) throw std::runtime_error("dump_with_pypi.py (run make deps?): " + result.err);
  return json::parse(result.out);
}

// Value j of row r of column c as the dumps print it: int64 as a decimal
// string (those beyond 2^53, for the Python dump), bools as true/false.
json Expected(size_t c, int64_t r, int64_t j, bool big_ints_only) {
  const ColumnType element = ElementType(KindsSchema()[c].type);
  if (element == ColumnType::kFloat) return KindsFloat(r, j);
  const int64_t v = KindsInt(c, r, j);
  if (element == ColumnType::kBool) return v != 0;
  if (element == ColumnType::kInt64 && (!big_ints_only || v > (int64_t{1} << 53) || v < -(int64_t{1} << 53))) {
    return std::to_string(v);
  }
  return v;
}

void ExpectValues(const json& columns, const std::string& reader, int64_t rows, bool big_ints_only) {
  const std::vector<ColumnSpec> schema = KindsSchema();
  ASSERT_EQ(columns.size(), schema.size()) << reader;
  for (size_t c = 0; c < schema.size(); ++c) {
    const ColumnSpec& spec = schema[c];
    const json& values = columns[c]["values"];
    ASSERT_EQ(columns[c]["name"], spec.name) << reader;
    ASSERT_EQ(values.size(), static_cast<size_t>(rows)) << reader << " " << spec.name;
    for (int64_t r = 0; r < rows; ++r) {
      const std::string where = reader + " " + spec.name + " row " + std::to_string(r);
      if (!IsListType(spec.type)) {
        ASSERT_EQ(values[r], Expected(c, r, 0, big_ints_only)) << where;
        continue;
      }
      ASSERT_EQ(values[r].size(), static_cast<size_t>(spec.list_size)) << where;
      for (int64_t j = 0; j < spec.list_size; ++j) ASSERT_EQ(values[r][j], Expected(c, r, j, big_ints_only)) << where;
    }
  }
}

TEST(ListAndBoolCrossCheck, FiveIndependentReadersReadEveryValueAndArrowOnesTheShape) {
  TempDir dir;
  const auto path = dir / "kinds.parquet";
  constexpr int64_t kRows = 1200;
  WriterOptions options;
  options.page_size_bytes = 2048;  // several pages per chunk
  WriteKindsFile(path, kRows, 500, options);
  const std::vector<ColumnSpec> schema = KindsSchema();

  const std::vector<std::pair<std::string, std::vector<std::string>>> npm = {
      {"duckdb",
       {"BIGINT", "INTEGER", "BOOLEAN", "BOOLEAN[]", "BOOLEAN[]", "TINYINT[]", "TINYINT[]", "SMALLINT[]", "SMALLINT[]",
        "BIGINT[]", "BIGINT[]", "FLOAT[]"}},
      {"arrow",
       {"Int64", "Int32", "Bool", "FixedSizeList[3]<Bool>", "FixedSizeList[6]<Bool>", "FixedSizeList[4]<Int8>",
        "FixedSizeList[4]<Int8>", "FixedSizeList[3]<Int16>", "FixedSizeList[6]<Int16>", "FixedSizeList[2]<Int64>",
        "FixedSizeList[6]<Int64>", "FixedSizeList[8]<Float32>"}},
      {"hyparquet",
       {"INT64", "INT32", "BOOLEAN", "group LIST LIST", "group LIST LIST", "group LIST LIST", "group LIST LIST",
        "group LIST LIST", "group LIST LIST", "group LIST LIST", "group LIST LIST", "group LIST LIST"}},
  };
  for (const auto& [reader, types] : npm) {
    const json dump = DumpParquet(reader, path);
    ASSERT_EQ(dump["num_rows"], kRows) << reader;
    for (size_t c = 0; c < schema.size(); ++c) EXPECT_EQ(dump["columns"][c]["type"], types[c]) << reader << " " << c;
    ExpectValues(dump["columns"], reader, kRows, false);
    if (reader == "arrow") {
      // arrow-rs keeps each field's metadata: the shape, on the shaped lists only.
      for (size_t c = 0; c < schema.size(); ++c) {
        const json& column = dump["columns"][c];
        if (schema[c].shape.empty()) {
          EXPECT_FALSE(column.contains("metadata")) << schema[c].name;
          continue;
        }
        EXPECT_EQ(column["metadata"], json({{"barforge.shape", json(schema[c].shape).dump()}})) << schema[c].name;
      }
    }
  }

  const json pypi = DumpWithPypi(path);
  ExpectValues(pypi["pyarrow"], "pyarrow " + pypi["versions"]["pyarrow"].get<std::string>(), kRows, true);
  ExpectValues(pypi["polars"], "polars " + pypi["versions"]["polars"].get<std::string>(), kRows, true);
  const std::vector<std::string> pyarrow_types = {
      "int64", "int32", "bool", "fixed_size_list<element: bool not null>[3]", "fixed_size_list<element: bool not null>[6]",
      "fixed_size_list<element: int8 not null>[4]", "fixed_size_list<element: int8 not null>[4]",
      "fixed_size_list<element: int16 not null>[3]", "fixed_size_list<element: int16 not null>[6]",
      "fixed_size_list<element: int64 not null>[2]", "fixed_size_list<element: int64 not null>[6]",
      "fixed_size_list<element: float not null>[8]"};
  const std::vector<std::string> polars_types = {
      "Int64", "Int32", "Boolean", "Array(Boolean, shape=(3,))", "Array(Boolean, shape=(6,))",
      "Array(Int8, shape=(4,))", "Array(Int8, shape=(4,))", "Array(Int16, shape=(3,))", "Array(Int16, shape=(6,))",
      "Array(Int64, shape=(2,))", "Array(Int64, shape=(6,))", "Array(Float32, shape=(8,))"};
  for (size_t c = 0; c < schema.size(); ++c) {
    EXPECT_EQ(pypi["pyarrow"][c]["type"], pyarrow_types[c]) << schema[c].name;
    EXPECT_EQ(pypi["polars"][c]["type"], polars_types[c]) << schema[c].name;
    // pyarrow keeps the field metadata too.
    EXPECT_EQ(pypi["pyarrow"][c].contains("metadata"), !schema[c].shape.empty()) << schema[c].name;
  }
  EXPECT_EQ(pypi["pyarrow"][10]["metadata"], json({{"barforge.shape", "[1,2,3]"}}));
}

}  // namespace
}  // namespace barforge::parquet
