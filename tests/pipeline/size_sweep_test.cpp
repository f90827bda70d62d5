// Builds at the edges of sizes: n_samples 1, chunk_rows 1, and n_samples
// around a chunk_rows boundary. Each file validates and holds the same rows
// as the same build in one row group.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"
#include "text/human.h"
#include "support/same_rows.h"

namespace barforge::testing {
namespace {

constexpr const char* kConfig = R"(data_dir: data
tickers: [AAA, BBB]
synthetic: {n_bars: 300}
window: 8
horizon: 2
)";

class BuildSizeSweep : public ::testing::Test {
 protected:
  void SetUp() override { WriteConfig(dir_.path(), kConfig); }

  // Builds n samples in row groups of chunk_rows; returns the file.
  std::filesystem::path Build(int64_t n, int64_t chunk_rows) {
    const std::string name = fmt::format("s_{}_{}", n, chunk_rows);
    const CommandResult result = RunBarforge(
        dir_.path(), fmt::format("build --config config.yaml --quiet --set n_samples={} --set chunk_rows={} "
                                 "--set samples_filename={}.parquet --set scaler_filename={}.json",
                                 n, chunk_rows, name, name));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return dir_ / ("data/" + name + ".parquet");
  }

  void ExpectValid(const std::filesystem::path& file, int64_t rows) {
    const CommandResult result = RunBarforge(dir_.path(), "validate " + ShellQuote(file.string()));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find(fmt::format("valid: {} row{} in ", text::Thousands(rows), rows == 1 ? "" : "s")),
              std::string::npos)
        << result.out;
  }

  TempDir dir_;
};

TEST_F(BuildSizeSweep, OneSample) {
  const auto file = Build(1, 262144);
  const parquet::ParquetReader reader(file);
  EXPECT_EQ(reader.num_rows(), 1);
  EXPECT_EQ(reader.num_row_groups(), 1);
  ExpectValid(file, 1);
}

TEST_F(BuildSizeSweep, OneRowPerRowGroup) {
  const auto file = Build(5, 1);
  const parquet::ParquetReader reader(file);
  EXPECT_EQ(reader.num_row_groups(), 5);
  for (int g = 0; g < 5; ++g) EXPECT_EQ(reader.row_group_num_rows(g), 1);
  ExpectValid(file, 5);
  ExpectSameRows(file, Build(5, 1000), "chunk_rows 1 vs one row group");
}

TEST_F(BuildSizeSweep, SampleCountsAroundARowGroupBoundary) {
  constexpr int64_t kChunk = 4;
  for (const int64_t n : {kChunk - 1, kChunk, kChunk + 1}) {
    const auto file = Build(n, kChunk);
    const parquet::ParquetReader reader(file);
    EXPECT_EQ(reader.num_rows(), n);
    EXPECT_EQ(reader.num_row_groups(), n > kChunk ? 2 : 1);
    EXPECT_EQ(reader.row_group_num_rows(reader.num_row_groups() - 1), n > kChunk ? 1 : n);
    ExpectSameRows(file, Build(n, 1000), fmt::format("n_samples {} in row groups of {}", n, kChunk));
  }
}

}  // namespace
}  // namespace barforge::testing
