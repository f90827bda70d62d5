// BarsDataset: the rows of a bars dataset, computed when they are read by
// the per-chunk code of a build (SampleChunk), so they are the samples
// file's rows bit for bit.

#include "barforge/bars_dataset.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <system_error>
#include <unordered_map>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "barforge/version.h"
#include "dataset/dataset_footer.h"
#include "features/meta_scaler.h"
#include "features/prepared_series.h"
#include "pipeline/bars_dataset_writer.h"
#include "pipeline/column_selection.h"
#include "pipeline/sample_chunk.h"
#include "pipeline/split_plan.h"
#include "rawdata/bar_series.h"

namespace barforge {

namespace {

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Rows per block of the window features, filled on all threads.
constexpr int64_t kFillRows = 1024;

}  // namespace

bool IsBarsDataset(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  try {
    for (const auto& [key, value] : parquet::ParquetReader(path).key_value_metadata()) {
      if (key == kStorageMetadataKey) return value == "bars";
    }
  } catch (const Error&) {
    return false;
  }
  return false;
}

struct BarsDataset::State {
  std::filesystem::path path;
  std::vector<std::pair<std::string, std::string>> key_values;
  Config config;
  DatasetLayout layout;
  MetaScaler scaler;
  std::vector<DatasetColumnInfo> columns;
  std::vector<DatasetColumn> layout_columns;  // by column index
  std::vector<int64_t> bar_counts;
  std::vector<BarSeries> series;
  std::vector<PreparedSeries> prepared;
  std::vector<SplitPlan> splits;
  size_t split_index = 0;
  std::string split;
  int64_t num_rows = 0;

  std::vector<size_t> ColumnIndices(const std::vector<std::string>& names) const {
    return SelectColumns(columns, names, path);
  }
};

BarsDataset::BarsDataset(const std::filesystem::path& path) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) throw NotFoundError(fmt::format("{}: dataset not found", path.string()));
  const parquet::ParquetReader reader(path);
  s.key_values = reader.key_value_metadata();
  const DatasetFooter footer = DatasetFooter::FromKeyValues(s.key_values);
  const std::string storage = Metadata(kStorageMetadataKey);
  if (storage != "bars" || !footer.config) {
    throw DataError(fmt::format("{}: not a bars dataset (no {}: bars and {} in its footer)", path.string(),
                                kStorageMetadataKey, DatasetFooter::kConfigKey));
  }
  if (footer.version.value_or("") != kVersion) {
    throw DataError(fmt::format("{}: a bars dataset of barforge {}, which this barforge {} does not read: its rows are "
                                "computed when read, and another version may compute other rows; rebuild it with "
                                "this barforge (barforge build), or materialize it (--set storage=windows) with "
                                "barforge {}",
                                path.string(), footer.version.value_or("(unknown)"), kVersion,
                                footer.version.value_or("(unknown)")));
  }
  const std::string where = fmt::format("{}: key-value metadata '{}'", path.string(), DatasetFooter::kConfigKey);
  s.config = LoadConfigText(*footer.config, where);
  s.layout = DatasetLayout::FromConfig(s.config);
  if (!footer.scaler) throw DataError(fmt::format("{}: bars dataset without a scaler in its footer", path.string()));
  s.scaler = MetaScaler::FromJson(*footer.scaler);
  s.split = footer.split.value_or("");

  const auto broken = [&](const std::string& what) {
    return DataError(fmt::format("{}: broken bars dataset: {}", path.string(), what));
  };
  try {
    s.bar_counts = nlohmann::json::parse(Metadata(kBarCountsMetadataKey)).get<std::vector<int64_t>>();
  } catch (const nlohmann::json::exception&) {
    throw broken(fmt::format("unreadable {}", kBarCountsMetadataKey));
  }
  if (s.bar_counts.size() != s.config.tickers.size()) {
    throw broken(fmt::format("{} has {} tickers, its config {}", kBarCountsMetadataKey, s.bar_counts.size(),
                             s.config.tickers.size()));
  }
  const std::vector<parquet::ColumnSpec> schema = BarsDatasetSchema();
  if (reader.columns().size() != schema.size()) {
    throw broken(fmt::format("{} columns, not {}", reader.columns().size(), schema.size()));
  }
  for (size_t c = 0; c < schema.size(); ++c) {
    if (reader.columns()[c].name != schema[c].name) {
      throw broken(fmt::format("column {} is '{}', not '{}'", c, reader.columns()[c].name, schema[c].name));
    }
  }
  // The bars of every ticker, one after the other; row groups never span two.
  int64_t total = 0;
  for (const int64_t count : s.bar_counts) {
    if (count < 0) throw broken(fmt::format("{} holds a negative count", kBarCountsMetadataKey));
    total += count;
  }
  int64_t stored = 0;
  for (int g = 0; g < reader.num_row_groups(); ++g) stored += reader.row_group_num_rows(g);
  if (stored != total) throw broken(fmt::format("{} bars stored, {} says {}", stored, kBarCountsMetadataKey, total));
  s.series.resize(s.bar_counts.size());
  size_t ticker = 0;
  int group = 0;
  for (BarSeries& bars : s.series) {
    bars.ticker = s.config.tickers[ticker];
    bars.source = path;
    const auto count = static_cast<size_t>(s.bar_counts[ticker++]);
    while (bars.timestamp_ns.size() < count) {
      if (group >= reader.num_row_groups()) throw broken("fewer bars than its footer says");
      const auto append = [&](std::vector<double>& out, size_t column) {
        const parquet::ColumnBuffer buffer = reader.ReadColumnChunk(column, group);
        out.insert(out.end(), buffer.doubles.begin(), buffer.doubles.end());
      };
      const parquet::ColumnBuffer timestamps = reader.ReadColumnChunk(0, group);
      bars.timestamp_ns.insert(bars.timestamp_ns.end(), timestamps.int64s.begin(), timestamps.int64s.end());
      append(bars.open, 1);
      append(bars.high, 2);
      append(bars.low, 3);
      append(bars.close, 4);
      append(bars.volume, 5);
      ++group;
    }
    if (bars.timestamp_ns.size() != count || bars.volume.size() != count) {
      throw broken(fmt::format("ticker '{}': a row group spans two tickers", bars.ticker));
    }
  }
  // On this thread only: no oneTBB worker starts before a DataLoader forks
  // its workers from the process that opened the dataset.
  s.prepared.resize(s.series.size());
  for (size_t t = 0; t < s.series.size(); ++t) s.prepared[t] = PrepareSeries(s.series[t]);
  s.splits = PlanBuild(s.config, s.series).splits;
  // Rows need the per-bar logs and the timestamps only: the prices and
  // volumes go (40 of the 104 bytes a bar held).
  for (BarSeries& bars : s.series) {
    for (std::vector<double>* prices : {&bars.open, &bars.high, &bars.low, &bars.close, &bars.volume}) {
      std::vector<double>().swap(*prices);
    }
  }
  if (!s.config.splits.empty()) {
    const auto it = std::find_if(s.splits.begin(), s.splits.end(), [&](const SplitPlan& p) { return p.name == s.split; });
    if (it == s.splits.end()) throw broken(fmt::format("split '{}' is not one of its config's", s.split));
    s.split_index = static_cast<size_t>(it - s.splits.begin());
  }
  s.num_rows = s.splits[s.split_index].n_samples;
  if (Metadata(kRowsMetadataKey) != std::to_string(s.num_rows)) {
    throw broken(fmt::format("its bars give {} rows, its footer says {}", s.num_rows, Metadata(kRowsMetadataKey)));
  }
  for (const DatasetColumn& column : s.layout.Columns()) {
    if (column.kind == DatasetColumnKind::kPosition) continue;
    s.columns.push_back({column.spec.name, column.spec.type, DatasetRowShape(column.spec)});
    s.layout_columns.push_back(column);
  }
}

BarsDataset::~BarsDataset() = default;
BarsDataset::BarsDataset(BarsDataset&&) noexcept = default;
BarsDataset& BarsDataset::operator=(BarsDataset&&) noexcept = default;

const std::filesystem::path& BarsDataset::path() const { return state_->path; }
int64_t BarsDataset::num_rows() const { return state_->num_rows; }
const std::vector<DatasetColumnInfo>& BarsDataset::columns() const { return state_->columns; }
const std::vector<std::pair<std::string, std::string>>& BarsDataset::key_value_metadata() const {
  return state_->key_values;
}
std::string BarsDataset::Metadata(const std::string& key) const {
  for (const auto& [k, v] : state_->key_values) {
    if (k == key) return v;
  }
  return {};
}
const Config& BarsDataset::config() const { return state_->config; }
const std::vector<int64_t>& BarsDataset::bars_per_ticker() const { return state_->bar_counts; }
const std::string& BarsDataset::split() const { return state_->split; }

std::vector<DatasetColumnData> BarsDataset::ReadRows(int64_t start, int64_t stop,
                                                     const std::vector<std::string>& names) const {
  if (start < 0 || stop < start || stop > num_rows()) {
    throw DataError(fmt::format("{}: rows [{}, {}) are not within its {} rows", path().string(), start, stop,
                                num_rows()));
  }
  std::vector<int64_t> ids(static_cast<size_t>(stop - start));
  for (size_t r = 0; r < ids.size(); ++r) ids[r] = start + static_cast<int64_t>(r);
  return ReadSamples(ids, names);
}

std::vector<DatasetColumnData> BarsDataset::ReadSamples(std::span<const int64_t> sample_ids,
                                                        const std::vector<std::string>& names) const {
  const State& s = *state_;
  const std::vector<size_t> indices = s.ColumnIndices(names);
  for (const int64_t id : sample_ids) {
    if (id < 0 || id >= s.num_rows) {
      throw DataError(fmt::format("{}: sample {} is not within its {} rows", s.path.string(), id, s.num_rows));
    }
  }
  const auto rows = static_cast<int64_t>(sample_ids.size());
  const ChunkInputs inputs{&s.splits[s.split_index].sampler, s.prepared, &s.scaler, &s.layout,
                           s.config.fee_bps * 1e-4, nullptr};
  ChunkStageClock clock;
  SampleChunk chunk;
  chunk.Compute(inputs, sample_ids, clock);
  const parquet::RowGroupData data = chunk.View(s.config.tickers);

  std::vector<DatasetColumnData> out(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    const size_t c = indices[i];
    const DatasetColumn& column = s.layout_columns[c];
    DatasetColumnData& column_out = out[i];
    column_out.name = s.columns[c].name;
    column_out.kind = s.columns[c].kind;
    column_out.shape = s.columns[c].shape;
    column_out.rows = rows;
    column_out.width = column.spec.type == parquet::ColumnType::kFloatList ? column.spec.list_size : 1;
    const parquet::ColumnValues& values = data.columns[c];
    if (const auto* v = std::get_if<std::span<const int64_t>>(&values)) {
      column_out.int64s.assign(v->begin(), v->end());
    } else if (const auto* f = std::get_if<std::span<const float>>(&values)) {
      column_out.floats.assign(f->begin(), f->end());
    } else if (const auto* i8 = std::get_if<std::span<const int8_t>>(&values)) {
      column_out.int8s.assign(i8->begin(), i8->end());
    } else if (const auto* i16 = std::get_if<std::span<const int16_t>>(&values)) {
      column_out.int16s.assign(i16->begin(), i16->end());
    } else if (const auto* strings = std::get_if<parquet::DictionaryStrings>(&values)) {
      // Codes into the values in first-seen order, as DatasetReader gives them.
      std::unordered_map<int32_t, int32_t> seen;
      column_out.codes.resize(strings->indices.size());
      for (size_t r = 0; r < strings->indices.size(); ++r) {
        const int32_t index = strings->indices[r];
        const auto [it, inserted] = seen.try_emplace(index, static_cast<int32_t>(seen.size()));
        if (inserted) column_out.dictionary.push_back(strings->dictionary[static_cast<size_t>(index)]);
        column_out.codes[r] = it->second;
      }
    } else if (const auto* pages = std::get_if<parquet::FloatPages>(&values)) {
      const int64_t width = column_out.width;
      column_out.floats.resize(static_cast<size_t>(rows * width));
      tbb::parallel_for(tbb::blocked_range<int64_t>(0, rows, kFillRows), [&](const tbb::blocked_range<int64_t>& b) {
        pages->fill(pages->source, b.begin(), b.end() - b.begin(),
                    std::span<float>(column_out.floats.data() + b.begin() * width,
                                     static_cast<size_t>((b.end() - b.begin()) * width)));
      });
    } else {
      throw DataError(fmt::format("{}: column '{}' of a kind a bars dataset does not compute", s.path.string(),
                                  column_out.name));
    }
  }
  return out;
}

int64_t BarsDataset::CheckRows() const {
  constexpr int64_t kBlock = 65536;
  int64_t checked = 0;
  for (int64_t start = 0; start < num_rows(); start += kBlock) {
    const int64_t stop = std::min(num_rows(), start + kBlock);
    for (const DatasetColumnData& column : ReadRows(start, stop, {})) {
      const auto fail = [&](size_t value, const std::string& what) {
        return DataError(fmt::format("{}: column '{}', row {}: {}", path().string(), column.name,
                                     start + static_cast<int64_t>(value) / column.width, what));
      };
      for (size_t v = 0; v < column.floats.size(); ++v) {
        if (!std::isfinite(column.floats[v])) throw fail(v, fmt::format("{} is not finite", column.floats[v]));
      }
      checked += static_cast<int64_t>(column.floats.size());
      if (column.name != "bar_index") continue;
      for (size_t r = 0; r < column.int64s.size(); ++r) {
        if (column.int64s[r] < state_->layout.window - 1) {
          throw fail(r, fmt::format("bar_index {} is below W - 1 = {}", column.int64s[r], state_->layout.window - 1));
        }
      }
    }
  }
  return checked;
}

int64_t BarsDataset::EpochSampleId(int64_t n, bool shuffle, uint64_t seed, int64_t position) {
  if (position < 0 || position >= n) {
    throw DataError(fmt::format("epoch position {} is not within [0, {})", position, n));
  }
  if (!shuffle || n < 2) return position;
  // A balanced Feistel network over [0, 2^(2*half)) >= n, with cycle walking:
  // a permutation of that range restricted to [0, n) is one of [0, n).
  int half = 1;
  while (2 * half < 62 && (uint64_t{1} << (2 * half)) < static_cast<uint64_t>(n)) ++half;
  const uint64_t mask = (uint64_t{1} << half) - 1;
  auto x = static_cast<uint64_t>(position);
  do {
    uint64_t left = x >> half, right = x & mask;
    for (uint64_t round = 0; round < 6; ++round) {
      const uint64_t f = Mix64(right ^ Mix64(seed + round * 0x9E3779B97F4A7C15ULL)) & mask;
      const uint64_t next = left ^ f;
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= static_cast<uint64_t>(n));
  return static_cast<int64_t>(x);
}

std::vector<int64_t> BarsDataset::EpochSampleIds(bool shuffle, uint64_t seed, int64_t begin, int64_t end) const {
  if (begin < 0 || end < begin || end > num_rows()) {
    throw DataError(fmt::format("{}: epoch positions [{}, {}) are not within its {} rows", path().string(), begin, end,
                                num_rows()));
  }
  std::vector<int64_t> ids(static_cast<size_t>(end - begin));
  for (size_t i = 0; i < ids.size(); ++i) {
    ids[i] = EpochSampleId(num_rows(), shuffle, seed, begin + static_cast<int64_t>(i));
  }
  return ids;
}

}  // namespace barforge
