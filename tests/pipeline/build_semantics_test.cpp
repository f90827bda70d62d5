// Every value of every row of a small build, recomputed from the raw bars by
// a plain reference that shares no code with the pipeline: raw bars and the
// dataset are read by DuckDB (tools/dump_parquet.mjs), draws are recomputed
// with Random123 directly from docs/semantics.md, and features from docs/dataset.md
// as written (ln(P / C_e), two-pass population std, in long double).

#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

using Real = long double;
__extension__ typedef unsigned __int128 Uint128;  // -Wpedantic needs the marker

struct RawBars {
  std::vector<std::string> timestamp;
  std::vector<Real> open, high, low, close, volume;
};

RawBars ReadRaw(const std::filesystem::path& file) {
  const auto dump = DumpParquet("duckdb", file);
  RawBars bars;
  for (const auto& column : dump["columns"]) {
    const std::string name = column["name"];
    for (const auto& v : column["values"]) {
      if (name == "timestamp") {
        bars.timestamp.push_back(v.get<std::string>());
        continue;
      }
      std::vector<Real>* target = name == "open" ? &bars.open : name == "high" ? &bars.high
                                : name == "low"  ? &bars.low  : name == "close" ? &bars.close
                                : &bars.volume;
      target->push_back(JsonNumber(v));
    }
  }
  return bars;
}

struct Draw {
  size_t ticker;
  int64_t end_bar;
  int position;
};

// The mapping documented in docs/semantics.md ("Sampling"), written out
// again from the text.
Draw ReferenceDraw(uint64_t seed, uint64_t i, const std::vector<int64_t>& pairs, int window) {
  using Philox = r123::Philox4x32;
  const Philox::key_type key = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
  const Philox::ctr_type ctr = {{static_cast<uint32_t>(i), static_cast<uint32_t>(i >> 32), 0, 0}};
  const Philox::ctr_type r = Philox()(ctr, key);
  int64_t total = 0;
  for (int64_t p : pairs) total += p;
  const uint64_t bits = (static_cast<uint64_t>(r[1]) << 32) | r[0];
  auto pair = static_cast<int64_t>((static_cast<Uint128>(bits) * static_cast<uint64_t>(total)) >> 64);
  const int position = static_cast<int>(((static_cast<uint64_t>(r[2]) * 3) >> 32)) - 1;
  size_t k = 0;
  while (pair >= pairs[k]) pair -= pairs[k++];
  return {k, window - 1 + pair, position};
}

Real PopulationStd(const std::vector<Real>& x) {
  Real mean = 0;
  for (Real v : x) mean += v;
  mean /= static_cast<Real>(x.size());
  Real var = 0;
  for (Real v : x) var += (v - mean) * (v - mean);
  return std::sqrt(var / static_cast<Real>(x.size()));
}

void ExpectNear(double actual, Real expected, double tolerance, const std::string& what) {
  ASSERT_LE(std::abs(static_cast<Real>(actual) - expected), tolerance * std::max<Real>(1, std::abs(expected)))
      << what << ": got " << actual << ", expected " << static_cast<double>(expected);
}

TEST(BuildSemantics, EveryValueMatchesAnIndependentReference) {
  constexpr int kWindow = 10, kHorizon = 5;
  constexpr uint64_t kSeed = 20261125;
  constexpr double kFeeBps = 7.5;
  const std::vector<std::string> tickers = {"AAA", "BBB", "CCC"};
  const std::vector<int64_t> bars_per_ticker = {1500, 700, 1100};
  TempDir dir;
  // Tickers of different lengths: write each raw file with its own n_bars.
  for (size_t k = 0; k < tickers.size(); ++k) {
    const CommandResult synth = RunBarforge(
        dir.path(), "synth --quiet --set data_dir=data --set tickers=[" + tickers[k] + "] --set synthetic.n_bars=" +
                        std::to_string(bars_per_ticker[k]) + " --set seed=" + std::to_string(kSeed));
    ASSERT_EQ(synth.exit_code, 0) << synth.err;
  }
  WriteConfig(dir.path(), "data_dir: data\ntickers: [AAA, BBB, CCC]\nsource: files\nwindow: 10\nhorizon: 5\n"
                          "fee_bps: 7.5\nn_samples: 4000\nchunk_rows: 1500\nseed: 20261125\n");
  const CommandResult build = RunBarforge(dir.path(), "build --config config.yaml --quiet");
  ASSERT_EQ(build.exit_code, 0) << build.err;

  std::vector<RawBars> raw;
  std::vector<int64_t> pairs;
  for (size_t k = 0; k < tickers.size(); ++k) {
    raw.push_back(ReadRaw(dir / ("data/raw_" + tickers[k] + ".parquet")));
    ASSERT_EQ(static_cast<int64_t>(raw.back().close.size()), bars_per_ticker[k]);
    pairs.push_back(bars_per_ticker[k] - kWindow - kHorizon + 1);
  }
  const auto dump = DumpParquet("duckdb", dir / "data/samples_4K.parquet");
  ASSERT_EQ(dump["num_rows"], 4000);
  const auto& cols = dump["columns"];
  auto column = [&](const std::string& name) -> const nlohmann::json& {
    for (const auto& c : cols) {
      if (c["name"] == name) return c["values"];
    }
    throw std::runtime_error("no column " + name);
  };
  const auto scaler = nlohmann::json::parse(ReadFile(dir / "data/meta_scaler.json"));
  ASSERT_EQ(scaler["window"], kWindow);
  ASSERT_EQ(scaler["horizon"], kHorizon);
  ASSERT_EQ(scaler["count"], 4000);

  const Real fee = kFeeBps * 1e-4L;
  std::vector<std::vector<Real>> raw_meta(6);
  for (uint64_t i = 0; i < 4000; ++i) {
    const Draw d = ReferenceDraw(kSeed, i, pairs, kWindow);
    const RawBars& b = raw[d.ticker];
    const auto e = static_cast<size_t>(d.end_bar);
    const std::string at = "row " + std::to_string(i);
    ASSERT_EQ(column("sample_id")[i], std::to_string(i));
    ASSERT_EQ(column("ticker")[i], tickers[d.ticker]) << at;
    ASSERT_EQ(column("bar_index")[i], std::to_string(d.end_bar)) << at;
    ASSERT_EQ(column("timestamp")[i], b.timestamp[e]) << at;

    const Real ce = b.close[e];
    std::vector<Real> x, log_returns, ranges;
    for (size_t j = 0; j < kWindow; ++j) {
      const size_t bj = e - kWindow + 1 + j;
      const Real prices[4] = {b.open[bj], b.high[bj], b.low[bj], b.close[bj]};
      for (size_t f = 0; f < 4; ++f) {
        ExpectNear(JsonNumber(column("ohlc")[i][j * 4 + f]), std::log(prices[f] / ce), 2e-6, at + " ohlc");
      }
      x.push_back(std::log1p(b.volume[bj]));
      ranges.push_back(std::log(b.high[bj] / b.low[bj]));
      if (j > 0) log_returns.push_back(std::log(b.close[bj] / b.close[bj - 1]));
    }
    const Real x_std = PopulationStd(x);
    Real x_mean = 0;
    for (Real v : x) x_mean += v;
    x_mean /= kWindow;
    for (size_t j = 0; j < kWindow; ++j) {
      const Real z = x_std < 1e-12L ? 0 : (x[j] - x_mean) / x_std;
      ExpectNear(JsonNumber(column("volume")[i][j]), z, 1e-5, at + " volume");
    }
    Real mean_range = 0;
    for (Real r : ranges) mean_range += r;
    const Real meta[6] = {std::log(ce / b.close[e - kWindow + 1]), PopulationStd(log_returns),
                          mean_range / kWindow, x_mean, std::log(ce), static_cast<Real>(d.position)};
    for (size_t m = 0; m < 6; ++m) {
      raw_meta[m].push_back(meta[m]);
      const Real scaled = (meta[m] - scaler["mean"][m].get<double>()) / scaler["std"][m].get<double>();
      ExpectNear(JsonNumber(column("meta")[i][m]), scaled, 1e-5, at + " meta " + std::to_string(m));
    }
    const Real fwd = std::log(b.close[e + kHorizon] / ce);
    ExpectNear(JsonNumber(column("fwd_return")[i]), fwd, 1e-6, at + " fwd_return");
    for (int a = -1; a <= 1; ++a) {
      const Real reward = a * fwd - fee * std::abs(a - d.position);
      ExpectNear(JsonNumber(column("rewards")[i][static_cast<size_t>(a + 1)]), reward, 1e-6, at + " rewards");
    }
  }
  // The scaler: mean and population std of the raw meta over all samples.
  const std::vector<std::string> names = {"ret_window", "volatility", "mean_range", "log_volume", "log_price",
                                          "position"};
  EXPECT_EQ(scaler["features"], names);
  for (size_t m = 0; m < 6; ++m) {
    Real mean = 0;
    for (Real v : raw_meta[m]) mean += v;
    mean /= static_cast<Real>(raw_meta[m].size());
    ExpectNear(scaler["mean"][m].get<double>(), mean, 1e-12, "scaler mean " + names[m]);
    const Real sd = PopulationStd(raw_meta[m]);
    ExpectNear(scaler["std"][m].get<double>(), sd < 1e-12L ? 1 : sd, 1e-10, "scaler std " + names[m]);
  }
}

}  // namespace
}  // namespace barforge::testing
