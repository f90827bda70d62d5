// FeatureTransform: parity with the rows of built datasets (the same float32
// bits, for every row), the scaler from its JSON and from a dataset's footer,
// the batch form, and every refusal with its message.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/error.h"
#include "barforge/feature_transform.h"
#include "barforge/parquet_reader.h"
#include "barforge/pipeline.h"
#include "features/bar_series_columns.h"
#include "rawdata/bar_loader.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

using testing::TempDir;

// The rows of a dataset that a transform has to reproduce.
struct DatasetRows {
  std::vector<std::string> ticker;
  std::vector<int64_t> bar_index;
  std::vector<float> ohlc, volume, meta;
};

DatasetRows ReadRows(const std::filesystem::path& path) {
  const parquet::ParquetReader reader(path);
  DatasetRows rows;
  const parquet::ColumnBuffer tickers = reader.ReadColumn("ticker");
  for (size_t i = 0; i < tickers.size(); ++i) rows.ticker.emplace_back(tickers.string(i));
  rows.bar_index = reader.ReadColumn("bar_index").int64s;
  rows.ohlc = reader.ReadColumn("ohlc").floats;
  rows.volume = reader.ReadColumn("volume").floats;
  rows.meta = reader.ReadColumn("meta").floats;
  return rows;
}

bool SameBits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

// Every row of the dataset `config` builds, recomputed from the raw bars by
// the transform (single window and batch), bit for bit.
void ExpectParity(const Config& config, int64_t min_rows) {
  const BuildSummary summary = RunBuild(config, {});
  const DatasetRows rows = ReadRows(summary.output);
  const auto n = static_cast<int64_t>(rows.bar_index.size());
  ASSERT_GE(n, min_rows);
  const auto from_json = FeatureTransform::FromFile(summary.scaler);
  const auto from_footer = FeatureTransform::FromFile(summary.output);
  ASSERT_EQ(from_json.window(), config.window);
  EXPECT_EQ(from_footer.ToJson(), from_json.ToJson());
  EXPECT_EQ(from_footer.count(), config.n_samples);

  std::map<std::string, BarSeries> raw;
  for (const std::string& ticker : config.tickers) raw[ticker] = LoadBars(RawDataPath(config, ticker), ticker, config);
  const auto w = static_cast<size_t>(config.window);
  std::map<std::string, std::vector<int64_t>> ends;
  std::map<std::string, std::vector<int>> positions;
  std::map<std::string, std::vector<size_t>> row_of;
  int mismatches = 0;
  for (int64_t r = 0; r < n; ++r) {
    const auto row = static_cast<size_t>(r);
    // The dataset does not store the position; its scaled meta does.
    const double scaled = rows.meta[row * 6 + 5];
    const int position = static_cast<int>(std::lround(scaled * from_json.std()[5] + from_json.mean()[5]));
    const BarColumns bars = ColumnsOf(raw.at(rows.ticker[row]));
    const WindowFeatures json_features = from_json.Transform(bars, rows.bar_index[row], position);
    const WindowFeatures footer_features = from_footer.Transform(bars, rows.bar_index[row], position);
    const bool same = SameBits(json_features.ohlc.data(), &rows.ohlc[row * 4 * w], 4 * w) &&
                      SameBits(json_features.volume.data(), &rows.volume[row * w], w) &&
                      SameBits(json_features.meta.data(), &rows.meta[row * 6], 6);
    if (!same && ++mismatches <= 3) ADD_FAILURE() << "row " << r << " differs from the transform";
    EXPECT_TRUE(SameBits(json_features.ohlc.data(), footer_features.ohlc.data(), 4 * w) &&
                SameBits(json_features.volume.data(), footer_features.volume.data(), w) &&
                SameBits(json_features.meta.data(), footer_features.meta.data(), 6))
        << "row " << r << ": the JSON and footer scalers differ";
    ends[rows.ticker[row]].push_back(rows.bar_index[row]);
    positions[rows.ticker[row]].push_back(position);
    row_of[rows.ticker[row]].push_back(row);
  }
  EXPECT_EQ(mismatches, 0);

  // The batch form, over each ticker's rows at once, gives the same bits.
  for (const auto& [ticker, ticker_ends] : ends) {
    const FeatureBatch batch = from_json.TransformMany(ColumnsOf(raw.at(ticker)), ticker_ends, positions.at(ticker));
    ASSERT_EQ(batch.rows, static_cast<int64_t>(ticker_ends.size()));
    for (size_t i = 0; i < ticker_ends.size(); ++i) {
      const size_t row = row_of.at(ticker)[i];
      ASSERT_TRUE(SameBits(&batch.ohlc[i * 4 * w], &rows.ohlc[row * 4 * w], 4 * w) &&
                  SameBits(&batch.volume[i * w], &rows.volume[row * w], w) &&
                  SameBits(&batch.meta[i * 6], &rows.meta[row * 6], 6))
          << ticker << " batch row " << i << " (dataset row " << row << ")";
    }
  }
}

TEST(FeatureTransformTest, SyntheticDatasetRowsDefaultWindow) {
  const TempDir dir;
  const Config config = LoadConfig({}, {"data_dir=" + dir.path().string(), "tickers=[A, B]",
                                        "synthetic.n_bars=1500", "n_samples=2500", "chunk_rows=1000"});
  ASSERT_EQ(config.window, 64);
  ExpectParity(config, 2000);
}

TEST(FeatureTransformTest, YahooCsvDatasetRowsWindow32) {
  // A third-party file (Yahoo's export, with its "null" row dropped), with
  // its own non-default window.
  const TempDir dir;
  const std::filesystem::path example = std::filesystem::path(BARFORGE_SOURCE_DIR) / "examples/yahoo";
  std::filesystem::copy_file(example / "ACME.csv", dir / "ACME.csv");
  const Config config =
      LoadConfig(example / "config.yaml", {"data_dir=" + dir.path().string(), "n_samples=2000", "chunk_rows=700"});
  ASSERT_EQ(config.window, 32);
  ExpectParity(config, 2000);
}

// A small valid series for the refusals below.
struct SmallBars {
  std::vector<int64_t> timestamp_ns;
  std::vector<double> open, high, low, close, volume;

  explicit SmallBars(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      timestamp_ns.push_back(static_cast<int64_t>(i) * 60'000'000'000LL);
      const double price = 100 + std::sin(static_cast<double>(i));
      open.push_back(price);
      close.push_back(price * 1.001);
      high.push_back(price * 1.01);
      low.push_back(price * 0.99);
      volume.push_back(1000 + static_cast<double>(i));
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

std::string ScalerJson(int window) {
  return "{\"features\": [\"ret_window\", \"volatility\", \"mean_range\", \"log_volume\", \"log_price\", "
         "\"position\"], \"mean\": [0, 0.001, 0.002, 7, 4.6, 0], \"std\": [0.01, 0.0005, 0.001, 0.5, 0.1, 0.8], "
         "\"count\": 100, \"window\": " +
         std::to_string(window) + ", \"horizon\": 4}";
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

TEST(FeatureTransformTest, MatchesItsOwnBatchAndLaterBarsDoNotMatter) {
  const auto transform = FeatureTransform::FromJson(ScalerJson(8));
  const SmallBars small(60);
  const BarColumns bars = small.View();
  const WindowFeatures last = transform.Transform(bars, 39, 1);
  // Only the window's bars count: the same from the first 40 bars alone.
  BarColumns prefix = bars;
  prefix.timestamp_ns = bars.timestamp_ns.first(40);
  for (auto* column : {&prefix.open, &prefix.high, &prefix.low, &prefix.close, &prefix.volume}) {
    *column = column->first(40);
  }
  const WindowFeatures from_prefix = transform.Transform(prefix, 39, 1);
  EXPECT_TRUE(SameBits(from_prefix.ohlc.data(), last.ohlc.data(), 32));
  EXPECT_TRUE(SameBits(from_prefix.volume.data(), last.volume.data(), 8));
  EXPECT_TRUE(SameBits(from_prefix.meta.data(), last.meta.data(), 6));
  const std::vector<int64_t> ends = {39, 7, 20};
  const std::vector<int> positions = {1, -1, 0};
  const FeatureBatch batch = transform.TransformMany(bars, ends, positions);
  EXPECT_TRUE(SameBits(batch.ohlc.data(), last.ohlc.data(), 32));
  EXPECT_TRUE(SameBits(batch.meta.data(), last.meta.data(), 6));
  for (size_t i = 0; i < ends.size(); ++i) {
    const WindowFeatures one = transform.Transform(bars, ends[i], positions[i]);
    EXPECT_TRUE(SameBits(&batch.ohlc[i * 32], one.ohlc.data(), 32)) << i;
    EXPECT_TRUE(SameBits(&batch.volume[i * 8], one.volume.data(), 8)) << i;
    EXPECT_TRUE(SameBits(&batch.meta[i * 6], one.meta.data(), 6)) << i;
  }
  // Position only moves the last meta feature: (p - mean) / std.
  const WindowFeatures flat = transform.Transform(bars, 39, 0);
  EXPECT_EQ(flat.meta[5], 0.0f);
  EXPECT_EQ(last.meta[5], static_cast<float>(1 / 0.8));
  EXPECT_TRUE(SameBits(flat.meta.data(), last.meta.data(), 5));
  // ohlc's last close is ln(C_e / C_e) = 0; log_price is (ln C_e - 4.6) / 0.1.
  EXPECT_EQ(last.ohlc[31], 0.0f);
  EXPECT_EQ(last.meta[4], static_cast<float>((std::log(small.close[39]) - 4.6) / 0.1));
}

TEST(FeatureTransformTest, RefusesTooFewBars) {
  const auto transform = FeatureTransform::FromJson(ScalerJson(16));
  const SmallBars small(10);
  ExpectDataError([&] { transform.Transform(small.View(), 9, 0); }, "bars: 10 bars, fewer than the window of 16 bars");
  const SmallBars more(30);
  ExpectDataError([&] { transform.Transform(more.View(), 14, 0); },
                  "bars: the window ending at bar 14 would need 16 bars, only 15 are up to it");
  ExpectDataError([&] { transform.Transform(more.View(), 30, 0); }, "bars: end bar 30 is out of range (bars 0..29)");
  const std::vector<int64_t> ends = {29, 3};
  ExpectDataError([&] { transform.TransformMany(more.View(), ends, {}); },
                  "bars: the window ending at bar 3 would need 16 bars, only 4 are up to it");
}

TEST(FeatureTransformTest, RefusesInvalidBarsAsTheRawLoaderDoes) {
  const auto transform = FeatureTransform::FromJson(ScalerJson(8));
  SmallBars small(20);
  small.close[15] = -1;
  BarColumns bars = small.View();
  bars.source = "live.csv";
  bars.names.close = "Close";
  ExpectDataError([&] { transform.Transform(bars, 19, 0); }, "live.csv: row 16, column Close: value -1: price must be > 0");
  // A bar outside the window is not read.
  EXPECT_NO_THROW(transform.Transform(bars, 14, 0));
  SmallBars unordered(20);
  unordered.timestamp_ns[14] = unordered.timestamp_ns[13];
  ExpectDataError([&] { transform.Transform(unordered.View(), 19, 0); },
                  "bars: row 15, column timestamp: value 1970-01-01T00:13:00Z: timestamp is not after the previous bar's "
                  "(1970-01-01T00:13:00Z) (duplicate)");
  SmallBars high(20);
  high.high[18] = 1;
  ExpectDataError([&] { transform.TransformMany(high.View(), std::vector<int64_t>{19}, {}); },
                  fmt::format("bars: row 19, column high: value 1: high is below max(open, close) = {}",
                              std::max(high.open[18], high.close[18])));
  SmallBars short_volume(20);
  short_volume.volume.pop_back();
  ExpectDataError([&] { transform.Transform(short_volume.View(), 18, 0); },
                  "bars: column volume has 19 values but column timestamp has 20");
}

TEST(FeatureTransformTest, RefusesBadPositionsAndMissingTimestamps) {
  const auto transform = FeatureTransform::FromJson(ScalerJson(8));
  const SmallBars small(20);
  ExpectDataError([&] { transform.Transform(small.View(), 19, 2); }, "bars: position must be -1, 0 or 1, got 2");
  const std::vector<int64_t> ends = {10, 11, 12};
  const std::vector<int> two = {0, 1};
  ExpectDataError([&] { transform.TransformMany(small.View(), ends, two); },
                  "bars: 2 positions for 3 end bars (give one per end bar, or one for all)");
  EXPECT_EQ(FeatureTransform::FindBar(small.View(), 5 * 60'000'000'000LL), 5);
  ExpectDataError([&] { FeatureTransform::FindBar(small.View(), 30'000'000'000LL); },
                  "bars: no bar has timestamp 1970-01-01T00:00:30Z (30000000000 ns)");
  EXPECT_EQ(FormatTimestampNs(1577836800123400000LL), "2020-01-01T00:00:00.1234Z");
  EXPECT_EQ(FormatTimestampNs(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(FeatureTransformTest, RefusesScalersThatDoNotFit) {
  const TempDir dir;
  const auto json_path = dir / "scaler.json";
  std::ofstream(json_path) << ScalerJson(64);
  EXPECT_EQ(FeatureTransform::FromFile(json_path, 64).window(), 64);
  ExpectDataError([&] { FeatureTransform::FromFile(json_path, 32); },
                  json_path.string() + ": the scaler was fitted with window 64, not 32");
  ExpectDataError([&] { FeatureTransform::FromJson(ScalerJson(1), "s.json"); },
                  "s.json: scaler window 1 is invalid (must be >= 2)");
  ExpectDataError([&] { FeatureTransform::FromJson(
                      "{\"features\": [], \"mean\": [], \"std\": [], \"count\": 1, \"window\": 8, \"horizon\": 1}",
                      "s.json"); },
                  "s.json: meta scaler JSON: key 'features' has 0 values, expected 6 (one per meta feature: "
                  "ret_window, volatility, mean_range, log_volume, log_price, position)");

  // A Parquet file that is not a dataset: a synthetic raw file.
  const Config config = LoadConfig({}, {"data_dir=" + dir.path().string(), "tickers=[R]", "synthetic.n_bars=200"});
  RunSynth(config, false);
  const auto raw = RawDataPath(config, "R");
  ExpectDataError([&] { FeatureTransform::FromFile(raw); },
                  raw.string() +
                      ": the file's footer has no barforge.scaler entry (not a dataset written by barforge build)");
  // A dataset in parts: the first part's footer.
  std::filesystem::create_directories(dir / "parts");
  ExpectDataError([&] { FeatureTransform::FromFile(dir / "parts"); },
                  (dir / "parts").string() +
                      ": a directory without part-*.parquet files (not a dataset written in parts)");
  const Config built = LoadConfig({}, {"data_dir=" + dir.path().string(), "tickers=[R]", "synthetic.n_bars=200",
                                       "window=8", "horizon=2", "n_samples=50"});
  const BuildSummary summary = RunBuild(built, {});
  std::filesystem::copy_file(summary.output, dir / "parts/part-00001.parquet");
  std::filesystem::copy_file(summary.output, dir / "parts/part-00000.parquet");
  EXPECT_EQ(FeatureTransform::FromFile(dir / "parts").ToJson(), FeatureTransform::FromFile(summary.scaler).ToJson());
  try {
    FeatureTransform::FromFile(dir / "missing.json");
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "missing.json").string() + ": cannot open file: No such file or directory");
  }
}

// Hand-edited scalers are refused at load, naming the file and the key,
// instead of giving infinite features.
TEST(FeatureTransformTest, RefusesScalersThatWouldGiveInfiniteFeatures) {
  const auto with = [](const std::string& key, const std::string& values) {
    nlohmann::json json = nlohmann::json::parse(ScalerJson(8));
    json[key] = nlohmann::json::parse(values);
    return json.dump();
  };
  const char* kRule = "is not a standard deviation a scaler can hold (finite and >= 1e-12)";
  ExpectDataError([&] { FeatureTransform::FromJson(with("std", "[0.01, 0, 0.001, 0.5, 0.1, 0.8]"), "s.json"); },
                  std::string("s.json: meta scaler JSON: key 'std', feature 'volatility': 0 ") + kRule);
  ExpectDataError([&] { FeatureTransform::FromJson(with("std", "[0.01, 0.1, -0.5, 0.5, 0.1, 0.8]"), "s.json"); },
                  std::string("s.json: meta scaler JSON: key 'std', feature 'mean_range': -0.5 ") + kRule);
  // Subnormal: 1 / 1e-310 overflows, so the scaled feature would be inf.
  ExpectDataError([&] { FeatureTransform::FromJson(with("std", "[0.01, 0.1, 0.1, 0.5, 1e-310, 0.8]"), "s.json"); },
                  std::string("s.json: meta scaler JSON: key 'std', feature 'log_price': 1e-310 ") + kRule);
  ExpectDataError([&] { FeatureTransform::FromJson(with("mean", "[0, 0, 0, 0, 0]"), "s.json"); },
                  "s.json: meta scaler JSON: key 'mean' has 5 values, expected 6 (one per meta feature: ret_window, "
                  "volatility, mean_range, log_volume, log_price, position)");
  ExpectDataError([&] { FeatureTransform::FromJson(with("std", "[1, 1, 1, 1, 1, 1, 1]"), "s.json"); },
                  "s.json: meta scaler JSON: key 'std' has 7 values, expected 6 (one per meta feature: ret_window, "
                  "volatility, mean_range, log_volume, log_price, position)");
  // NaN is not JSON; a file that holds it is refused with the file's name.
  const TempDir dir;
  const auto path = dir / "edited.json";
  std::string text = ScalerJson(8);
  text.replace(text.find("0.0005"), 6, "NaN");
  std::ofstream(path) << text;
  try {
    FeatureTransform::FromFile(path);
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": meta scaler JSON: ", 0), 0u) << e.what();
  }
  std::ofstream(path, std::ios::trunc) << with("std", "[0.01, 0.1, 0.1, 0.5, 0.1, 0]");
  ExpectDataError([&] { FeatureTransform::FromFile(path); },
                  path.string() + ": meta scaler JSON: key 'std', feature 'position': 0 " + kRule);
  // The scaler a fit writes (std 1 for a constant feature) loads.
  EXPECT_EQ(FeatureTransform::FromJson(with("std", "[1, 1, 1, 1, 1, 1]")).std()[0], 1.0);
}

// A bar that passes the value rules but whose high / low overflows is a bad
// bar: the transform refuses it, naming row and column, never returns inf.
TEST(FeatureTransformTest, ExtremeBarsAreRefusedNotInfinite) {
  const auto transform = FeatureTransform::FromJson(ScalerJson(8));
  SmallBars small(20);
  small.low[15] = 1e-310;
  const std::string message = fmt::format(
      "bars: row 16, column low: value 1e-310: high / low = {} / 1e-310 overflows a double, so ln(high / low) is not "
      "finite",
      small.high[15]);
  ExpectDataError([&] { transform.Transform(small.View(), 19, 0); }, message);
  ExpectDataError([&] { transform.TransformMany(small.View(), std::vector<int64_t>{19, 18}, {}); }, message);
  SmallBars jump(20);
  for (size_t i = 12; i < 20; ++i) {
    jump.open[i] = jump.high[i] = jump.low[i] = jump.close[i] = 1e300;
  }
  jump.open[11] = jump.high[11] = jump.low[11] = jump.close[11] = 1e-300;
  ExpectDataError([&] { transform.Transform(jump.View(), 15, 0); },
                  "bars: row 13, column close: value 1e+300: close / the previous bar's close 1e-300 is inf, so the "
                  "return ln(close / previous close) is not finite");
  // Every feature of a valid window is finite.
  const WindowFeatures features = transform.Transform(SmallBars(20).View(), 19, 1);
  for (const float v : features.ohlc) EXPECT_TRUE(std::isfinite(v));
  for (const float v : features.meta) EXPECT_TRUE(std::isfinite(v));
}

// A dataset row's bar_index counts the bars the build kept: a frame that
// still holds a bar the build dropped would shift it to another window.
TEST(FeatureTransformTest, BarOfIndexRefusesAnIndexAnInvalidBarShifts) {
  const auto transform = FeatureTransform::FromJson(ScalerJson(8));
  SmallBars small(30);
  EXPECT_EQ(transform.BarOfIndex(small.View(), 29), 29);
  small.close[5] = -1;  // dropped by a build with on_bad_bar: drop; bar_index 20 is then this frame's bar 21
  EXPECT_EQ(transform.BarOfIndex(small.View(), 4), 4);
  ExpectDataError([&] { transform.BarOfIndex(small.View(), 20); },
                  "bars: row 6, column close: value -1: price must be > 0; a dataset's bar_index counts the bars left "
                  "after invalid ones are dropped, so bar index 20 would name another bar here: pass the row's "
                  "timestamp as the end, or remove the invalid bars first");
  // Bar 5 inside the window of 8 bars ending at 12 (5..12): the window's own
  // check refuses it, as without an index.
  EXPECT_EQ(transform.BarOfIndex(small.View(), 12), 12);
  ExpectDataError([&] { transform.Transform(small.View(), transform.BarOfIndex(small.View(), 12), 0); },
                  "bars: row 6, column close: value -1: price must be > 0");
  // The first index whose window starts after bar 5 (6..13) is refused.
  ExpectDataError([&] { transform.BarOfIndex(small.View(), 13); },
                  "bars: row 6, column close: value -1: price must be > 0; a dataset's bar_index counts the bars left "
                  "after invalid ones are dropped, so bar index 13 would name another bar here: pass the row's "
                  "timestamp as the end, or remove the invalid bars first");
  ExpectDataError([&] { transform.BarOfIndex(small.View(), 30); }, "bars: bar index 30 is out of range (bars 0..29)");
}

}  // namespace
}  // namespace barforge
