// DatasetLayout: the one description of a samples file, made from a config
// or read back from a file's footer.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

std::vector<std::string> Names(const std::vector<parquet::ColumnSpec>& schema) {
  std::vector<std::string> names;
  for (const auto& column : schema) names.push_back(column.name);
  return names;
}

TEST(DatasetLayout, DefaultColumnsAndListLengths) {
  Config config;
  config.window = 10;
  const DatasetLayout layout = DatasetLayout::FromConfig(config);
  const auto schema = layout.Schema();
  EXPECT_EQ(Names(schema), (std::vector<std::string>{"sample_id", "ticker", "timestamp", "bar_index", "ohlc", "volume",
                                                     "meta", "rewards", "fwd_return"}));
  EXPECT_EQ(schema[4].list_size, 40);
  EXPECT_EQ(schema[5].list_size, 10);
  EXPECT_EQ(schema[6].list_size, 6);
  EXPECT_EQ(schema[7].list_size, kActionCount);
  // ohlc 4W + volume W + meta 6 + rewards 3 + fwd_return 1 float32 values.
  EXPECT_EQ(layout.RawFloatBytesPerRow(), 4 * (5 * 10 + 6 + 3 + 1));
}

TEST(DatasetLayout, ReadBackFromTheFooterOfABuiltFile) {
  TempDir dir;
  WriteConfig(dir.path(), "data_dir: d\ntickers: [A]\nsynthetic: {n_bars: 300}\nwindow: 12\nhorizon: 5\nn_samples: 50\n");
  const CommandResult build = RunBarforge(dir.path(), "build --config config.yaml --quiet");
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const DatasetLayout layout = DatasetLayout::FromFile(dir / "d/samples_50.parquet");
  EXPECT_EQ(layout.window, 12);
  EXPECT_EQ(layout.horizon, 5);
  EXPECT_TRUE(layout.extra_horizons.empty());
  const parquet::ParquetReader reader(dir / "d/samples_50.parquet");
  ASSERT_EQ(reader.columns().size(), layout.Columns().size());
  for (size_t c = 0; c < reader.columns().size(); ++c) {
    EXPECT_EQ(reader.columns()[c].name, layout.Columns()[c].spec.name);
  }
}

TEST(DatasetLayout, RefusesMetadataWithoutAStoredConfig) {
  try {
    DatasetLayout::FromKeyValueMetadata({{"other", "x"}}, "f.parquet");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "f.parquet: not a barforge dataset (its footer has no barforge.config, nor the barforge.bars of a "
                 "transform --all file)");
  }
  try {
    DatasetLayout::FromKeyValueMetadata({{"barforge.config", "window: 1\n"}}, "f.parquet");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(),
                 "f.parquet: key-value metadata 'barforge.config': key 'window': must be >= 2, got 1");
  }
}

}  // namespace
}  // namespace barforge::testing
