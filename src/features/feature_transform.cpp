// FeatureTransform: the build's feature functions (PrepareSeries, the
// window features, ComputeRawMeta, MetaScaler::Apply) applied to bars in
// memory. Nothing here computes a feature itself, so inference and the
// build cannot drift apart.

#include "barforge/feature_transform.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "barforge/error.h"
#include "dataset/dataset_footer.h"
#include "dataset/parts_layout.h"
#include "features/meta_scaler.h"
#include "features/prepared_series.h"
#include "features/window_features.h"
#include "rawdata/bar_series.h"
#include "rawdata/bar_validation.h"

namespace barforge {

struct FeatureTransform::Impl {
  MetaScaler scaler;
  std::string source;
};

struct PreparedBars::Impl {
  int64_t first = 0;
  std::string source;
  BarSeries bars;           // bars first..last, checked
  PreparedSeries prepared;  // points into `bars` (Impl is never moved)
};

namespace {

// Windows computed per task: enough to amortise scheduling, few enough to
// spread a backtest's windows over all threads.
constexpr size_t kTaskWindows = 512;
constexpr char kParquetMagic[] = "PAR1";

void CheckColumnSizes(const BarColumns& bars) {
  const size_t n = bars.timestamp_ns.size();
  const std::pair<const std::string*, size_t> columns[] = {
      {&bars.names.open, bars.open.size()}, {&bars.names.high, bars.high.size()},
      {&bars.names.low, bars.low.size()},   {&bars.names.close, bars.close.size()},
      {&bars.names.volume, bars.volume.size()}};
  for (const auto& [name, size] : columns) {
    if (size != n) {
      throw DataError(fmt::format("{}: column {} has {} values but column {} has {}", bars.source, *name, size,
                                  bars.names.timestamp, n));
    }
  }
}

// The end bar `end` of `bars` has a whole window of `window` bars.
void CheckEnd(const BarColumns& bars, int64_t end, int window) {
  const int64_t n = bars.size();
  if (n < window) {
    throw DataError(fmt::format("{}: {} bars, fewer than the window of {} bars", bars.source, n, window));
  }
  if (end < 0 || end >= n) {
    throw DataError(fmt::format("{}: end bar {} is out of range (bars 0..{})", bars.source, end, n - 1));
  }
  if (end < window - 1) {
    throw DataError(fmt::format("{}: the window ending at bar {} would need {} bars, only {} are up to it",
                                bars.source, end, window, end + 1));
  }
}

void CheckPosition(const std::string& source, int position) {
  if (position < -1 || position > 1) {
    throw DataError(fmt::format("{}: position must be -1, 0 or 1, got {}", source, position));
  }
}

void CheckScaler(const MetaScaler& scaler, const std::string& source) {
  if (scaler.window < 2) {
    throw DataError(fmt::format("{}: scaler window {} is invalid (must be >= 2)", source, scaler.window));
  }
  for (size_t f = 0; f < kMetaFeatureCount; ++f) {
    if (!std::isfinite(scaler.mean[f]) || !std::isfinite(scaler.std[f]) || scaler.std[f] <= 0) {
      throw DataError(fmt::format("{}: scaler feature {} has mean {} and std {} (need finite, std > 0)", source,
                                  kMetaFeatureNames[f], scaler.mean[f], scaler.std[f]));
    }
  }
}

// A dataset written in parts (a directory of part-NNNNN.parquet): its first
// part, whose footer holds the scaler like every part's.
std::filesystem::path FirstPart(const std::filesystem::path& directory) {
  const auto parts = ListParts(directory);
  if (parts.empty()) {
    throw DataError(fmt::format("{}: a directory without part-*.parquet files (not a dataset written in parts)",
                                directory.string()));
  }
  return parts.front().second;
}

std::ifstream OpenScalerFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string message = fmt::format("{}: cannot open file: {}", path.string(), std::strerror(err));
    if (err == ENOENT) throw NotFoundError(message);
    throw IoError(message);
  }
  return in;
}

// Whether `path` starts as a Parquet file does (a dataset, not a scaler JSON).
bool IsParquetFile(const std::filesystem::path& path) {
  std::ifstream in = OpenScalerFile(path);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 4 && std::memcmp(magic, kParquetMagic, 4) == 0;
}

std::string ReadScalerText(const std::filesystem::path& given) {
  const std::filesystem::path path = std::filesystem::is_directory(given) ? FirstPart(given) : given;
  std::ifstream in = OpenScalerFile(path);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  if (in.gcount() == 4 && std::memcmp(magic, kParquetMagic, 4) == 0) {
    in.close();
    if (auto scaler = DatasetFooter::Read(path).scaler) return *std::move(scaler);
    throw DataError(fmt::format("{}: the file's footer has no {} entry (not a dataset written by barforge build)",
                                path.string(), DatasetFooter::kScalerKey));
  }
  in.clear();
  in.seekg(0);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("{}: read failed", path.string()));
  return text.str();
}

// Copies bars first..last (last < 0: the last bar) into `impl`, reusing its
// memory, checks them with the raw loader's rules, and prepares them.
void PrepareRange(const BarColumns& bars, int64_t first, int64_t last, PreparedBars::Impl& impl) {
  CheckColumnSizes(bars);
  const int64_t n = bars.size();
  if (last < 0) last = n - 1;
  if (first < 0 || first > last || last >= n) {
    throw DataError(fmt::format("{}: bars {}..{} are out of range (bars 0..{})", bars.source, first, last, n - 1));
  }
  impl.first = first;
  impl.source = bars.source;
  BarSeries& series = impl.bars;
  series.source = bars.source;
  series.dropped_bars = 0;
  const auto begin = static_cast<std::ptrdiff_t>(first);
  const auto end = static_cast<std::ptrdiff_t>(last + 1);
  series.timestamp_ns.assign(bars.timestamp_ns.begin() + begin, bars.timestamp_ns.begin() + end);
  series.open.assign(bars.open.begin() + begin, bars.open.begin() + end);
  series.high.assign(bars.high.begin() + begin, bars.high.begin() + end);
  series.low.assign(bars.low.begin() + begin, bars.low.begin() + end);
  series.close.assign(bars.close.begin() + begin, bars.close.begin() + end);
  series.volume.assign(bars.volume.begin() + begin, bars.volume.begin() + end);
  // The raw loader's rules and messages; rows count input bars from 1.
  ValidateBars(series, bars.names, OnBadBar::kError, {}, first + 1);
  PrepareSeriesInto(series, impl.prepared);
}

}  // namespace

PreparedBars::PreparedBars() = default;
PreparedBars::~PreparedBars() = default;
PreparedBars::PreparedBars(PreparedBars&&) noexcept = default;
PreparedBars& PreparedBars::operator=(PreparedBars&&) noexcept = default;
int64_t PreparedBars::first() const { return impl_ ? impl_->first : 0; }
int64_t PreparedBars::last() const { return impl_ ? impl_->first + impl_->bars.size() - 1 : -1; }

FeatureTransform::FeatureTransform(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
FeatureTransform::FeatureTransform(const FeatureTransform&) = default;
FeatureTransform& FeatureTransform::operator=(const FeatureTransform&) = default;
FeatureTransform::FeatureTransform(FeatureTransform&&) noexcept = default;
FeatureTransform& FeatureTransform::operator=(FeatureTransform&&) noexcept = default;
FeatureTransform::~FeatureTransform() = default;

FeatureTransform FeatureTransform::FromJson(const std::string& json, const std::string& source) {
  auto impl = std::make_shared<Impl>();
  impl->source = source;
  try {
    impl->scaler = MetaScaler::FromJson(json);
  } catch (const DataError& e) {
    throw DataError(fmt::format("{}: {}", source, e.what()));
  }
  CheckScaler(impl->scaler, source);
  return FeatureTransform(std::move(impl));
}

FeatureTransform FeatureTransform::FromFile(const std::filesystem::path& path, int expected_window) {
  FeatureTransform transform = FromJson(ReadScalerText(path), path.string());
  if (expected_window > 0 && transform.window() != expected_window) {
    throw DataError(fmt::format("{}: the scaler was fitted with window {}, not {}", path.string(),
                                transform.window(), expected_window));
  }
  return transform;
}

int FeatureTransform::window() const { return impl_->scaler.window; }
int FeatureTransform::horizon() const { return impl_->scaler.horizon; }
int64_t FeatureTransform::count() const { return impl_->scaler.count; }
const std::array<double, kMetaFeatureCount>& FeatureTransform::mean() const { return impl_->scaler.mean; }
const std::array<double, kMetaFeatureCount>& FeatureTransform::std() const { return impl_->scaler.std; }
std::string FeatureTransform::ToJson() const { return impl_->scaler.ToJson(); }
const std::string& FeatureTransform::source() const { return impl_->source; }

PreparedBars FeatureTransform::Prepare(const BarColumns& bars, int64_t first, int64_t last) const {
  PreparedBars prepared;
  prepared.impl_ = std::make_unique<PreparedBars::Impl>();
  PrepareRange(bars, first, last, *prepared.impl_);
  return prepared;
}

void FeatureTransform::TransformInto(const PreparedBars& bars, std::span<const int64_t> ends,
                                     std::span<const int> positions, const FeatureOutput& out) const {
  const PreparedBars::Impl& prepared = *bars.impl_;
  const int window = impl_->scaler.window;
  const auto w = static_cast<size_t>(window);
  const size_t n = ends.size();
  static constexpr int kNoPosition[] = {0};
  if (positions.empty()) positions = kNoPosition;
  if (positions.size() != n && positions.size() != 1) {
    throw DataError(fmt::format("{}: {} positions for {} end bars (give one per end bar, or one for all)",
                                prepared.source, positions.size(), n));
  }
  for (const int position : positions) CheckPosition(prepared.source, position);
  for (const int64_t end : ends) {
    if (end - window + 1 < bars.first() || end > bars.last()) {
      throw DataError(fmt::format("{}: the window ending at bar {} is not inside the prepared bars {}..{}",
                                  prepared.source, end, bars.first(), bars.last()));
    }
  }
  const std::pair<std::span<float>, size_t> outputs[] = {
      {out.ohlc, 4 * w}, {out.volume, w}, {out.meta, kMetaFeatureCount}};
  for (const auto& [span, per_row] : outputs) {
    if (!span.empty() && span.size() != n * per_row) {
      throw DataError(fmt::format("{}: output buffer of {} floats for {} windows of {} floats", prepared.source,
                                  span.size(), n, per_row));
    }
  }

  const MetaScaler& scaler = impl_->scaler;
  const auto compute = [&](size_t begin, size_t end) {
    thread_local std::vector<WindowRef> windows;
    thread_local std::vector<std::array<double, kMetaFeatureCount>> raw_meta;
    windows.resize(end - begin);
    for (size_t i = begin; i < end; ++i) {
      const int position = positions.size() == 1 ? positions[0] : positions[i];
      windows[i - begin] = {&prepared.prepared, ends[i] - prepared.first, static_cast<int8_t>(position)};
    }
    if (!out.ohlc.empty()) ComputeOhlcFeatures(windows, window, out.ohlc.data() + begin * 4 * w);
    if (!out.volume.empty()) ComputeVolumeFeatures(windows, window, out.volume.data() + begin * w);
    if (!out.meta.empty()) {
      raw_meta.resize(windows.size());
      ComputeRawMeta(windows, window, raw_meta);
      for (size_t i = begin; i < end; ++i) {
        scaler.Apply(raw_meta[i - begin].data(), out.meta.data() + i * kMetaFeatureCount);
      }
    }
  };
  if (n <= kTaskWindows) {
    compute(0, n);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, kTaskWindows),
                    [&](const tbb::blocked_range<size_t>& block) { compute(block.begin(), block.end()); });
}

void FeatureTransform::Transform(const BarColumns& bars, int64_t end, int position, const FeatureOutput& out) const {
  CheckColumnSizes(bars);
  CheckEnd(bars, end, window());
  CheckPosition(bars.source, position);
  // One window is a few microseconds of work: its bars are prepared into
  // this thread's scratch, whose memory is reused from call to call.
  thread_local PreparedBars prepared;
  if (!prepared.impl_) prepared.impl_ = std::make_unique<PreparedBars::Impl>();
  PrepareRange(bars, end - window() + 1, end, *prepared.impl_);
  const int positions[] = {position};
  const int64_t ends[] = {end};
  TransformInto(prepared, ends, positions, out);
}

WindowFeatures FeatureTransform::Transform(const BarColumns& bars, int64_t end, int position) const {
  const auto w = static_cast<size_t>(window());
  WindowFeatures features;
  features.ohlc.resize(4 * w);
  features.volume.resize(w);
  Transform(bars, end, position, {features.ohlc, features.volume, features.meta});
  return features;
}

void FeatureTransform::TransformMany(const BarColumns& bars, std::span<const int64_t> ends,
                                     std::span<const int> positions, const FeatureOutput& out) const {
  CheckColumnSizes(bars);
  if (ends.empty()) return;
  for (const int64_t end : ends) CheckEnd(bars, end, window());
  const auto [lowest, highest] = std::minmax_element(ends.begin(), ends.end());
  const PreparedBars prepared = Prepare(bars, *lowest - window() + 1, *highest);
  TransformInto(prepared, ends, positions, out);
}

FeatureBatch FeatureTransform::TransformMany(const BarColumns& bars, std::span<const int64_t> ends,
                                             std::span<const int> positions) const {
  FeatureBatch batch;
  batch.window = window();
  batch.rows = static_cast<int64_t>(ends.size());
  const auto w = static_cast<size_t>(window());
  batch.ohlc.resize(ends.size() * 4 * w);
  batch.volume.resize(ends.size() * w);
  batch.meta.resize(ends.size() * kMetaFeatureCount);
  TransformMany(bars, ends, positions, {batch.ohlc, batch.volume, batch.meta});
  return batch;
}

int64_t FeatureTransform::BarOfIndex(const BarColumns& bars, int64_t bar_index) const {
  CheckColumnSizes(bars);
  if (bar_index < 0 || bar_index >= bars.size()) {
    throw DataError(fmt::format("{}: bar index {} is out of range (bars 0..{})", bars.source, bar_index,
                                bars.size() - 1));
  }
  // The bars before the window; Transform checks the window's.
  const int64_t before = bar_index + 1 - window();
  if (before <= 0) return bar_index;
  BarSeries series;
  series.source = bars.source;
  const auto end = static_cast<std::ptrdiff_t>(before);
  series.timestamp_ns.assign(bars.timestamp_ns.begin(), bars.timestamp_ns.begin() + end);
  series.open.assign(bars.open.begin(), bars.open.begin() + end);
  series.high.assign(bars.high.begin(), bars.high.begin() + end);
  series.low.assign(bars.low.begin(), bars.low.begin() + end);
  series.close.assign(bars.close.begin(), bars.close.begin() + end);
  series.volume.assign(bars.volume.begin(), bars.volume.begin() + end);
  try {
    ValidateBars(series, bars.names, OnBadBar::kError);
  } catch (const DataError& e) {
    throw DataError(fmt::format("{}; a dataset's bar_index counts the bars left after invalid ones are dropped, so "
                                "bar index {} would name another bar here: pass the row's timestamp as the end, or "
                                "remove the invalid bars first",
                                e.what(), bar_index));
  }
  return bar_index;
}

int64_t FeatureTransform::FindBar(const BarColumns& bars, int64_t timestamp_ns) {
  // Bars are in time order when valid; a linear scan would also find a bar
  // among invalid ones, but those are refused once their window is read.
  const auto it = std::lower_bound(bars.timestamp_ns.begin(), bars.timestamp_ns.end(), timestamp_ns);
  if (it == bars.timestamp_ns.end() || *it != timestamp_ns) {
    throw DataError(fmt::format("{}: no bar has timestamp {} ({} ns)", bars.source, FormatTimestampNs(timestamp_ns),
                                timestamp_ns));
  }
  return static_cast<int64_t>(it - bars.timestamp_ns.begin());
}

const char* CrossSectionStatusText(CrossSectionStatus status) {
  switch (status) {
    case CrossSectionStatus::kPresent:
      return "present";
    case CrossSectionStatus::kNoBar:
      return "no bar at t";
    case CrossSectionStatus::kTooEarly:
      return "fewer than W bars up to t";
    case CrossSectionStatus::kGap:
      return "a gap above max_gap in the window";
  }
  return "unknown";
}

CrossSectionTransform::CrossSectionTransform(FeatureTransform transform, std::vector<std::string> tickers,
                                             int64_t max_gap_ns)
    : transform_(std::move(transform)), tickers_(std::move(tickers)), max_gap_ns_(max_gap_ns) {
  if (tickers_.empty()) throw DataError(fmt::format("{}: a cross-section of no tickers", transform_.source()));
  std::vector<std::string> sorted = tickers_;
  std::sort(sorted.begin(), sorted.end());
  if (const auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end()) {
    throw DataError(fmt::format("{}: ticker {} is twice in the cross-section's tickers", transform_.source(), *twice));
  }
  if (max_gap_ns_ < 0) {
    throw DataError(fmt::format("{}: max_gap of {} ns is negative", transform_.source(), max_gap_ns_));
  }
}

CrossSectionTransform CrossSectionTransform::FromDataset(const std::filesystem::path& path) {
  const std::filesystem::path file = std::filesystem::is_directory(path) ? FirstPart(path) : path;
  if (!IsParquetFile(file)) {
    throw DataError(fmt::format("{}: not a dataset (a scaler JSON does not record a cross-section's tickers and "
                                "max_gap: give them with its scaler)",
                                file.string()));
  }
  const DatasetFooter footer = DatasetFooter::Read(file);
  const Config config = LoadConfigText(
      footer.RequireConfig(file), fmt::format("{}: key-value metadata '{}'", file.string(), DatasetFooter::kConfigKey));
  if (!config.cross_section) {
    throw DataError(fmt::format("{}: not a cross-sectional dataset (its config has cross_section: false): serve it "
                                "one ticker at a time (FeatureTransform)",
                                file.string()));
  }
  return CrossSectionTransform(FeatureTransform::FromFile(file), footer.Tickers(file), config.max_gap_ns);
}

CrossSectionStatus CrossSectionTransform::Locate(const BarColumns& bars, int64_t timestamp_ns, int64_t& end) const {
  const auto stamps = bars.timestamp_ns;
  const auto it = std::lower_bound(stamps.begin(), stamps.end(), timestamp_ns);
  if (it == stamps.end() || *it != timestamp_ns) return CrossSectionStatus::kNoBar;
  end = static_cast<int64_t>(it - stamps.begin());
  const int window = transform_.window();
  if (end < window - 1) return CrossSectionStatus::kTooEarly;
  if (max_gap_ns_ > 0) {
    // The build's gap rule (a gap at bar b: t[b] - t[b-1] > max_gap) over
    // the window's bars; the horizon's are in the future.
    for (int64_t b = end - window + 2; b <= end; ++b) {
      const auto at = static_cast<size_t>(b);
      if (stamps[at] - stamps[at - 1] > max_gap_ns_) return CrossSectionStatus::kGap;
    }
  }
  return CrossSectionStatus::kPresent;
}

void CrossSectionTransform::Transform(const std::map<std::string, BarColumns, std::less<>>& bars,
                                      int64_t timestamp_ns, std::span<const int> positions,
                                      const CrossSectionOutput& out) const {
  const std::string& source = transform_.source();
  const size_t m = tickers_.size();
  // Every ticker's bars, no other: a ticker left out would be absent
  // silently, one misspelt would never be read.
  for (const auto& [ticker, unused] : bars) {
    if (std::find(tickers_.begin(), tickers_.end(), ticker) == tickers_.end()) {
      throw DataError(fmt::format("{}: bars for ticker '{}', which is not one of the cross-section's {} tickers ({})",
                                  source, ticker, m, fmt::join(tickers_, ", ")));
    }
  }
  std::vector<std::string> missing;
  for (const std::string& ticker : tickers_) {
    if (!bars.contains(ticker)) missing.push_back(ticker);
  }
  if (!missing.empty()) {
    throw DataError(fmt::format("{}: no bars for ticker{} {} of the cross-section (give every ticker's bars, empty "
                                "ones for a ticker without any)",
                                source, missing.size() == 1 ? "" : "s", fmt::join(missing, ", ")));
  }
  static constexpr int kNoPosition[] = {0};
  if (positions.empty()) positions = kNoPosition;
  if (positions.size() != 1 && positions.size() != m) {
    throw DataError(fmt::format("{}: {} positions for a cross-section of {} tickers (give one for all, or one per "
                                "ticker)",
                                source, positions.size(), m));
  }
  for (const int position : positions) CheckPosition(source, position);
  const auto w = static_cast<size_t>(window());
  const std::pair<size_t, size_t> sizes[] = {{out.ohlc.size(), 4 * w},  {out.volume.size(), w},
                                             {out.meta.size(), kMetaFeatureCount}, {out.present.size(), 1},
                                             {out.end.size(), 1}, {out.status.size(), 1}};
  for (const auto& [size, per_ticker] : sizes) {
    if (size != 0 && size != m * per_ticker) {
      throw DataError(fmt::format("{}: output buffer of {} values for {} tickers of {} values", source, size, m,
                                  per_ticker));
    }
  }

  const auto compute = [&](size_t k) {
    BarColumns columns = bars.find(tickers_[k])->second;
    if (columns.source.empty() || columns.source == "bars") columns.source = tickers_[k];
    CheckColumnSizes(columns);
    int64_t end = 0;
    const CrossSectionStatus status = Locate(columns, timestamp_ns, end);
    const bool present = status == CrossSectionStatus::kPresent;
    if (!out.present.empty()) out.present[k] = present ? 1 : 0;
    if (!out.end.empty()) out.end[k] = present ? end : 0;
    if (!out.status.empty()) out.status[k] = status;
    const auto slice = [&](std::span<float> all, size_t per_ticker) {
      return all.empty() ? all : all.subspan(k * per_ticker, per_ticker);
    };
    const FeatureOutput features{slice(out.ohlc, 4 * w), slice(out.volume, w), slice(out.meta, kMetaFeatureCount)};
    if (!present) {
      for (const std::span<float> values : {features.ohlc, features.volume, features.meta}) {
        std::fill(values.begin(), values.end(), 0.0f);
      }
      return;
    }
    // The single-ticker transform itself, so that the slice is its bits.
    transform_.Transform(columns, end, positions.size() == 1 ? positions[0] : positions[k], features);
  };
  // A window is a few microseconds: threads pay off for large universes only.
  constexpr size_t kTaskTickers = 64;
  if (m <= kTaskTickers) {
    for (size_t k = 0; k < m; ++k) compute(k);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<size_t>(0, m, kTaskTickers), [&](const tbb::blocked_range<size_t>& block) {
    for (size_t k = block.begin(); k < block.end(); ++k) compute(k);
  });
}

CrossSectionFeatures CrossSectionTransform::Transform(const std::map<std::string, BarColumns, std::less<>>& bars,
                                                      int64_t timestamp_ns, std::span<const int> positions) const {
  const size_t m = tickers_.size();
  const auto w = static_cast<size_t>(window());
  CrossSectionFeatures features;
  features.tickers = static_cast<int>(m);
  features.window = window();
  features.timestamp_ns = timestamp_ns;
  features.ohlc.resize(m * 4 * w);
  features.volume.resize(m * w);
  features.meta.resize(m * kMetaFeatureCount);
  features.present.resize(m);
  features.end.resize(m);
  features.status.resize(m);
  Transform(bars, timestamp_ns, positions,
            {features.ohlc, features.volume, features.meta, features.present, features.end, features.status});
  return features;
}

}  // namespace barforge
