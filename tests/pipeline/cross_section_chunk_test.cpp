// CrossSectionChunk: each present slot equals, bit for bit, the row the
// single-ticker path (Sampler + SampleChunk) computes for the same (ticker,
// end bar, position) with the same scaler; absent slots are zeros; the
// values do not depend on the thread count; and the scaler is the mean and
// population std of the present pairs' raw meta, recomputed slowly here.

#include <gtest/gtest.h>

#include <oneapi/tbb/global_control.h>

#include <array>
#include <cmath>
#include <cstring>
#include <span>
#include <variant>
#include <vector>

#include "barforge/dataset_layout.h"
#include "features/meta_scaler.h"
#include "features/prepared_series.h"
#include "features/window_features.h"
#include "pipeline/cross_section_chunk.h"
#include "pipeline/sample_chunk.h"
#include "rawdata/synthetic_market.h"
#include "sampling/cross_section_sampler.h"
#include "sampling/end_bar_runs.h"
#include "sampling/sampler.h"

namespace barforge {
namespace {

constexpr int kWindow = 8;
constexpr int kHorizon = 4;
constexpr int64_t kNoStart = std::numeric_limits<int64_t>::min();
constexpr int64_t kNoEnd = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinuteNs = 60'000'000'000LL;

bool SameBits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

// Bars [first, first + n) of a synthetic minute market with the bars in
// `holes` (offsets from `first`) taken out.
BarSeries Series(const std::string& ticker, int64_t first, int64_t n, std::vector<int64_t> holes = {}) {
  SyntheticConfig synthetic;
  synthetic.n_bars = n;
  synthetic.start_ns += first * kMinuteNs;
  BarSeries all = GenerateSyntheticBars(ticker, synthetic, 42);
  BarSeries out;
  out.ticker = ticker;
  for (int64_t b = 0; b < n; ++b) {
    if (std::find(holes.begin(), holes.end(), b) != holes.end()) continue;
    const auto i = static_cast<size_t>(b);
    out.timestamp_ns.push_back(all.timestamp_ns[i]);
    out.open.push_back(all.open[i]);
    out.high.push_back(all.high[i]);
    out.low.push_back(all.low[i]);
    out.close.push_back(all.close[i]);
    out.volume.push_back(all.volume[i]);
  }
  return out;
}

struct Fixture {
  std::vector<BarSeries> bars;
  std::vector<PreparedSeries> prepared;
  std::vector<uint32_t> members;
  std::vector<EndBarRun> runs;
  std::optional<CrossSectionSampler> sampler;
  DatasetLayout layout;

  Fixture() {
    // A lists late, C delists early and has a hole that max_gap keeps out
    // of its windows.
    bars.push_back(Series("A", 40, 300));
    bars.push_back(Series("B", 0, 400));
    bars.push_back(Series("C", 10, 200, {90, 91}));
    for (const BarSeries& series : bars) prepared.push_back(PrepareSeries(series));
    std::vector<std::span<const int64_t>> timestamps;
    for (uint32_t k = 0; k < bars.size(); ++k) {
      members.push_back(k);
      timestamps.emplace_back(bars[k].timestamp_ns);
      const auto gaps = GapPositions(bars[k].timestamp_ns, kMinuteNs);
      AppendEndBarRuns(k, bars[k].timestamp_ns, gaps, kNoStart, kNoEnd, 0, {kWindow, kHorizon, kMinuteNs}, runs);
    }
    sampler.emplace(11, 0, timestamps, runs, 1);
    layout.window = kWindow;
    layout.horizon = kHorizon;
    layout.extra_horizons = {1, 3};
    layout.triple_barrier = TripleBarrierConfig{1.0, 0.5};
    layout.cross_section_tickers = {"A", "B", "C"};
  }
};

// The single-ticker row of (ticker k, end bar e, position): a sampler over
// the one pair (k, e), at the first sample id whose position is `position`.
struct SingleRow {
  std::vector<float> ohlc, volume, meta, rewards;
  float fwd_return = 0;
  std::vector<float> extra;
  int8_t tb_label = 0;
  int16_t tb_bars = 0;
  float tb_return = 0;
};

SingleRow SingleTickerRow(const Fixture& f, const MetaScaler& scaler, uint32_t k, int64_t e, int8_t position) {
  const Sampler sampler(5, 0, {EndBarRun{k, e, 1}});
  int64_t id = 0;
  while (sampler.Draw(static_cast<uint64_t>(id)).position != position) ++id;
  DatasetLayout layout = f.layout;
  layout.cross_section_tickers.clear();
  const ChunkInputs inputs{&sampler, f.prepared, &scaler, &layout, 5 * 1e-4, nullptr};
  ChunkStageClock clock;
  SampleChunk chunk;
  const std::vector<int64_t> ids = {id};
  chunk.Compute(inputs, ids, clock);
  const std::vector<std::string> names = {"A", "B", "C"};
  const parquet::RowGroupData data = chunk.View(names);
  SingleRow row;
  size_t c = 0;
  const auto floats = [&](size_t column) { return std::get<std::span<const float>>(data.columns[column]); };
  const auto pages = [&](size_t column, size_t size) {
    std::vector<float> out(size);
    const auto& p = std::get<parquet::FloatPages>(data.columns[column]);
    p.fill(p.source, 0, 1, out);
    return out;
  };
  for (const DatasetColumn& column : layout.Columns()) {
    switch (column.kind) {
      case DatasetColumnKind::kOhlc: row.ohlc = pages(c, 4 * kWindow); break;
      case DatasetColumnKind::kVolume: row.volume = pages(c, kWindow); break;
      case DatasetColumnKind::kMeta: row.meta.assign(floats(c).begin(), floats(c).end()); break;
      case DatasetColumnKind::kRewards: row.rewards.assign(floats(c).begin(), floats(c).end()); break;
      case DatasetColumnKind::kFwdReturn: row.fwd_return = floats(c)[0]; break;
      case DatasetColumnKind::kExtraFwdReturn: row.extra.push_back(floats(c)[0]); break;
      case DatasetColumnKind::kTbLabel: row.tb_label = std::get<std::span<const int8_t>>(data.columns[c])[0]; break;
      case DatasetColumnKind::kTbBars: row.tb_bars = std::get<std::span<const int16_t>>(data.columns[c])[0]; break;
      case DatasetColumnKind::kTbReturn: row.tb_return = floats(c)[0]; break;
      case DatasetColumnKind::kBarIndex:
        EXPECT_EQ(std::get<std::span<const int64_t>>(data.columns[c])[0], e);
        break;
      default: break;
    }
    ++c;
  }
  return row;
}

void ExpectSameFloats(std::span<const float> actual, std::span<const float> expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    ASSERT_TRUE(SameBits(actual[i], expected[i])) << what << " value " << i << ": " << actual[i] << " vs "
                                                  << expected[i];
  }
}

struct ChunkValues {
  std::vector<uint8_t> present;
  std::vector<int64_t> bar_index, timestamps;
  std::vector<float> meta, rewards, fwd_return, ohlc, volume, tb_return;
  std::vector<std::vector<float>> extra;
  std::vector<int8_t> tb_label;
  std::vector<int16_t> tb_bars;
  std::vector<int8_t> positions;
};

ChunkValues ComputeChunk(const Fixture& f, const MetaScaler& scaler, int64_t first, int64_t rows, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  const CrossSectionInputs inputs{{nullptr, f.prepared, &scaler, &f.layout, 5 * 1e-4, nullptr}, &*f.sampler, f.members};
  ChunkStageClock clock;
  CrossSectionChunk chunk;
  chunk.Compute(inputs, first, rows, clock);
  ChunkValues v;
  v.present = chunk.present();
  v.bar_index = chunk.bar_index();
  v.timestamps = chunk.timestamps();
  v.meta = chunk.meta();
  v.rewards = chunk.labels().rewards;
  v.fwd_return = chunk.labels().fwd_return;
  v.extra = chunk.labels().extra_fwd_return;
  v.tb_label = chunk.labels().tb_label;
  v.tb_bars = chunk.labels().tb_bars;
  v.tb_return = chunk.labels().tb_return;
  // Pages of uneven sizes, as the writer cuts them.
  v.ohlc.resize(static_cast<size_t>(rows) * 3 * 4 * kWindow);
  v.volume.resize(static_cast<size_t>(rows) * 3 * kWindow);
  for (int64_t r = 0; r < rows; r += 7) {
    const int64_t n = std::min<int64_t>(7, rows - r);
    chunk.FillOhlcRows(r, n, std::span(v.ohlc).subspan(static_cast<size_t>(r) * 3 * 4 * kWindow));
    chunk.FillVolumeRows(r, n, std::span(v.volume).subspan(static_cast<size_t>(r) * 3 * kWindow));
  }
  for (int64_t r = 0; r < rows; ++r) v.positions.push_back(f.sampler->Draw(static_cast<uint64_t>(first + r)).position);
  return v;
}

TEST(CrossSectionChunkTest, EveryPresentSlotIsTheSingleTickerRowAndAbsentSlotsAreZero) {
  const Fixture f;
  const MetaScaler scaler =
      FitCrossSectionMetaScaler(*f.sampler, f.prepared, f.members, 300, kWindow, kHorizon, 2);
  constexpr int64_t kFirst = 17, kRows = 120;
  const ChunkValues v = ComputeChunk(f, scaler, kFirst, kRows, 2);
  int64_t present = 0, absent = 0;
  for (int64_t r = 0; r < kRows; ++r) {
    const CrossSectionDraw draw = f.sampler->Draw(static_cast<uint64_t>(kFirst + r));
    EXPECT_EQ(v.timestamps[static_cast<size_t>(r)], draw.timestamp_ns);
    for (uint32_t m = 0; m < 3; ++m) {
      const size_t slot = static_cast<size_t>(r) * 3 + m;
      // Present exactly when the ticker has a bar at t that is a valid end bar.
      const auto& t = f.bars[m].timestamp_ns;
      const auto at = std::lower_bound(t.begin(), t.end(), draw.timestamp_ns);
      const bool has_bar = at != t.end() && *at == draw.timestamp_ns;
      const int64_t e = at - t.begin();
      bool valid = has_bar && e >= kWindow - 1 && e + kHorizon < std::ssize(t);
      for (int64_t b = e - kWindow + 2; valid && b <= e + kHorizon; ++b) {
        valid = t[static_cast<size_t>(b)] - t[static_cast<size_t>(b - 1)] <= kMinuteNs;
      }
      ASSERT_EQ(v.present[slot], valid ? 1 : 0) << "row " << r << " ticker " << m;
      const auto window_floats = [&](const std::vector<float>& all, size_t per) {
        return std::span(all).subspan(slot * per, per);
      };
      if (!valid) {
        ++absent;
        EXPECT_EQ(v.bar_index[slot], 0);
        for (const float x : window_floats(v.ohlc, 4 * kWindow)) ASSERT_EQ(x, 0.0f);
        for (const float x : window_floats(v.volume, kWindow)) ASSERT_EQ(x, 0.0f);
        for (const float x : window_floats(v.meta, 6)) ASSERT_EQ(x, 0.0f);
        for (const float x : window_floats(v.rewards, 3)) ASSERT_EQ(x, 0.0f);
        EXPECT_EQ(v.fwd_return[slot], 0.0f);
        EXPECT_EQ(v.extra[0][slot], 0.0f);
        EXPECT_EQ(v.tb_label[slot], 0);
        EXPECT_EQ(v.tb_bars[slot], 0);
        EXPECT_EQ(v.tb_return[slot], 0.0f);
        continue;
      }
      ++present;
      EXPECT_EQ(v.bar_index[slot], e);
      const SingleRow single = SingleTickerRow(f, scaler, m, e, v.positions[static_cast<size_t>(r)]);
      const std::string where = "row " + std::to_string(r) + " ticker " + std::to_string(m);
      ExpectSameFloats(window_floats(v.ohlc, 4 * kWindow), single.ohlc, where + " ohlc");
      ExpectSameFloats(window_floats(v.volume, kWindow), single.volume, where + " volume");
      ExpectSameFloats(window_floats(v.meta, 6), single.meta, where + " meta");
      ExpectSameFloats(window_floats(v.rewards, 3), single.rewards, where + " rewards");
      ASSERT_TRUE(SameBits(v.fwd_return[slot], single.fwd_return)) << where;
      ASSERT_TRUE(SameBits(v.extra[0][slot], single.extra[0])) << where;
      ASSERT_TRUE(SameBits(v.extra[1][slot], single.extra[1])) << where;
      EXPECT_EQ(v.tb_label[slot], single.tb_label) << where;
      EXPECT_EQ(v.tb_bars[slot], single.tb_bars) << where;
      ASSERT_TRUE(SameBits(v.tb_return[slot], single.tb_return)) << where;
    }
  }
  // The fixture has both kinds, listing and delisting tickers included.
  EXPECT_GT(present, 150);
  EXPECT_GT(absent, 30);
}

TEST(CrossSectionChunkTest, ValuesDoNotDependOnTheThreadCount) {
  const Fixture f;
  const MetaScaler one = FitCrossSectionMetaScaler(*f.sampler, f.prepared, f.members, 20000, kWindow, kHorizon, 1);
  const MetaScaler two = FitCrossSectionMetaScaler(*f.sampler, f.prepared, f.members, 20000, kWindow, kHorizon, 2);
  EXPECT_EQ(one.ToJson(), two.ToJson());
  const ChunkValues a = ComputeChunk(f, one, 0, 9000, 1);
  const ChunkValues b = ComputeChunk(f, one, 0, 9000, 2);
  EXPECT_EQ(a.present, b.present);
  EXPECT_EQ(a.bar_index, b.bar_index);
  EXPECT_EQ(std::memcmp(a.ohlc.data(), b.ohlc.data(), a.ohlc.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(a.meta.data(), b.meta.data(), a.meta.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(a.rewards.data(), b.rewards.data(), a.rewards.size() * sizeof(float)), 0);
}

// The scaler of cross-sections 0..N-1: mean and population std over every
// present (ticker, t) pair of those draws, here in long double one by one.
TEST(CrossSectionChunkTest, ScalerIsFittedOnThePresentPairsOfTheDrawnSamples) {
  const Fixture f;
  constexpr int64_t kSamples = 5000;
  const MetaScaler scaler = FitCrossSectionMetaScaler(*f.sampler, f.prepared, f.members, kSamples, kWindow, kHorizon, 2);
  std::vector<std::array<double, kMetaFeatureCount>> raw;
  for (int64_t i = 0; i < kSamples; ++i) {
    const CrossSectionDraw draw = f.sampler->Draw(static_cast<uint64_t>(i));
    for (int m = 0; m < 3; ++m) {
      const int64_t e = f.sampler->EndBar(draw.t_index, m);
      if (e < 0) continue;
      const WindowRef window{&f.prepared[static_cast<size_t>(m)], e, draw.position};
      std::array<double, kMetaFeatureCount> values{};
      ComputeRawMeta(std::span(&window, 1), kWindow, std::span(&values, 1));
      raw.push_back(values);
    }
  }
  ASSERT_EQ(scaler.count, std::ssize(raw));
  ASSERT_GT(scaler.count, kSamples);  // several tickers per sample
  for (size_t feature = 0; feature < kMetaFeatureCount; ++feature) {
    long double sum = 0;
    for (const auto& values : raw) sum += values[feature];
    const long double mean = sum / static_cast<long double>(raw.size());
    long double squares = 0;
    for (const auto& values : raw) squares += (values[feature] - mean) * (values[feature] - mean);
    const double std_dev = static_cast<double>(std::sqrt(squares / static_cast<long double>(raw.size())));
    EXPECT_NEAR(scaler.mean[feature], static_cast<double>(mean), 1e-12 * (1 + std::abs(static_cast<double>(mean))))
        << feature;
    EXPECT_NEAR(scaler.std[feature], std_dev, 1e-9 * std_dev) << feature;
  }
}

}  // namespace
}  // namespace barforge
