// CrossSectionTransform: the M windows ending at a timestamp, each present
// ticker's slice the single-ticker FeatureTransform's bits; absent tickers
// (no bar at t, too early, across a max_gap hole, no bars at all) zeros;
// and every refusal with its message.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/dataset_reader.h"
#include "barforge/error.h"
#include "barforge/feature_transform.h"
#include "barforge/pipeline.h"
#include "features/bar_series_columns.h"
#include "rawdata/bar_loader.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

constexpr int64_t kMinute = 60'000'000'000LL;

bool SameBits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

std::string ScalerJson(int window) {
  return "{\"features\": [\"ret_window\", \"volatility\", \"mean_range\", \"log_volume\", \"log_price\", "
         "\"position\"], \"mean\": [0, 0.001, 0.002, 7, 4.6, 0], \"std\": [0.01, 0.0005, 0.001, 0.5, 0.1, 0.8], "
         "\"count\": 100, \"window\": " +
         std::to_string(window) + ", \"horizon\": 4}";
}

// Valid bars at the given minutes, with prices of their own per `seed`.
struct TickerBars {
  std::vector<int64_t> timestamp_ns;
  std::vector<double> open, high, low, close, volume;

  TickerBars(const std::vector<int64_t>& minutes, double seed) {
    for (const int64_t minute : minutes) {
      const auto i = static_cast<double>(minute);
      timestamp_ns.push_back(minute * kMinute);
      const double price = 50 * seed + std::sin(i * seed);
      open.push_back(price);
      close.push_back(price * (1 + 0.002 * std::cos(i + seed)));
      high.push_back(std::max(open.back(), close.back()) * 1.01);
      low.push_back(std::min(open.back(), close.back()) * 0.99);
      volume.push_back(1000 + i * seed);
    }
  }
  BarColumns View() const {
    BarColumns bars;
    bars.timestamp_ns = timestamp_ns;
    bars.open = open;
    bars.high = high;
    bars.low = low;
    bars.close = close;
    bars.volume = volume;
    return bars;
  }
};

std::vector<int64_t> Minutes(int64_t first, int64_t last) {
  std::vector<int64_t> minutes;
  for (int64_t m = first; m <= last; ++m) minutes.push_back(m);
  return minutes;
}

template <class Call>
void ExpectDataError(Call call, const std::string& message) {
  try {
    call();
    ADD_FAILURE() << "no error; expected: " << message;
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

using BarsByTicker = std::map<std::string, BarColumns, std::less<>>;

// Ticker k's slice of `f` is the single-ticker transform at its bar at t.
void ExpectSlice(const CrossSectionFeatures& f, size_t k, const FeatureTransform& single, const BarColumns& bars,
                 int position) {
  const auto w = static_cast<size_t>(f.window);
  const int64_t end = FeatureTransform::FindBar(bars, f.timestamp_ns);
  const WindowFeatures one = single.Transform(bars, end, position);
  EXPECT_EQ(f.present[k], 1) << k;
  EXPECT_EQ(f.status[k], CrossSectionStatus::kPresent) << k;
  EXPECT_EQ(f.end[k], end) << k;
  EXPECT_TRUE(SameBits(&f.ohlc[k * 4 * w], one.ohlc.data(), 4 * w)) << k;
  EXPECT_TRUE(SameBits(&f.volume[k * w], one.volume.data(), w)) << k;
  EXPECT_TRUE(SameBits(&f.meta[k * 6], one.meta.data(), 6)) << k;
}

void ExpectAbsent(const CrossSectionFeatures& f, size_t k, CrossSectionStatus status) {
  const auto w = static_cast<size_t>(f.window);
  EXPECT_EQ(f.present[k], 0) << k;
  EXPECT_EQ(f.status[k], status) << k;
  EXPECT_EQ(f.end[k], 0) << k;
  const std::vector<float> zeros(4 * w, 0.0f);
  EXPECT_TRUE(SameBits(&f.ohlc[k * 4 * w], zeros.data(), 4 * w)) << k;
  EXPECT_TRUE(SameBits(&f.volume[k * w], zeros.data(), w)) << k;
  EXPECT_TRUE(SameBits(&f.meta[k * 6], zeros.data(), 6)) << k;
}

TEST(CrossSectionTransformTest, PresentSlicesAreTheSingleTickerTransformsBits) {
  const auto single = FeatureTransform::FromJson(ScalerJson(8));
  // Histories of their own: A from minute 0, B listed at minute 30, C from
  // minute 5 with minute 40 missing; in input order C, A, B (the map orders
  // them by name; the output follows the cross-section's order).
  const TickerBars a(Minutes(0, 99), 1.3), b(Minutes(30, 99), 2.1);
  std::vector<int64_t> c_minutes = Minutes(5, 99);
  c_minutes.erase(c_minutes.begin() + 35);
  const TickerBars c(c_minutes, 0.7);
  const CrossSectionTransform cross(single, {"C", "A", "B"});
  const BarsByTicker bars = {{"A", a.View()}, {"B", b.View()}, {"C", c.View()}};

  const std::vector<int> one = {1};
  const CrossSectionFeatures at60 = cross.Transform(bars, 60 * kMinute, one);
  ASSERT_EQ(at60.tickers, 3);
  ASSERT_EQ(at60.window, 8);
  ASSERT_EQ(at60.ohlc.size(), 3u * 32);
  ASSERT_EQ(at60.volume.size(), 3u * 8);
  ASSERT_EQ(at60.meta.size(), 3u * 6);
  ExpectSlice(at60, 0, single, c.View(), 1);
  ExpectSlice(at60, 1, single, a.View(), 1);
  ExpectSlice(at60, 2, single, b.View(), 1);
  EXPECT_EQ(at60.end[0], 54);  // C's bar index at minute 60, one bar (minute 40) missing
  EXPECT_EQ(at60.end[1], 60);
  EXPECT_EQ(at60.end[2], 30);
  // The position is in meta only: (p - 0) / 0.8 for every ticker.
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(at60.meta[k * 6 + 5], static_cast<float>(1 / 0.8)) << k;

  // One position per ticker, in the cross-section's order.
  const std::vector<int> each = {-1, 0, 1};
  const CrossSectionFeatures mixed = cross.Transform(bars, 60 * kMinute, each);
  ExpectSlice(mixed, 0, single, c.View(), -1);
  ExpectSlice(mixed, 1, single, a.View(), 0);
  ExpectSlice(mixed, 2, single, b.View(), 1);
  // No position given: 0 for all.
  const CrossSectionFeatures none = cross.Transform(bars, 60 * kMinute, {});
  ExpectSlice(none, 2, single, b.View(), 0);

  // The caller-buffer form writes the same values, and only what it is given.
  std::vector<float> ohlc(3 * 32, -7.0f), meta(3 * 6, -7.0f);
  std::vector<uint8_t> present(3, 9);
  cross.Transform(bars, 60 * kMinute, one, {ohlc, {}, meta, present, {}, {}});
  EXPECT_TRUE(SameBits(ohlc.data(), at60.ohlc.data(), ohlc.size()));
  EXPECT_TRUE(SameBits(meta.data(), at60.meta.data(), meta.size()));
  EXPECT_EQ(present, std::vector<uint8_t>({1, 1, 1}));
}

TEST(CrossSectionTransformTest, AbsentTickersAreZerosWithTheirReason) {
  const auto single = FeatureTransform::FromJson(ScalerJson(8));
  const TickerBars a(Minutes(0, 99), 1.3);
  const TickerBars listed_late(Minutes(30, 99), 2.1);  // 8 bars up to minute 37, not to 36
  std::vector<int64_t> holed = Minutes(0, 99);
  holed.erase(holed.begin() + 50);  // no bar at minute 50
  const TickerBars hole(holed, 0.7);
  const TickerBars delisted(Minutes(0, 40), 1.9);
  const TickerBars empty(std::vector<int64_t>{}, 1.0);
  const CrossSectionTransform cross(single, {"A", "LATE", "HOLE", "GONE", "NONE"});
  const BarsByTicker bars = {{"A", a.View()},       {"LATE", listed_late.View()}, {"HOLE", hole.View()},
                             {"GONE", delisted.View()}, {"NONE", empty.View()}};

  const CrossSectionFeatures at50 = cross.Transform(bars, 50 * kMinute, {});
  ExpectSlice(at50, 0, single, a.View(), 0);
  ExpectSlice(at50, 1, single, listed_late.View(), 0);
  ExpectAbsent(at50, 2, CrossSectionStatus::kNoBar);
  ExpectAbsent(at50, 3, CrossSectionStatus::kNoBar);
  ExpectAbsent(at50, 4, CrossSectionStatus::kNoBar);

  // LATE's 7th bar (minute 36) has only 7 bars up to it; its 8th is present.
  const CrossSectionFeatures at36 = cross.Transform(bars, 36 * kMinute, {});
  ExpectAbsent(at36, 1, CrossSectionStatus::kTooEarly);
  ExpectSlice(at36, 3, single, delisted.View(), 0);
  const CrossSectionFeatures at37 = cross.Transform(bars, 37 * kMinute, {});
  ExpectSlice(at37, 1, single, listed_late.View(), 0);
  // Every ticker's first W-1 bars are too early; a t between bars has none.
  const CrossSectionFeatures at6 = cross.Transform(bars, 6 * kMinute, {});
  ExpectAbsent(at6, 0, CrossSectionStatus::kTooEarly);
  ExpectAbsent(at6, 1, CrossSectionStatus::kNoBar);
  const CrossSectionFeatures between = cross.Transform(bars, 60 * kMinute + 1, {});
  for (size_t k = 0; k < 5; ++k) ExpectAbsent(between, k, CrossSectionStatus::kNoBar);
  EXPECT_STREQ(CrossSectionStatusText(CrossSectionStatus::kTooEarly), "fewer than W bars up to t");
}

TEST(CrossSectionTransformTest, MaxGapMakesAWindowAcrossAHoleAbsent) {
  const auto single = FeatureTransform::FromJson(ScalerJson(8));
  std::vector<int64_t> minutes = Minutes(0, 99);
  minutes.erase(minutes.begin() + 50);  // minutes 49 and 51 are 2 minutes apart
  const TickerBars hole(minutes, 0.7);
  const TickerBars a(Minutes(0, 99), 1.3);
  const BarsByTicker bars = {{"A", a.View()}, {"HOLE", hole.View()}};
  // max_gap 1 minute: windows holding bars 49 and 51 are absent, the first
  // one without both (ending at minute 58: bars 51..58) is present; a gap
  // of exactly max_gap is allowed (the build's rule: more than max_gap).
  const CrossSectionTransform gapped(single, {"A", "HOLE"}, kMinute);
  EXPECT_EQ(gapped.max_gap_ns(), kMinute);
  for (const int64_t minute : {51, 55, 57}) {
    const CrossSectionFeatures f = gapped.Transform(bars, minute * kMinute, {});
    ExpectSlice(f, 0, single, a.View(), 0);
    ExpectAbsent(f, 1, CrossSectionStatus::kGap);
  }
  ExpectSlice(gapped.Transform(bars, 58 * kMinute, {}), 1, single, hole.View(), 0);
  ExpectSlice(gapped.Transform(bars, 49 * kMinute, {}), 1, single, hole.View(), 0);
  // Two minutes allowed, or no max_gap: present across the hole.
  const CrossSectionTransform two(single, {"A", "HOLE"}, 2 * kMinute);
  ExpectSlice(two.Transform(bars, 55 * kMinute, {}), 1, single, hole.View(), 0);
  const CrossSectionTransform off(single, {"A", "HOLE"});
  ExpectSlice(off.Transform(bars, 55 * kMinute, {}), 1, single, hole.View(), 0);
}

TEST(CrossSectionTransformTest, ALargeUniverseOnAllThreadsHasTheSameBits) {
  const auto single = FeatureTransform::FromJson(ScalerJson(16));
  std::vector<TickerBars> all;
  std::vector<std::string> names;
  BarsByTicker bars;
  for (int k = 0; k < 150; ++k) {
    // Ticker k listed at minute k: present at minute 180 when k <= 165.
    all.emplace_back(Minutes(k, 200), 0.5 + 0.01 * k);
    names.push_back(fmt::format("T{:03}", 149 - k));
  }
  for (int k = 0; k < 150; ++k) bars.emplace(names[static_cast<size_t>(k)], all[static_cast<size_t>(k)].View());
  const CrossSectionTransform cross(single, names);
  std::vector<int> positions;
  for (int k = 0; k < 150; ++k) positions.push_back(k % 3 - 1);
  const CrossSectionFeatures f = cross.Transform(bars, 170 * kMinute, positions);
  for (size_t k = 0; k < 150; ++k) {
    if (k + 16 <= 171) {
      ExpectSlice(f, k, single, all[k].View(), positions[k]);
    } else {
      ExpectAbsent(f, k, CrossSectionStatus::kTooEarly);
    }
  }
}

TEST(CrossSectionTransformTest, RefusesBadInputWithClearMessages) {
  const auto single = FeatureTransform::FromJson(ScalerJson(8), "meta_scaler.json");
  const TickerBars a(Minutes(0, 30), 1.3), b(Minutes(0, 30), 2.1);
  const CrossSectionTransform cross(single, {"A", "B", "C"});
  const BarsByTicker two = {{"A", a.View()}, {"B", b.View()}};
  ExpectDataError([&] { cross.Transform(two, 20 * kMinute, {}); },
                  "meta_scaler.json: no bars for ticker C of the cross-section (give every ticker's bars, empty ones "
                  "for a ticker without any)");
  ExpectDataError([&] { cross.Transform(BarsByTicker{{"A", a.View()}}, 20 * kMinute, {}); },
                  "meta_scaler.json: no bars for tickers B, C of the cross-section (give every ticker's bars, empty "
                  "ones for a ticker without any)");
  BarsByTicker extra = {{"A", a.View()}, {"B", b.View()}, {"C", b.View()}, {"ZZZ", a.View()}};
  ExpectDataError([&] { cross.Transform(extra, 20 * kMinute, {}); },
                  "meta_scaler.json: bars for ticker 'ZZZ', which is not one of the cross-section's 3 tickers (A, B, "
                  "C)");
  const BarsByTicker three = {{"A", a.View()}, {"B", b.View()}, {"C", b.View()}};
  const std::vector<int> two_positions = {0, 1};
  ExpectDataError([&] { cross.Transform(three, 20 * kMinute, two_positions); },
                  "meta_scaler.json: 2 positions for a cross-section of 3 tickers (give one for all, or one per "
                  "ticker)");
  const std::vector<int> bad_position = {0, 2, 0};
  ExpectDataError([&] { cross.Transform(three, 20 * kMinute, bad_position); },
                  "meta_scaler.json: position must be -1, 0 or 1, got 2");
  std::vector<float> small(5);
  ExpectDataError([&] { cross.Transform(three, 20 * kMinute, {}, {{}, {}, small, {}, {}, {}}); },
                  "meta_scaler.json: output buffer of 5 values for 3 tickers of 6 values");

  // Bad bars name their ticker, whether or not it would be present.
  TickerBars ragged(Minutes(0, 30), 0.9);
  ragged.volume.pop_back();
  const BarsByTicker with_ragged = {{"A", a.View()}, {"B", b.View()}, {"C", ragged.View()}};
  ExpectDataError([&] { cross.Transform(with_ragged, 200 * kMinute, {}); },
                  "C: column volume has 30 values but column timestamp has 31");
  TickerBars invalid(Minutes(0, 30), 0.9);
  invalid.close[18] = -1;
  BarsByTicker with_invalid = {{"A", a.View()}, {"B", b.View()}, {"C", invalid.View()}};
  ExpectDataError([&] { cross.Transform(with_invalid, 20 * kMinute, {}); },
                  "C: row 19, column close: value -1: price must be > 0");
  with_invalid.at("C").source = "live/C.csv";
  ExpectDataError([&] { cross.Transform(with_invalid, 20 * kMinute, {}); },
                  "live/C.csv: row 19, column close: value -1: price must be > 0");
  // ... but an invalid bar outside the window at t is not read, as ever.
  EXPECT_NO_THROW(cross.Transform(with_invalid, 30 * kMinute, {}));

  ExpectDataError([&] { CrossSectionTransform(single, {}); }, "meta_scaler.json: a cross-section of no tickers");
  ExpectDataError([&] { CrossSectionTransform(single, {"A", "B", "A"}); },
                  "meta_scaler.json: ticker A is twice in the cross-section's tickers");
  ExpectDataError([&] { CrossSectionTransform(single, {"A"}, -1); },
                  "meta_scaler.json: max_gap of -1 ns is negative");
}

// Raw CSV files of their own histories (A from minute 0, B listed at minute
// 100, C delisted after minute 449 with no bars in minutes 300..309).
void WriteRawCsvs(const std::filesystem::path& dir) {
  const std::pair<const char*, std::vector<int64_t>> tickers[] = {
      {"A", Minutes(0, 599)}, {"B", Minutes(100, 599)}, {"C", {}}};
  for (const auto& [name, given] : tickers) {
    std::vector<int64_t> minutes = given;
    if (minutes.empty()) {
      for (int64_t m = 0; m < 450; ++m) {
        if (m < 300 || m >= 310) minutes.push_back(m);
      }
    }
    const TickerBars bars(minutes, 0.5 + 0.3 * static_cast<double>(name[0] - 'A'));
    std::ofstream out(dir / (std::string(name) + ".csv"));
    out << "timestamp,open,high,low,close,volume\n";
    for (size_t i = 0; i < minutes.size(); ++i) {
      // The shortest text of each double reads back to its bits.
      out << fmt::format("{},{},{},{},{},{}\n", 1614556800 + minutes[i] * 60, bars.open[i], bars.high[i], bars.low[i],
                         bars.close[i], bars.volume[i]);
    }
  }
}

// Every present slot of a cross-sectional build, recomputed from the raw
// files by CrossSectionTransform::FromDataset's transform at the row's t and
// position: the same bits (the inference parity of a cross-section).
TEST(CrossSectionTransformTest, EveryPresentSlotOfABuildIsTheServingTransform) {
  const testing::TempDir dir;
  WriteRawCsvs(dir.path());
  // A drawn training split and a test split of every valid t once.
  const Config config =
      LoadConfig({}, {"data_dir=" + dir.path().string(), "tickers=[A, B, C]", "source=files",
                      "raw_data_filename={ticker}.csv", "window=16", "horizon=4", "cross_section=true",
                      "n_samples=1200", "chunk_rows=500", "max_gap=1m",
                      "splits=[{name: train, end: 0.6}, {name: test, n_samples: all}]"});
  const BuildSummary summary = RunBuild(config, {});
  ASSERT_EQ(summary.files.size(), 2u);
  for (const FileSummary& file : summary.files) {
    const CrossSectionTransform cross = CrossSectionTransform::FromDataset(file.output);
    ASSERT_EQ(cross.tickers(), std::vector<std::string>({"A", "B", "C"}));
    EXPECT_EQ(cross.max_gap_ns(), kMinute);
    EXPECT_EQ(cross.transform().ToJson(), FeatureTransform::FromFile(summary.scaler).ToJson());
    std::map<std::string, BarSeries> raw;
    BarsByTicker bars;
    for (const std::string& ticker : cross.tickers()) {
      raw[ticker] = LoadBars(RawDataPath(config, ticker), ticker, config);
      bars.emplace(ticker, ColumnsOf(raw[ticker]));
    }
    const DatasetReader reader(file.output);
    constexpr size_t m = 3;
    constexpr size_t w = 16;
    int64_t slots = 0;
    int64_t extra = 0;
    for (int group = 0; group < reader.num_row_groups(); ++group) {
      std::map<std::string, DatasetColumnData> columns;
      for (DatasetColumnData& column :
           reader.ReadRowGroup(group, {"timestamp", "present", "bar_index", "ohlc", "volume", "meta"})) {
        columns[column.name] = std::move(column);
      }
      const auto& present = columns.at("present").bools;
      const auto& meta = columns.at("meta").floats;
      ASSERT_EQ(present.size(), static_cast<size_t>(columns.at("timestamp").rows) * m);
      for (size_t r = 0; r < static_cast<size_t>(columns.at("timestamp").rows); ++r) {
        // The row's one position, from its first present slot's scaled meta.
        size_t first = 0;
        while (first < m && present[r * m + first] == 0) ++first;
        ASSERT_LT(first, m) << "a row without a present ticker";
        const int position = static_cast<int>(std::lround(meta[(r * m + first) * 6 + 5] * cross.transform().std()[5] +
                                                          cross.transform().mean()[5]));
        const std::vector<int> positions = {position};
        const CrossSectionFeatures f = cross.Transform(bars, columns.at("timestamp").int64s[r], positions);
        for (size_t k = 0; k < m; ++k) {
          if (present[r * m + k] == 0) {
            extra += f.present[k];
            continue;
          }
          ++slots;
          ASSERT_EQ(f.present[k], 1) << "row " << r << " ticker " << k;
          ASSERT_EQ(f.end[k], columns.at("bar_index").int64s[r * m + k]);
          ASSERT_TRUE(SameBits(&f.ohlc[k * 4 * w], &columns.at("ohlc").floats[(r * m + k) * 4 * w], 4 * w));
          ASSERT_TRUE(SameBits(&f.volume[k * w], &columns.at("volume").floats[(r * m + k) * w], w));
          ASSERT_TRUE(SameBits(&f.meta[k * 6], &meta[(r * m + k) * 6], 6)) << "row " << r << " ticker " << k;
        }
      }
    }
    EXPECT_GT(slots, file.name == "train" ? 2000 : 300) << file.name;
    // Serving has no horizon, split nor purge: a ticker's bars before its
    // last H, or before a split's end, are present there only.
    EXPECT_GT(extra, 0) << file.name;
  }
  // A single-ticker dataset, or a scaler JSON, names no cross-section.
  const Config single = LoadConfig({}, {"data_dir=" + dir.path().string(), "tickers=[A]", "source=files",
                                        "raw_data_filename={ticker}.csv", "window=16", "horizon=4", "n_samples=300",
                                        "samples_filename=single_{n}.parquet", "scaler_filename=single.json",
                                        "on_bad_bar=error"});
  const BuildSummary built = RunBuild(single, {});
  ExpectDataError([&] { CrossSectionTransform::FromDataset(built.output); },
                  built.output.string() + ": not a cross-sectional dataset (its config has cross_section: false): "
                                          "serve it one ticker at a time (FeatureTransform)");
  ExpectDataError([&] { CrossSectionTransform::FromDataset(built.scaler); },
                  built.scaler.string() + ": not a dataset (a scaler JSON does not record a cross-section's tickers "
                                          "and max_gap: give them with its scaler)");
}

}  // namespace
}  // namespace barforge
