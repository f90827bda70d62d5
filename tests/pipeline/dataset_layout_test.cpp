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

TEST(DatasetLayout, CrossSectionColumnsHaveTheShapesOfMTickers) {
  Config config;
  config.window = 10;
  config.cross_section = true;
  config.extra_horizons = {2};
  config.triple_barrier = TripleBarrierConfig{1, 1};
  config.tickers = {"A", "B", "C", "D"};
  // The plan's members (one skipped): M = 3.
  const DatasetLayout layout = DatasetLayout::FromConfig(config, {"A", "C", "D"});
  ASSERT_TRUE(layout.cross_section());
  const auto schema = layout.Schema();
  EXPECT_EQ(Names(schema), (std::vector<std::string>{"sample_id", "timestamp", "present", "bar_index", "ohlc", "volume",
                                                     "meta", "rewards", "fwd_return", "fwd_return_2", "tb_label",
                                                     "tb_bars", "tb_return"}));
  using parquet::ColumnType;
  const std::vector<std::pair<ColumnType, std::vector<int32_t>>> expected = {
      {ColumnType::kInt64, {}},          {ColumnType::kTimestamp, {}},     {ColumnType::kBoolList, {3}},
      {ColumnType::kInt64List, {3}},     {ColumnType::kFloatList, {3, 10, 4}}, {ColumnType::kFloatList, {3, 10}},
      {ColumnType::kFloatList, {3, 6}},  {ColumnType::kFloatList, {3, 3}}, {ColumnType::kFloatList, {3}},
      {ColumnType::kFloatList, {3}},     {ColumnType::kInt8List, {3}},     {ColumnType::kInt16List, {3}},
      {ColumnType::kFloatList, {3}}};
  for (size_t c = 0; c < schema.size(); ++c) {
    EXPECT_EQ(schema[c].type, expected[c].first) << schema[c].name;
    EXPECT_EQ(schema[c].shape, expected[c].second) << schema[c].name;
    int32_t product = 1;
    for (const int32_t d : expected[c].second) product *= d;
    if (!expected[c].second.empty()) {
      EXPECT_EQ(schema[c].list_size, product) << schema[c].name;
    }
  }
  // Per row: M * (4W + W + 6 + 3 + 1 + 1 + 1) float32 values.
  EXPECT_EQ(layout.RawFloatBytesPerRow(), 4 * 3 * (5 * 10 + 6 + 3 + 3));
  // Single-ticker layouts keep flat lists (no shape: the bytes of before).
  config.cross_section = false;
  for (const auto& spec : DatasetLayout::FromConfig(config).Schema()) EXPECT_TRUE(spec.shape.empty()) << spec.name;
}

TEST(DatasetLayout, ACrossSectionFooterNamesItsTickers) {
  Config config;
  config.cross_section = true;
  std::vector<std::pair<std::string, std::string>> key_values = {{"barforge.config", StoredConfigYaml(config)},
                                                                 {"barforge.tickers", R"(["SYN0","SYN2"])"}};
  const DatasetLayout layout = DatasetLayout::FromKeyValueMetadata(key_values, "f.parquet");
  EXPECT_EQ(layout.cross_section_tickers, (std::vector<std::string>{"SYN0", "SYN2"}));
  key_values.pop_back();
  try {
    DatasetLayout::FromKeyValueMetadata(key_values, "f.parquet");
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "f.parquet: a cross-sectional dataset without 'barforge.tickers' metadata (its tickers)");
  }
  key_values.emplace_back("barforge.tickers", "[1, 2]");
  EXPECT_THROW(DatasetLayout::FromKeyValueMetadata(key_values, "f.parquet"), DataError);
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
