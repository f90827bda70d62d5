// A build with `triple_barrier`: every row's tb_label, tb_bars and tb_return
// recomputed from the raw closes the test itself wrote (a random walk with a
// flat stretch, where the window's volatility is exactly 0), read back by
// DuckDB; the columns' types in DuckDB and arrow-rs; the same bytes for one
// and two jobs; and the file passes `barforge validate`.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "barforge/dataset_reader.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

using Real = long double;

constexpr int kWindow = 16, kHorizon = 12;
constexpr double kProfit = 1.5, kStop = 0.75;
constexpr int64_t kFlatFirst = 200, kFlatLast = 260;  // bars with open = high = low = close = 50

// A random walk of `n` closes; `flat` adds the flat stretch.
std::vector<double> Closes(uint64_t seed, int64_t n, bool flat) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, 0.004);
  std::vector<double> closes;
  double c = 100;
  for (int64_t i = 0; i < n; ++i) {
    c *= std::exp(step(rng));
    closes.push_back(flat && i >= kFlatFirst && i <= kFlatLast ? 50.0 : c);
  }
  return closes;
}

void WriteCsv(const std::filesystem::path& file, const std::vector<double>& closes) {
  std::ofstream out(file);
  out << "timestamp,open,high,low,close,volume\n";
  for (size_t i = 0; i < closes.size(); ++i) {
    const double open = i == 0 ? closes[0] : closes[i - 1];
    const bool flat = closes[i] == 50.0 && open == 50.0;
    const double high = flat ? 50.0 : std::max(open, closes[i]) * 1.001;
    const double low = flat ? 50.0 : std::min(open, closes[i]) * 0.999;
    out << fmt::format("{},{},{},{},{},{}\n", 1577836800 + 60 * static_cast<int64_t>(i), open, high, low, closes[i],
                       1000 + static_cast<int>(i % 17) * 10);
  }
}

struct Reference {
  int label;
  int bars;
  Real log_return;
  bool ambiguous;  ///< a return within 1e-9 of a barrier before the decision
};

// §9 from the prices: sigma = population std of the window's W-1 one-bar log
// returns (two passes, long double), barriers p and q times sigma * sqrt(H),
// closes e+1..e+H in order, first touch wins.
Reference SlowLabel(const std::vector<double>& c, size_t e) {
  std::vector<Real> returns;
  for (size_t b = e - kWindow + 2; b <= e; ++b) returns.push_back(std::log(static_cast<Real>(c[b]) / c[b - 1]));
  Real mean = 0;
  for (Real r : returns) mean += r;
  mean /= static_cast<Real>(returns.size());
  Real var = 0;
  for (Real r : returns) var += (r - mean) * (r - mean);
  const Real sigma = std::sqrt(var / static_cast<Real>(returns.size()));
  const Real upper = kProfit * sigma * std::sqrt(static_cast<Real>(kHorizon));
  const Real lower = kStop * sigma * std::sqrt(static_cast<Real>(kHorizon));
  bool ambiguous = false;
  for (int k = 1; k <= kHorizon; ++k) {
    const Real r = std::log(static_cast<Real>(c[e + static_cast<size_t>(k)]) / c[e]);
    if (sigma > 0) {
      ambiguous |= std::abs(r - upper) < 1e-9L || std::abs(r + lower) < 1e-9L;
      if (r >= upper) return {1, k, r, ambiguous};
      if (r <= -lower) return {-1, k, r, ambiguous};
    }
  }
  return {0, kHorizon, std::log(static_cast<Real>(c[e + kHorizon]) / c[e]), ambiguous};
}

const nlohmann::json& Column(const nlohmann::json& dump, const std::string& name) {
  for (const auto& c : dump["columns"]) {
    if (c["name"] == name) return c;
  }
  throw std::runtime_error("no column " + name);
}

std::string Config(int jobs) {
  return fmt::format(
      "data_dir: data\nraw_data_filename: \"raw_{{ticker}}.csv\"\ntickers: [WALK, FLAT]\nsource: files\n"
      "window: {}\nhorizon: {}\nn_samples: 4000\nchunk_rows: 1000\nseed: 11\nn_jobs: {}\n"
      "triple_barrier: {{profit: {}, stop: {}}}\n",
      kWindow, kHorizon, jobs, kProfit, kStop);
}

TEST(TripleBarrierBuild, EveryRowMatchesTheRuleFromTheRawCloses) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  const std::vector<std::vector<double>> closes = {Closes(1, 900, false), Closes(2, 700, true)};
  const std::vector<std::string> tickers = {"WALK", "FLAT"};
  for (size_t k = 0; k < tickers.size(); ++k) WriteCsv(dir / ("data/raw_" + tickers[k] + ".csv"), closes[k]);
  WriteConfig(dir.path(), Config(2));
  const CommandResult build = RunBarforge(dir.path(), "build --config config.yaml --quiet");
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const auto file = dir / "data/samples_4K.parquet";

  const auto dump = DumpParquet("duckdb", file);
  ASSERT_EQ(dump["num_rows"], 4000);
  EXPECT_EQ(Column(dump, "tb_label")["type"], "TINYINT");
  EXPECT_EQ(Column(dump, "tb_bars")["type"], "SMALLINT");
  EXPECT_EQ(Column(dump, "tb_return")["type"], "FLOAT");
  // The three columns come last, after fwd_return.
  const auto& names = dump["columns"];
  ASSERT_EQ(names.size(), 12U);
  EXPECT_EQ(names[8]["name"], "fwd_return");
  EXPECT_EQ(names[9]["name"], "tb_label");
  const auto& ticker = Column(dump, "ticker")["values"];
  const auto& bar_index = Column(dump, "bar_index")["values"];
  const auto& label = Column(dump, "tb_label")["values"];
  const auto& bars = Column(dump, "tb_bars")["values"];
  const auto& tb_return = Column(dump, "tb_return")["values"];
  const auto& fwd_return = Column(dump, "fwd_return")["values"];

  int counts[3] = {}, flat_windows = 0, ambiguous = 0;
  for (size_t i = 0; i < 4000; ++i) {
    const size_t k = ticker[i] == "WALK" ? 0 : 1;
    const auto e = static_cast<size_t>(std::stoll(bar_index[i].get<std::string>()));
    const Reference want = SlowLabel(closes[k], e);
    const std::string at = fmt::format("row {} ({} e={})", i, tickers[k], e);
    if (want.ambiguous) {
      ++ambiguous;
      continue;
    }
    ASSERT_EQ(label[i].get<int>(), want.label) << at;
    ASSERT_EQ(bars[i].get<int>(), want.bars) << at;
    const Real got = JsonNumber(tb_return[i]);
    ASSERT_LE(std::abs(got - want.log_return), 1e-6L * std::max<Real>(1e-3L, std::abs(want.log_return))) << at;
    // At the vertical barrier tb_return is fwd_return, bit for bit.
    if (want.label == 0) {
      ASSERT_EQ(tb_return[i], fwd_return[i]) << at;
    }
    ++counts[want.label + 1];
    if (k == 1 && e >= static_cast<size_t>(kFlatFirst + kWindow - 1) && e <= static_cast<size_t>(kFlatLast)) {
      ++flat_windows;  // sigma 0: no barriers although the closes after the stretch move
      ASSERT_EQ(want.label, 0) << at;
    }
  }
  EXPECT_LE(ambiguous, 3);
  EXPECT_GT(counts[0], 100);
  EXPECT_GT(counts[1], 100);
  EXPECT_GT(counts[2], 100);
  EXPECT_GT(flat_windows, 50);

  const auto arrow = DumpParquet("arrow", file);
  EXPECT_EQ(Column(arrow, "tb_label")["type"], "Int8");
  EXPECT_EQ(Column(arrow, "tb_bars")["type"], "Int16");
  EXPECT_EQ(arrow["arrow_schema"][9]["type"], "Int8");
  EXPECT_EQ(arrow["arrow_schema"][10]["type"], "Int16");
  EXPECT_EQ(Column(arrow, "tb_label")["values"], label);

  // barforge's dataset reader (behind the Python package) gives int8 and int16.
  const DatasetReader reader(file);
  std::vector<int> read_labels, read_bars;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    for (const DatasetColumnData& column : reader.ReadRowGroup(g, {"tb_label", "tb_bars"})) {
      if (column.name == "tb_label") {
        EXPECT_EQ(column.kind, parquet::ColumnType::kInt8);
        read_labels.insert(read_labels.end(), column.int8s.begin(), column.int8s.end());
      } else {
        EXPECT_EQ(column.kind, parquet::ColumnType::kInt16);
        read_bars.insert(read_bars.end(), column.int16s.begin(), column.int16s.end());
      }
    }
  }
  EXPECT_EQ(nlohmann::json(read_labels), label);
  EXPECT_EQ(nlohmann::json(read_bars), bars);

  const CommandResult validate = RunBarforge(dir.path(), "validate " + file.string());
  EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err;
}

TEST(TripleBarrierBuild, ByteIdenticalForOneAndTwoJobs) {
  TempDir dir;
  std::vector<std::string> files;
  for (int jobs : {1, 2}) {
    const auto sub = dir / fmt::format("jobs{}", jobs);
    std::filesystem::create_directories(sub / "data");
    WriteCsv(sub / "data/raw_WALK.csv", Closes(1, 900, false));
    WriteCsv(sub / "data/raw_FLAT.csv", Closes(2, 700, true));
    WriteConfig(sub, Config(jobs));
    const CommandResult build = RunBarforge(sub, "build --config config.yaml --quiet");
    ASSERT_EQ(build.exit_code, 0) << build.err;
    files.push_back(ReadFile(sub / "data/samples_4K.parquet"));
  }
  ASSERT_GT(files[0].size(), 1000U);
  EXPECT_TRUE(files[0] == files[1]);
}

}  // namespace
}  // namespace barforge::testing
