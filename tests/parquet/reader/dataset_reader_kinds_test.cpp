// DatasetReader gives the list and bool kinds in their vectors (bools as
// bytes 0/1, int8/int16/int64 lists row-major), with width = list length
// and the shape the file's ARROW:schema records ([n] for a flat list), for
// a whole row group and a few rows at a time.

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "barforge/dataset_reader.h"
#include "barforge/error.h"
#include "parquet/writer/kinds_file_helpers.h"
#include "pipeline/arrow_schema.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

using barforge::testing::TempDir;
using parquet::ColumnType;
using parquet::testing::KindsFloat;
using parquet::testing::KindsInt;
using parquet::testing::KindsSchema;
using parquet::testing::WriteKindsFile;

// The footer entry that makes a file a barforge dataset.
const std::vector<std::pair<std::string, std::string>> kDatasetFooter = {{"barforge.config", "window: 4\n"}};

void ExpectColumn(const DatasetColumnData& data, size_t c, int64_t first_row) {
  const parquet::ColumnSpec spec = KindsSchema()[c];
  EXPECT_EQ(data.name, spec.name);
  EXPECT_EQ(data.kind, spec.type) << spec.name;
  const int64_t k = parquet::IsListType(spec.type) ? spec.list_size : 1;
  EXPECT_EQ(data.width, k) << spec.name;
  EXPECT_EQ(data.shape, DatasetRowShape(spec)) << spec.name;
  for (int64_t r = 0; r < data.rows; ++r) {
    for (int64_t j = 0; j < k; ++j) {
      const auto i = static_cast<size_t>(r * k + j);
      const int64_t row = first_row + r;
      const std::string where = spec.name + " row " + std::to_string(row);
      switch (parquet::ElementType(spec.type)) {
        case ColumnType::kInt64:
        case ColumnType::kInt32: ASSERT_EQ(data.int64s.at(i), KindsInt(c, row, j)) << where; break;
        case ColumnType::kInt16: ASSERT_EQ(data.int16s.at(i), KindsInt(c, row, j)) << where; break;
        case ColumnType::kInt8: ASSERT_EQ(data.int8s.at(i), KindsInt(c, row, j)) << where; break;
        case ColumnType::kBool: ASSERT_EQ(data.bools.at(i), KindsInt(c, row, j)) << where; break;
        default: ASSERT_EQ(data.floats.at(i), KindsFloat(row, j)) << where; break;
      }
    }
  }
  const size_t values = static_cast<size_t>(data.rows * k);
  const size_t held = data.int64s.size() + data.int16s.size() + data.int8s.size() + data.bools.size() + data.floats.size();
  EXPECT_EQ(held, values) << spec.name << ": values in one vector only";
}

TEST(DatasetReaderKinds, EveryKindWithItsShapeByRowGroupAndByCursor) {
  TempDir dir;
  const auto path = dir / "kinds.parquet";
  parquet::WriterOptions options;
  options.page_size_bytes = 512;
  WriteKindsFile(path, 900, 400, options, kDatasetFooter);
  const DatasetReader reader(path);
  const std::vector<parquet::ColumnSpec> schema = KindsSchema();
  ASSERT_EQ(reader.columns().size(), schema.size());
  for (size_t c = 0; c < schema.size(); ++c) {
    EXPECT_EQ(reader.columns()[c].name, schema[c].name);
    EXPECT_EQ(reader.columns()[c].kind, schema[c].type) << schema[c].name;
    EXPECT_EQ(reader.columns()[c].shape, DatasetRowShape(schema[c])) << schema[c].name;
  }
  EXPECT_EQ(reader.columns()[10].shape, std::vector<int64_t>({1, 2, 3}));  // i64_shaped
  EXPECT_EQ(reader.columns()[3].shape, std::vector<int64_t>({3}));         // bools: flat
  EXPECT_TRUE(reader.columns()[2].shape.empty());                          // flag: a scalar

  ASSERT_EQ(reader.num_row_groups(), 3);
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    const std::vector<DatasetColumnData> columns = reader.ReadRowGroup(g, {});
    for (size_t c = 0; c < schema.size(); ++c) ExpectColumn(columns[c], c, reader.row_group_first_row(g));
  }
  RowGroupCursor cursor = reader.OpenRowGroup(1, {"bools_shaped", "i8", "flag"});
  int64_t row = reader.row_group_first_row(1);
  while (cursor.rows_left() > 0) {
    const std::vector<DatasetColumnData> part = cursor.Read(37);
    ExpectColumn(part[0], 4, row);
    ExpectColumn(part[1], 5, row);
    ExpectColumn(part[2], 2, row);
    row += part[0].rows;
  }
  EXPECT_EQ(row, reader.row_group_first_row(2));
  // Zero rows still have the list's width and shape.
  RowGroupCursor done = reader.OpenRowGroup(0, {"i16_shaped"});
  const std::vector<DatasetColumnData> none = done.Read(0);
  EXPECT_EQ(none[0].rows, 0);
  EXPECT_EQ(none[0].width, 6);
  EXPECT_EQ(none[0].shape, std::vector<int64_t>({3, 2}));
}

TEST(DatasetReaderKinds, PartsWhoseShapesDifferAreRefusedAndAShapeMustFitTheLists) {
  TempDir dir;
  const auto parts = dir / "samples";
  std::filesystem::create_directory(parts);
  WriteKindsFile(parts / "part-00000.parquet", 10, 10, {}, kDatasetFooter);
  // The same columns and values, but i8_shaped's shape [2,2] recorded as [4, 1].
  std::vector<parquet::ColumnSpec> other = KindsSchema();
  other[6].shape = {4, 1};
  std::vector<std::pair<std::string, std::string>> footer = kDatasetFooter;
  footer.emplace_back(kArrowSchemaKey, ArrowSchemaBase64(other));
  WriteKindsFile(parts / "part-00001.parquet", 10, 10, {}, footer);
  std::ofstream(parts / "_SUCCESS").flush();
  try {
    DatasetReader reader(parts);
    FAIL() << "parts of different shapes were read";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), (parts / "part-00001.parquet").string() + ": its columns differ from those of " +
                                         (parts / "part-00000.parquet").string());
  }
  // A file whose ARROW:schema records a shape that is not its lists' length.
  other = KindsSchema();
  other[5].list_size = 3;  // i8 recorded as a list of 3, shaped [3]
  other[5].shape = {3};
  footer = kDatasetFooter;
  footer.emplace_back(kArrowSchemaKey, ArrowSchemaBase64(other));
  WriteKindsFile(dir / "bad.parquet", 10, 10, {}, footer);
  const DatasetReader bad(dir / "bad.parquet");
  EXPECT_EQ(bad.columns()[5].shape, std::vector<int64_t>({3}));
  try {
    bad.ReadRowGroup(0, {"i8"});
    FAIL() << "lists of 4 values were read with a shape of 3";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "bad.parquet").string() +
                                         ": column 'i8', row group 0: lists of 4 values, but its ARROW:schema says [3]");
  }
}

// Python's DatasetReader (the binding barforge.open_dataset reads through)
// gives the same file as numpy arrays of (n, *shape), bools as numpy bool.
TEST(DatasetReaderKinds, PythonGetsNumpyArraysOfEachRowsShape) {
  const std::string python = std::string(BARFORGE_SOURCE_DIR) + "/.venv/bin/python";
  if (!std::filesystem::exists(python)) GTEST_SKIP() << "no " << python << ": run make python";
  TempDir dir;
  const auto path = dir / "kinds.parquet";
  WriteKindsFile(path, 300, 300, {}, kDatasetFooter);
  const std::string script = std::string(BARFORGE_SOURCE_DIR) + "/tests/parquet/reader/python_kinds_check.py";
  const auto result = barforge::testing::RunCommand(barforge::testing::ShellQuote(python) + " " +
                                                    barforge::testing::ShellQuote(script) + " " +
                                                    barforge::testing::ShellQuote(path.string()) + " 300");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "ok\n") << result.err;
}

}  // namespace
}  // namespace barforge
