// `barforge validate` on the triple-barrier columns: hand-written files with
// the layout of a triple_barrier config, valid, then with one bad value each.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/parquet_writer.h"
#include "pipeline/dataset_validation.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

using testing::TempDir;

constexpr int kRows = 3;

// Writes a dataset of kRows rows (window 4, horizon 5) whose triple-barrier
// columns hold `labels` and `bars`; every other value is valid.
std::filesystem::path WriteDataset(const TempDir& dir, const std::vector<int8_t>& labels,
                                   const std::vector<int16_t>& bars) {
  const Config config = LoadConfigText("window: 4\nhorizon: 5\ntriple_barrier: {profit: 1, stop: 1}\n", "test");
  const DatasetLayout layout = DatasetLayout::FromConfig(config);
  parquet::WriterOptions options;
  options.key_value_metadata = {{"barforge.config", StoredConfigYaml(config)}};
  const auto path = dir / "samples.parquet";
  parquet::ParquetWriter writer(path, layout.Schema(), options);
  const std::vector<int64_t> ids = {0, 1, 2}, stamps = {1, 2, 3}, bar_index = {3, 4, 5};
  const std::vector<std::string> tickers = {"AAA"};
  const std::vector<int32_t> ticker_index(kRows, 0);
  const std::vector<float> ohlc(kRows * 16, 0.0F), volume(kRows * 4, 0.0F), meta(kRows * 6, 0.0F),
      rewards(kRows * 3, 0.0F), scalar(kRows, 0.01F);
  parquet::RowGroupData data{kRows,
                             {std::span<const int64_t>(ids), parquet::DictionaryStrings{tickers, ticker_index},
                              std::span<const int64_t>(stamps), std::span<const int64_t>(bar_index),
                              std::span<const float>(ohlc), std::span<const float>(volume),
                              std::span<const float>(meta), std::span<const float>(rewards),
                              std::span<const float>(scalar), std::span<const int8_t>(labels),
                              std::span<const int16_t>(bars), std::span<const float>(scalar)}};
  writer.WriteRowGroup(data);
  writer.Close();
  return path;
}

std::string ValidationError(const std::filesystem::path& path) {
  try {
    ValidateDataset(path);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(TripleBarrierValidation, ValidColumnsPass) {
  TempDir dir;
  const auto path = WriteDataset(dir, {1, 0, -1}, {2, 5, 5});
  EXPECT_EQ(ValidationError(path), "");
  EXPECT_EQ(ValidateDataset(path).rows, kRows);
}

TEST(TripleBarrierValidation, EachBadValueIsNamedWithItsRow) {
  TempDir dir;
  const std::string file = (dir / "samples.parquet").string();
  EXPECT_EQ(ValidationError(WriteDataset(dir, {1, 2, 0}, {2, 5, 5})),
            file + ": column 'tb_label', row 1: value 2, expected -1, 0 or 1");
  EXPECT_EQ(ValidationError(WriteDataset(dir, {1, 0, -1}, {0, 5, 5})),
            file + ": column 'tb_bars', row 0: value 0 is outside 1..5 (horizon)");
  EXPECT_EQ(ValidationError(WriteDataset(dir, {1, 0, -1}, {2, 5, 6})),
            file + ": column 'tb_bars', row 2: value 6 is outside 1..5 (horizon)");
  EXPECT_EQ(ValidationError(WriteDataset(dir, {1, 0, -1}, {2, 4, 5})),
            file + ": column 'tb_bars', row 1: value 4 with tb_label 0, expected 5 (horizon)");
}

}  // namespace
}  // namespace barforge
