#include "barforge/dataset_layout.h"

#include <fmt/format.h>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "features/meta_scaler.h"
#include "dataset/dataset_footer.h"
#include "features/window_features.h"

namespace barforge {

namespace {

// A list column of `shape` per row (row-major; list_size its product).
parquet::ColumnSpec ListColumn(std::string name, parquet::ColumnType type, std::vector<int32_t> shape) {
  parquet::ColumnSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.list_size = 1;
  for (const int32_t d : shape) spec.list_size *= d;
  spec.shape = std::move(shape);
  return spec;
}

}  // namespace

DatasetLayout DatasetLayout::FromConfig(const Config& config, std::vector<std::string> tickers) {
  DatasetLayout layout;
  layout.window = config.window;
  layout.horizon = config.horizon;
  layout.extra_horizons = config.extra_horizons;
  layout.triple_barrier = config.triple_barrier;
  if (config.cross_section) layout.cross_section_tickers = tickers.empty() ? config.tickers : std::move(tickers);
  return layout;
}

DatasetLayout DatasetLayout::FeatureFile(int window) {
  DatasetLayout layout;
  layout.window = window;
  layout.horizon = 0;
  layout.features_only = true;
  return layout;
}

DatasetLayout DatasetLayout::FromKeyValueMetadata(
    const std::vector<std::pair<std::string, std::string>>& key_values, const std::filesystem::path& file) {
  const DatasetFooter footer = DatasetFooter::FromKeyValues(key_values);
  if (footer.config) {
    const std::string where = fmt::format("{}: key-value metadata '{}'", file.string(), DatasetFooter::kConfigKey);
    Config config;
    try {
      config = LoadConfigText(*footer.config, where);
    } catch (const ConfigError& e) {
      throw DataError(e.what());
    }
    return FromConfig(config, config.cross_section ? footer.Tickers(file) : std::vector<std::string>{});
  }
  // A feature file of `transform --all`: the window is its scaler's.
  if (footer.bars && footer.scaler) {
    try {
      return FeatureFile(MetaScaler::FromJson(*footer.scaler).window);
    } catch (const DataError& e) {
      throw DataError(
          fmt::format("{}: key-value metadata '{}': {}", file.string(), DatasetFooter::kScalerKey, e.what()));
    }
  }
  throw DataError(fmt::format("{}: not a barforge dataset (its footer has no {}, nor the {} of a transform --all "
                              "file)",
                              file.string(), DatasetFooter::kConfigKey, DatasetFooter::kBarsKey));
}

DatasetLayout DatasetLayout::FromFile(const std::filesystem::path& file) {
  return FromKeyValueMetadata(parquet::ParquetReader(file).key_value_metadata(), file);
}

std::vector<DatasetColumn> DatasetLayout::Columns() const {
  using parquet::ColumnType;
  using Kind = DatasetColumnKind;
  constexpr auto kNanos = parquet::TimeUnit::kNanos;
  if (features_only) {
    return {
        {Kind::kTimestamp, {"timestamp", ColumnType::kTimestamp, kNanos}},
        {Kind::kBarIndex, {"bar_index", ColumnType::kInt64}},
        {Kind::kPosition, {"position", ColumnType::kInt64}},
        {Kind::kOhlc, {"ohlc", ColumnType::kFloatList, kNanos, 4 * window}},
        {Kind::kVolume, {"volume", ColumnType::kFloatList, kNanos, window}},
        {Kind::kMeta, {"meta", ColumnType::kFloatList, kNanos, kMetaFeatureCount}},
    };
  }
  if (cross_section()) return CrossSectionColumns();
  std::vector<DatasetColumn> columns = {
      {Kind::kSampleId, {"sample_id", ColumnType::kInt64}},
      {Kind::kTicker, {"ticker", ColumnType::kString}},
      {Kind::kTimestamp, {"timestamp", ColumnType::kTimestamp, kNanos}},
      {Kind::kBarIndex, {"bar_index", ColumnType::kInt64}},
      {Kind::kOhlc, {"ohlc", ColumnType::kFloatList, kNanos, 4 * window}},
      {Kind::kVolume, {"volume", ColumnType::kFloatList, kNanos, window}},
      {Kind::kMeta, {"meta", ColumnType::kFloatList, kNanos, kMetaFeatureCount}},
      {Kind::kRewards, {"rewards", ColumnType::kFloatList, kNanos, kActionCount}},
      {Kind::kFwdReturn, {"fwd_return", ColumnType::kFloat}},
  };
  for (const int h : extra_horizons) {
    columns.push_back({Kind::kExtraFwdReturn, {fmt::format("fwd_return_{}", h), ColumnType::kFloat}, h});
  }
  if (triple_barrier) {
    columns.push_back({Kind::kTbLabel, {"tb_label", ColumnType::kInt8}});
    columns.push_back({Kind::kTbBars, {"tb_bars", ColumnType::kInt16}});
    columns.push_back({Kind::kTbReturn, {"tb_return", ColumnType::kFloat}});
  }
  return columns;
}

std::vector<DatasetColumn> DatasetLayout::CrossSectionColumns() const {
  using parquet::ColumnType;
  using Kind = DatasetColumnKind;
  const auto m = static_cast<int32_t>(cross_section_tickers.size());
  std::vector<DatasetColumn> columns = {
      {Kind::kSampleId, {"sample_id", ColumnType::kInt64}},
      {Kind::kTimestamp, {"timestamp", ColumnType::kTimestamp, parquet::TimeUnit::kNanos}},
      {Kind::kPresent, ListColumn("present", ColumnType::kBoolList, {m})},
      {Kind::kBarIndex, ListColumn("bar_index", ColumnType::kInt64List, {m})},
      {Kind::kOhlc, ListColumn("ohlc", ColumnType::kFloatList, {m, window, 4})},
      {Kind::kVolume, ListColumn("volume", ColumnType::kFloatList, {m, window})},
      {Kind::kMeta, ListColumn("meta", ColumnType::kFloatList, {m, static_cast<int32_t>(kMetaFeatureCount)})},
      {Kind::kRewards, ListColumn("rewards", ColumnType::kFloatList, {m, static_cast<int32_t>(kActionCount)})},
      {Kind::kFwdReturn, ListColumn("fwd_return", ColumnType::kFloatList, {m})},
  };
  for (const int h : extra_horizons) {
    columns.push_back({Kind::kExtraFwdReturn, ListColumn(fmt::format("fwd_return_{}", h), ColumnType::kFloatList, {m}), h});
  }
  if (triple_barrier) {
    columns.push_back({Kind::kTbLabel, ListColumn("tb_label", ColumnType::kInt8List, {m})});
    columns.push_back({Kind::kTbBars, ListColumn("tb_bars", ColumnType::kInt16List, {m})});
    columns.push_back({Kind::kTbReturn, ListColumn("tb_return", ColumnType::kFloatList, {m})});
  }
  return columns;
}

std::vector<parquet::ColumnSpec> DatasetLayout::Schema() const {
  std::vector<parquet::ColumnSpec> schema;
  for (DatasetColumn& column : Columns()) schema.push_back(std::move(column.spec));
  return schema;
}

int64_t DatasetLayout::RawFloatBytesPerRow() const {
  int64_t values = 0;
  for (const DatasetColumn& column : Columns()) {
    if (column.spec.type == parquet::ColumnType::kFloatList) values += column.spec.list_size;
    if (column.spec.type == parquet::ColumnType::kFloat) values += 1;
  }
  return values * static_cast<int64_t>(sizeof(float));
}

}  // namespace barforge
