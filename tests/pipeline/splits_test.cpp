// Time splits, purge, embargo and max_gap, checked against a slow reference
// written here from the rules in docs/semantics.md, on raw bars with real
// gaps: nights, weekends, a halt of several hours and a missing day.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"
#include "support/same_rows.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

constexpr int kWindow = 8, kHorizon = 4;
constexpr int64_t kNs = 1000000000LL;
constexpr int64_t kMaxGapNs = 3600 * kNs;  // max_gap: 1h
constexpr int64_t kEmbargo = 3;
constexpr double kFee = 5e-4;

struct Bars {
  std::vector<int64_t> t;
  std::vector<double> open, high, low, close, volume;
};

// 15-minute bars 09:00-16:45 UTC on weekdays from Monday 2024-01-01 for three
// weeks. BBB misses Wednesday 2024-01-10 and halts 11:00-13:45 on 2024-01-04.
Bars MakeBars(bool with_holes, uint64_t seed) {
  Bars bars;
  const int64_t monday = 1704067200LL * kNs;  // 2024-01-01T00:00:00Z
  uint64_t state = seed;
  double price = 100;
  for (int day = 0; day < 19; ++day) {
    if (day % 7 >= 5) continue;  // weekend
    if (with_holes && day == 9) continue;
    for (int slot = 0; slot < 32; ++slot) {
      if (with_holes && day == 3 && slot >= 8 && slot < 20) continue;
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const double u = static_cast<double>(state >> 11) / 9007199254740992.0;
      const double open = price;
      price *= std::exp((u - 0.5) * 0.02);
      bars.t.push_back(monday + day * 86400 * kNs + (9 * 3600 + slot * 900) * kNs);
      bars.open.push_back(open);
      bars.close.push_back(price);
      bars.high.push_back(std::max(open, price) * (1 + 0.003 * u));
      bars.low.push_back(std::min(open, price) * (1 - 0.002 * u));
      bars.volume.push_back(1000 + static_cast<double>(state >> 54));
    }
  }
  return bars;
}

void WriteCsv(const std::filesystem::path& path, const Bars& bars) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fprintf(f, "timestamp,open,high,low,close,volume\n");
  for (size_t i = 0; i < bars.t.size(); ++i) {
    std::fprintf(f, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g\n", static_cast<long long>(bars.t[i] / kNs), bars.open[i],
                 bars.high[i], bars.low[i], bars.close[i], bars.volume[i]);
  }
  std::fclose(f);
}

constexpr const char* kConfig = R"(data_dir: data
source: files
raw_data_filename: "{ticker}.csv"
tickers: [AAA, BBB]
window: 8
horizon: 4
fee_bps: 5
seed: 11
chunk_rows: 4000
n_samples: 20000
max_gap: 1h
embargo_bars: 3
extra_horizons: [1, 3]
splits:
  - {name: train, end: "2024-01-10T00:00:00Z", n_samples: 30000}
  - {name: valid, end: 0.75, n_samples: 3000}
  - {name: test, n_samples: all}
)";

class SplitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "data");
    bars_ = {MakeBars(false, 1), MakeBars(true, 2)};
    WriteCsv(dir_ / "data/AAA.csv", bars_[0]);
    WriteCsv(dir_ / "data/BBB.csv", bars_[1]);
  }

  CommandResult Build(const std::string& extra = "", const std::string& config = kConfig) {
    WriteConfig(dir_.path(), config);
    return RunBarforge(dir_.path(), "build --config config.yaml --json --overwrite " + extra);
  }

  // Split boundaries resolved independently: train ends at an instant, valid
  // at first + floor(0.75 (last - first)) over both tickers.
  std::vector<std::pair<int64_t, int64_t>> Boundaries() const {
    const int64_t first = std::min(bars_[0].t.front(), bars_[1].t.front());
    const int64_t last = std::max(bars_[0].t.back(), bars_[1].t.back());
    const int64_t train_end = 1704844800LL * kNs;  // 2024-01-10
    const int64_t valid_end = first + static_cast<int64_t>(std::floor(0.75L * static_cast<long double>(last - first)));
    return {{std::numeric_limits<int64_t>::min(), train_end}, {train_end, valid_end},
            {valid_end, std::numeric_limits<int64_t>::max()}};
  }

  // Every valid (ticker, end bar) of split s, in (ticker, end bar) order, by
  // checking each end bar against the rules one by one.
  std::vector<std::pair<int, int64_t>> ValidPairs(size_t s) const {
    const auto [start, end] = Boundaries()[s];
    std::vector<std::pair<int, int64_t>> pairs;
    for (int k = 0; k < 2; ++k) {
      const auto& t = bars_[static_cast<size_t>(k)].t;
      const auto n = static_cast<int64_t>(t.size());
      int64_t first_in = -1;
      for (int64_t b = 0; b < n && first_in < 0; ++b) {
        if (t[static_cast<size_t>(b)] >= start && t[static_cast<size_t>(b)] < end) first_in = b;
      }
      for (int64_t e = kWindow - 1; e + kHorizon < n; ++e) {
        bool ok = s == 0 || e - kWindow + 1 >= first_in + kEmbargo;
        for (int64_t b = e - kWindow + 1; b <= e + kHorizon && ok; ++b) {
          const int64_t ts = t[static_cast<size_t>(b)];
          ok = ts >= start && ts < end;
          if (ok && b > e - kWindow + 1) ok = ts - t[static_cast<size_t>(b - 1)] <= kMaxGapNs;
        }
        if (ok) pairs.emplace_back(k, e);
      }
    }
    return pairs;
  }

  TempDir dir_;
  std::vector<Bars> bars_;
};

struct Rows {
  std::vector<int> ticker;
  std::vector<int64_t> bar_index, timestamp, sample_id;
  parquet::ColumnBuffer meta, rewards;
};

Rows ReadRows(const std::filesystem::path& file) {
  const parquet::ParquetReader reader(file);
  Rows rows;
  const parquet::ColumnBuffer ticker = reader.ReadColumn("ticker");
  for (int64_t r = 0; r < ticker.num_rows; ++r) rows.ticker.push_back(ticker.string(static_cast<size_t>(r)) == "AAA" ? 0 : 1);
  rows.bar_index = reader.ReadColumn("bar_index").int64s;
  rows.timestamp = reader.ReadColumn("timestamp").int64s;
  rows.sample_id = reader.ReadColumn("sample_id").int64s;
  rows.meta = reader.ReadColumn("meta");
  rows.rewards = reader.ReadColumn("rewards");
  return rows;
}

std::string Footer(const std::filesystem::path& file, const std::string& key) {
  for (const auto& [k, v] : parquet::ParquetReader(file).key_value_metadata()) {
    if (k == key) return v;
  }
  return "";
}

// Raw meta features of docs/dataset.md, from the bars, in long double.
std::array<long double, 6> RawMeta(const Bars& b, int64_t e, int position) {
  const auto at = [](const std::vector<double>& v, int64_t i) { return static_cast<long double>(v[static_cast<size_t>(i)]); };
  const int64_t first = e - kWindow + 1;
  std::array<long double, 6> m{};
  m[0] = std::log(at(b.close, e) / at(b.close, first));
  long double mean = 0, var = 0, range = 0, vol = 0;
  for (int64_t j = first + 1; j <= e; ++j) mean += std::log(at(b.close, j) / at(b.close, j - 1));
  mean /= kWindow - 1;
  for (int64_t j = first + 1; j <= e; ++j) {
    const long double r = std::log(at(b.close, j) / at(b.close, j - 1)) - mean;
    var += r * r;
  }
  m[1] = std::sqrt(var / (kWindow - 1));
  for (int64_t j = first; j <= e; ++j) {
    range += std::log(at(b.high, j) / at(b.low, j));
    vol += std::log1p(at(b.volume, j));
  }
  m[2] = range / kWindow;
  m[3] = vol / kWindow;
  m[4] = std::log(at(b.close, e));
  m[5] = position;
  return m;
}

TEST_F(SplitsTest, EveryRowRespectsPurgeEmbargoAndMaxGapAndPairsAreUniform) {
  const CommandResult build = Build();
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const auto summary = nlohmann::json::parse(build.out);
  const char* names[] = {"train", "valid", "test"};
  const std::string files[] = {"data/samples_30K_train.parquet", "data/samples_3K_valid.parquet", ""};
  ASSERT_EQ(summary["splits"].size(), 3u);
  const auto boundaries = Boundaries();
  for (size_t s = 0; s < 3; ++s) {
    const auto pairs = ValidPairs(s);
    ASSERT_GT(pairs.size(), 50u) << names[s];
    const auto& split = summary["splits"][s];
    EXPECT_EQ(split["name"], names[s]);
    EXPECT_EQ(split["valid_pairs"], pairs.size()) << names[s];
    const std::string relative = s < 2 ? files[s] : fmt::format("data/samples_{}_test.parquet", pairs.size());
    EXPECT_EQ(split["output"], relative);
    const std::filesystem::path file = dir_ / relative;
    if (s > 0) {
      EXPECT_EQ(split["start_ns"], boundaries[s].first);
    }
    if (s < 2) {
      EXPECT_EQ(split["end_ns"], boundaries[s].second);
    }
    EXPECT_EQ(Footer(file, "barforge.split"), names[s]);
    const auto scaler = nlohmann::json::parse(Footer(file, "barforge.scaler"));
    EXPECT_EQ(scaler["embargo_bars"], kEmbargo);
    EXPECT_EQ(scaler["fitted_on"], "train");
    EXPECT_EQ(scaler["splits"][1]["start_ns"], boundaries[1].first);
    EXPECT_EQ(scaler["splits"][1]["end_ns"], boundaries[1].second);

    const Rows rows = ReadRows(file);
    const std::set<std::pair<int, int64_t>> valid(pairs.begin(), pairs.end());
    std::map<std::pair<int, int64_t>, int64_t> counts;
    for (size_t r = 0; r < rows.bar_index.size(); ++r) {
      const std::pair<int, int64_t> pair{rows.ticker[r], rows.bar_index[r]};
      ASSERT_TRUE(valid.count(pair)) << names[s] << " row " << r << ": ticker " << pair.first << " bar " << pair.second;
      ASSERT_EQ(rows.timestamp[r], bars_[static_cast<size_t>(pair.first)].t[static_cast<size_t>(pair.second)]);
      ASSERT_EQ(rows.sample_id[r], static_cast<int64_t>(r));
      ++counts[pair];
    }
    if (s == 2) {
      // n_samples: all: every valid pair once, in (ticker, end bar) order.
      ASSERT_EQ(rows.bar_index.size(), pairs.size());
      for (size_t r = 0; r < pairs.size(); ++r) {
        EXPECT_EQ(std::make_pair(rows.ticker[r], rows.bar_index[r]), pairs[r]) << r;
      }
      continue;
    }
    // Chi-square over the split's pairs: within 5 sigma of its mean P - 1.
    const double expected = static_cast<double>(rows.bar_index.size()) / static_cast<double>(pairs.size());
    double chi2 = 0;
    for (const auto& pair : pairs) {
      const double c = static_cast<double>(counts[pair]);
      chi2 += (c - expected) * (c - expected) / expected;
    }
    const double df = static_cast<double>(pairs.size() - 1);
    EXPECT_LT(std::fabs(chi2 - df), 5 * std::sqrt(2 * df)) << names[s] << ": chi2 " << chi2 << ", df " << df;
  }

  // Gap exclusions per ticker: end bars of [W-1, n-1-H] with a gap > 1h.
  for (size_t k = 0; k < 2; ++k) {
    const auto& t = bars_[k].t;
    int64_t excluded = 0;
    for (size_t e = kWindow - 1; e + kHorizon < t.size(); ++e) {
      bool gap = false;
      for (size_t b = e - kWindow + 2; b <= e + kHorizon; ++b) gap = gap || t[b] - t[b - 1] > kMaxGapNs;
      excluded += gap;
    }
    EXPECT_EQ(summary["tickers"][k]["gap_excluded_end_bars"], excluded) << k;
    EXPECT_GT(excluded, 0);
  }
}

TEST_F(SplitsTest, ScalerIsTheTrainingRowsExactMeanAndStdAndScalesEverySplit) {
  const CommandResult build = Build();
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const auto scaler = nlohmann::json::parse(ReadFile(dir_ / "data/meta_scaler.json"));
  const auto train_file = dir_ / "data/samples_30K_train.parquet";
  const parquet::ParquetReader train_reader(train_file);
  const auto fwd = train_reader.ReadColumn("fwd_return").floats;
  const Rows train = ReadRows(train_file);
  // The position from the rewards: action 0 earns -fee |pos|, action +1
  // earns fwd - fee |1 - pos|.
  const auto position = [](const Rows& rows, const std::vector<float>& fwd_return, size_t r) {
    if (std::fabs(rows.rewards.floats[3 * r + 1]) < kFee / 2) return 0;
    return std::fabs(rows.rewards.floats[3 * r + 2] - fwd_return[r]) < kFee ? 1 : -1;
  };
  std::array<long double, 6> sum{}, sum2{};
  std::vector<std::array<long double, 6>> raw;
  for (size_t r = 0; r < train.bar_index.size(); ++r) {
    raw.push_back(RawMeta(bars_[static_cast<size_t>(train.ticker[r])], train.bar_index[r], position(train, fwd, r)));
    for (size_t f = 0; f < 6; ++f) sum[f] += raw.back()[f];
  }
  const auto n = static_cast<long double>(raw.size());
  EXPECT_EQ(scaler["count"], 30000);
  std::array<double, 6> mean{}, std{};
  for (size_t f = 0; f < 6; ++f) {
    mean[f] = static_cast<double>(sum[f] / n);
    for (const auto& m : raw) sum2[f] += (m[f] - sum[f] / n) * (m[f] - sum[f] / n);
    std[f] = static_cast<double>(std::sqrt(sum2[f] / n));
    EXPECT_NEAR(scaler["mean"][f].get<double>(), mean[f], 1e-9 * std::max(1.0, std::fabs(mean[f]))) << f;
    EXPECT_NEAR(scaler["std"][f].get<double>(), std[f], 1e-9 * std[f]) << f;
  }
  // Validation rows are scaled with the training scaler.
  const auto valid_file = dir_ / "data/samples_3K_valid.parquet";
  const Rows valid = ReadRows(valid_file);
  const auto valid_fwd = parquet::ParquetReader(valid_file).ReadColumn("fwd_return").floats;
  for (size_t r = 0; r < valid.bar_index.size(); ++r) {
    const auto m = RawMeta(bars_[static_cast<size_t>(valid.ticker[r])], valid.bar_index[r], position(valid, valid_fwd, r));
    for (size_t f = 0; f < 6; ++f) {
      const double scaled = (static_cast<double>(m[f]) - scaler["mean"][f].get<double>()) / scaler["std"][f].get<double>();
      ASSERT_NEAR(valid.meta.floats[6 * r + f], scaled, 1e-5 * std::max(1.0, std::fabs(scaled))) << r << " " << f;
    }
  }
}

TEST_F(SplitsTest, ExtraHorizonsAreForwardLogReturns) {
  const CommandResult build = Build();
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const auto file = dir_ / "data/samples_3K_valid.parquet";
  const parquet::ParquetReader reader(file);
  const Rows rows = ReadRows(file);
  for (const int h : {1, 3}) {
    const auto values = reader.ReadColumn(fmt::format("fwd_return_{}", h)).floats;
    ASSERT_EQ(values.size(), rows.bar_index.size());
    for (size_t r = 0; r < values.size(); ++r) {
      const Bars& b = bars_[static_cast<size_t>(rows.ticker[r])];
      const auto e = static_cast<size_t>(rows.bar_index[r]);
      const double expected = std::log(b.close[e + static_cast<size_t>(h)] / b.close[e]);
      ASSERT_NEAR(values[r], expected, 1e-6 * std::max(1e-3, std::fabs(expected))) << h << " " << r;
    }
  }
  EXPECT_EQ(RunBarforge(dir_.path(), "validate " + file.string()).exit_code, 0);
}

TEST_F(SplitsTest, ASplitDoesNotChangeWhenAnotherSplitsCountChanges) {
  ASSERT_EQ(Build().exit_code, 0);
  const auto test_file = dir_ / fmt::format("data/samples_{}_test.parquet", ValidPairs(2).size());
  std::filesystem::rename(dir_ / "data/samples_30K_train.parquet", dir_ / "train_a.parquet");
  std::filesystem::rename(dir_ / "data/samples_3K_valid.parquet", dir_ / "valid_a.parquet");
  std::filesystem::rename(test_file, dir_ / "test_a.parquet");
  std::string config = kConfig;
  config.replace(config.find("n_samples: 3000}"), 16, "n_samples: 5000}");
  ASSERT_EQ(Build("", config).exit_code, 0);
  ExpectSameRows(dir_ / "train_a.parquet", dir_ / "data/samples_30K_train.parquet", "train");
  ExpectSameRows(dir_ / "test_a.parquet", test_file, "test");
  // Sample i of valid is the same: the 3000 rows are the first of the 5000.
  const Rows a = ReadRows(dir_ / "valid_a.parquet"), b = ReadRows(dir_ / "data/samples_5K_valid.parquet");
  ASSERT_EQ(b.bar_index.size(), 5000u);
  for (size_t r = 0; r < 3000; ++r) {
    ASSERT_EQ(a.bar_index[r], b.bar_index[r]) << r;
    ASSERT_EQ(a.ticker[r], b.ticker[r]) << r;
    ASSERT_EQ(a.rewards.floats[3 * r], b.rewards.floats[3 * r]) << r;
  }
}

TEST_F(SplitsTest, ByteIdenticalForOneAndTwoJobs) {
  ASSERT_EQ(Build("--jobs 1").exit_code, 0);
  const std::string names[] = {"samples_30K_train.parquet", "samples_3K_valid.parquet",
                               fmt::format("samples_{}_test.parquet", ValidPairs(2).size()), "meta_scaler.json"};
  std::vector<std::string> one;
  for (const std::string& name : names) one.push_back(ReadFile(dir_ / "data" / name));
  ASSERT_EQ(Build("--jobs 2").exit_code, 0);
  for (size_t i = 0; i < std::size(names); ++i) EXPECT_TRUE(one[i] == ReadFile(dir_ / "data" / names[i])) << names[i];
}

// Each bad config stops the build with one line naming the problem, and
// writes neither a dataset nor a scaler.
TEST_F(SplitsTest, BadConfigsAreRefusedWithTheirMessage) {
  const std::string base = R"(data_dir: data
source: files
raw_data_filename: "{ticker}.csv"
tickers: [AAA, BBB]
window: 8
horizon: 4
)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"splits: [{name: a, end: 0.5, size: 1}, {name: b}]",
       "config.yaml: key 'splits': split 'a': unknown key 'size' (known: name, end, n_samples)"},
      {"splits: [{name: a, end: 0.6}, {name: b, end: 0.5}, {name: c}]",
       "config.yaml: key 'splits': split 'b': end 0.5 is not after the end of split 'a' (0.6); ends must increase"},
      {"splits: [{name: a, end: \"2024-01-15\"}, {name: b, end: 0.1}, {name: c}]",
       "key 'splits': split 'b': end 0.1 (1704257910000000000 ns) is not after the end of split 'a' (2024-01-15, "
       "1705276800000000000 ns); ends must increase"},
      {"splits: [{name: a, end: 1.5}, {name: b}]", "config.yaml: key 'splits': split 'a': end 1.5 is a fraction outside (0, 1)"},
      {"splits: [{name: a, end: 0}, {name: b}]", "config.yaml: key 'splits': split 'a': end 0 is a fraction outside (0, 1)"},
      {"splits: [{name: a, end: 0.5}, {name: a}]", "config.yaml: key 'splits': split 'a' is listed twice"},
      {"splits: [{name: a}, {name: b}]", "config.yaml: key 'splits': split 'a': has no end (only the last split has none)"},
      {"splits: [{name: a, end: \"2024-01-01T10:00:00Z\"}, {name: b}]",
       "split 'a' has no valid (ticker, end bar) pair: too short: no ticker has window 8 + horizon 4 bars inside it"},
      {"window: 30\nmax_gap: 1h\nsplits: [{name: a, end: 0.5}, {name: b}]",
       "split 'a' has no valid (ticker, end bar) pair: all gaps: every window of window 30 + horizon 4 bars holds two "
       "bars more than max_gap 1h apart"},
      {"max_gap: 5x", "config.yaml: key 'max_gap': expected 0 or a duration such as 90s, 5m, 2h or 4d, got '5x'"},
      {"max_gap: 10m", "max_gap 10m is smaller than the spacing of every two consecutive bars (the smallest is 900 s)"},
      {"extra_horizons: [2, 5]", "config.yaml: key 'extra_horizons': horizon 5 is outside 1..4 (horizon)"},
      {"extra_horizons: [0]", "config.yaml: key 'extra_horizons': horizon 0 is outside 1..4 (horizon)"},
      {"extra_horizons: [2, 2]", "config.yaml: key 'extra_horizons': horizon 2 is listed twice"},
  };
  for (const auto& [extra, message] : cases) {
    std::string config = base;
    if (extra.rfind("window:", 0) == 0) config.replace(config.find("window: 8\n"), 10, "");
    WriteConfig(dir_.path(), config + extra + "\n");
    const CommandResult result = RunBarforge(dir_.path(), "build --config config.yaml --quiet");
    EXPECT_NE(result.exit_code, 0) << extra;
    EXPECT_EQ(result.err, "barforge: error: " + message + "\n") << extra;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "data")) {
      EXPECT_EQ(entry.path().extension(), ".csv") << extra << ": wrote " << entry.path();
    }
  }
}

}  // namespace
}  // namespace barforge::testing
