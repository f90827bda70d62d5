// Values that used to be wrong with no error: more samples than windows, one
// seed for market and sampling, bars that break the arithmetic, a flag and a
// --set that disagree, an empty config, transform replacing its own input,
// and a transform --all file that validate could not read.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "barforge/dataset_reader.h"
#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

// Two tickers of 500 bars, W = 8, H = 4: 2 * (500 - 8 - 4 + 1) = 978 windows.
constexpr int64_t kWindows = 978;

class EverydayValues : public ::testing::Test {
 protected:
  void SetUp() override { WriteConfig(dir_.path(), kTwoTickerConfig); }

  CommandResult Run(const std::string& args) { return RunBarforge(dir_.path(), args); }

  TempDir dir_;
};

TEST_F(EverydayValues, EveryBuildReportsItsValidWindowsAndWarnsWhenNExceedsThem) {
  const CommandResult text = Run("build --config config.yaml");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("\n300 samples drawn from 978 valid windows (ticker, end bar)\n"), std::string::npos)
      << text.out;
  EXPECT_EQ(text.err.find("warning"), std::string::npos) << text.err;

  const CommandResult json = Run("build --config config.yaml --json --set samples_filename=b.parquet "
                                 "--set scaler_filename=b.json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json summary = nlohmann::json::parse(json.out);
  EXPECT_EQ(summary["valid_pairs"], kWindows);
  EXPECT_EQ(summary["warnings"], nlohmann::json::array());

  // 5,000 samples of 978 windows: each window about 5.1 times.
  const std::string warning =
      "5,000 samples drawn from 978 valid windows (ticker, end bar): each window is in about 5.1 rows on average; set "
      "n_samples to at most 978 (or `all` in a split for every window once), or give more bars";
  const CommandResult many = Run("build --config config.yaml --json --samples 5000 --set scaler_filename=c.json");
  ASSERT_EQ(many.exit_code, 0) << many.err;
  EXPECT_EQ(many.err, "barforge: warning: " + warning + "\n");
  EXPECT_EQ(nlohmann::json::parse(many.out)["warnings"], nlohmann::json::array({warning}));
  const CommandResult quiet =
      Run("build --config config.yaml --quiet --samples 5000 --set scaler_filename=d.json --overwrite");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
}

TEST_F(EverydayValues, EvaluationSplitsWithoutNSamplesTakeEveryWindowOnce) {
  const CommandResult result =
      Run("build --config config.yaml --json --set 'splits=[{name: train, end: 0.7}, {name: test}]'");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json summary = nlohmann::json::parse(result.out);
  ASSERT_EQ(summary["splits"].size(), 2u);
  const nlohmann::json& train = summary["splits"][0];
  const nlohmann::json& test = summary["splits"][1];
  // The first split takes n_samples; the test split each of its windows once.
  EXPECT_EQ(train["rows"], 300);
  EXPECT_EQ(train["output"], "data/samples_300_train.parquet");
  const int64_t test_windows = test["valid_pairs"].get<int64_t>();
  EXPECT_GT(test_windows, 100);
  EXPECT_EQ(test["rows"], test_windows);
  EXPECT_EQ(test["output"], "data/samples_" + std::to_string(test_windows) + "_test.parquet");
  EXPECT_EQ(summary["valid_pairs"], train["valid_pairs"].get<int64_t>() + test_windows);
  // Every window once: (ticker, bar_index) pairs are distinct.
  const parquet::ParquetReader reader(dir_ / test["output"].get<std::string>());
  const parquet::ColumnBuffer tickers = reader.ReadColumn("ticker");
  const std::vector<int64_t> bars = reader.ReadColumn("bar_index").int64s;
  std::set<std::pair<std::string, int64_t>> seen;
  for (size_t i = 0; i < bars.size(); ++i) seen.emplace(std::string(tickers.string(i)), bars[i]);
  EXPECT_EQ(static_cast<int64_t>(seen.size()), test_windows);

  // A split with more samples than windows is warned about by name.
  const CommandResult many = Run("build --config config.yaml --json --set scaler_filename=m.json "
                                 "--set 'samples_filename=m_{n}.parquet' --set 'splits=[{name: train, end: 0.7, n_samples: 2000}, {name: test}]'");
  ASSERT_EQ(many.exit_code, 0) << many.err;
  const nlohmann::json again = nlohmann::json::parse(many.out);
  const std::string prefix = "split 'train': 2,000 samples drawn from " +
                             std::to_string(again["splits"][0]["valid_pairs"].get<int64_t>()) + " valid windows";
  ASSERT_EQ(again["warnings"].size(), 1u) << many.out;
  EXPECT_EQ(again["warnings"][0].get<std::string>().rfind(prefix, 0), 0u) << again["warnings"];
}

TEST_F(EverydayValues, ANewSamplingSeedOverTheSameMarketJustWorks) {
  ASSERT_EQ(Run("build --config config.yaml --quiet").exit_code, 0);
  const std::string raw = ReadFile(dir_ / "data/raw_AAA.parquet");
  const parquet::ParquetReader first(dir_ / "data/raw_AAA.parquet");
  bool recorded = false;
  for (const auto& [key, value] : first.key_value_metadata()) {
    if (key == "barforge.synthetic") recorded = nlohmann::json::parse(value)["seed"] == 42;
  }
  EXPECT_TRUE(recorded) << "the market's seed is synthetic.seed, 42 by default";
  const CommandResult draw = Run("build --config config.yaml --quiet --seed 43 --set samples_filename=s43.parquet "
                                 "--set scaler_filename=s43.json");
  ASSERT_EQ(draw.exit_code, 0) << draw.err;
  EXPECT_EQ(ReadFile(dir_ / "data/raw_AAA.parquet"), raw);  // the same market, untouched
  const auto bar_index = [&](const std::string& file) {
    return parquet::ParquetReader(dir_ / file).ReadColumn("bar_index").int64s;
  };
  EXPECT_NE(bar_index("data/samples_300.parquet"), bar_index("data/s43.parquet"));
  // Another market over the kept raw files is refused, naming the key.
  const CommandResult market = Run("build --config config.yaml --quiet --set synthetic.seed=7 "
                                   "--set samples_filename=m7.parquet --set scaler_filename=m7.json");
  EXPECT_EQ(market.exit_code, 1);
  EXPECT_EQ(market.err,
            "barforge: error: data/raw_AAA.parquet: this raw file was generated with other parameters (synthetic.seed "
            "42 in the file, 7 in the config); pass --overwrite to regenerate it, or set synthetic.seed: 42 to use "
            "the market on disk\n");
}

TEST_F(EverydayValues, BarsThatBreakTheArithmeticAreBadBars) {
  std::filesystem::create_directories(dir_ / "data");
  std::string csv = "timestamp,open,high,low,close,volume\n";
  for (int i = 0; i < 60; ++i) {
    const std::string low = i == 10 ? "1e-310" : "9";
    csv += "2021-01-01T" + std::string(i / 60 < 10 ? "0" : "") + std::to_string(i / 60) + ":" +
           (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + ":00Z,10," + std::to_string(11 + i % 3) + "," + low +
           ",10.5,100\n";
  }
  std::ofstream(dir_ / "data/CSV.csv") << csv;
  const std::string files = "--set source=files --set 'raw_data_filename={ticker}.csv' --set 'tickers=[CSV]' ";
  const std::string error =
      "data/CSV.csv: row 12, column low: value 1e-310: high / low = 12 / 1e-310 overflows a double, so "
      "ln(high / low) is not finite";
  const CommandResult stopped = Run("build --config config.yaml --quiet " + files);
  EXPECT_EQ(stopped.exit_code, 1);
  EXPECT_EQ(stopped.err, "barforge: error: " + error + "\n");
  const CommandResult dropped = Run("build --config config.yaml --json --set on_bad_bar=drop " + files);
  ASSERT_EQ(dropped.exit_code, 0) << dropped.err;
  EXPECT_EQ(nlohmann::json::parse(dropped.out)["tickers"][0]["dropped_bars"], 1);
  EXPECT_EQ(Run("validate data/samples_300.parquet").exit_code, 0);
  // transform names the bar too, and with drop writes only finite values.
  const CommandResult refused =
      Run("transform --config config.yaml --scaler data/meta_scaler.json --bars data/CSV.csv --all --out f.parquet");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "barforge: error: " + error + "\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "f.parquet"));
  const CommandResult written = Run("transform --config config.yaml --set on_bad_bar=drop --scaler "
                                    "data/meta_scaler.json --bars data/CSV.csv --all --out f.parquet");
  ASSERT_EQ(written.exit_code, 0) << written.err;
  const CommandResult valid = Run("validate f.parquet --json");
  ASSERT_EQ(valid.exit_code, 0) << valid.err;
  EXPECT_EQ(nlohmann::json::parse(valid.out)["rows"], 59 - 8 + 1);
}

TEST_F(EverydayValues, AFlagAndASetOfItsKeyConflict) {
  const std::pair<std::string, std::string> cases[] = {
      {"--samples 100 --set n_samples=200", "--samples 100 and --set n_samples=200 both set n_samples"},
      {"--set seed=2 --seed 1", "--seed 1 and --set seed=2 both set seed"},
      {"--jobs 2 --set n_jobs=1", "--jobs 2 and --set n_jobs=1 both set n_jobs"},
  };
  for (const auto& [args, message] : cases) {
    const CommandResult result = Run("build --config config.yaml --quiet " + args);
    EXPECT_EQ(result.exit_code, 2) << args;
    EXPECT_EQ(result.err, "barforge: error: build: " + message + "; give one of them\n");
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data"));
  // Each alone is fine, and a --set of another key does not conflict.
  EXPECT_EQ(Run("build --config config.yaml --quiet --samples 100 --set seed=3").exit_code, 0);
  EXPECT_EQ(parquet::ParquetReader(dir_ / "data/samples_100.parquet").num_rows(), 100);
}

TEST_F(EverydayValues, AnEmptyConfigFileIsAnError) {
  WriteConfig(dir_.path(), "", "empty.yaml");
  const CommandResult result = Run("build --config empty.yaml --quiet");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "barforge: error: empty.yaml: the config file has no keys (it is empty); write the keys to set "
            "(config/default.yaml lists them all), or leave out --config\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data"));
}

TEST_F(EverydayValues, TransformNeverReplacesItsOwnInput) {
  ASSERT_EQ(Run("build --config config.yaml --quiet").exit_code, 0);
  const std::string raw = ReadFile(dir_ / "data/raw_AAA.parquet");
  const std::string scaler = ReadFile(dir_ / "data/meta_scaler.json");
  std::filesystem::create_hard_link(dir_ / "data/raw_AAA.parquet", dir_ / "link.parquet");
  std::filesystem::create_symlink("data/meta_scaler.json", dir_ / "scaler_link.json");
  const std::string base = "transform --config config.yaml --scaler data/meta_scaler.json --bars "
                           "data/raw_AAA.parquet --all --overwrite --out ";
  const std::pair<std::string, std::string> cases[] = {
      {"data/raw_AAA.parquet", "--bars file data/raw_AAA.parquet"},
      {"./data/../data/raw_AAA.parquet", "--bars file data/raw_AAA.parquet"},
      {"link.parquet", "--bars file data/raw_AAA.parquet"},
      {"data/meta_scaler.json", "--scaler file data/meta_scaler.json"},
      {"scaler_link.json", "--scaler file data/meta_scaler.json"},
      {"config.yaml", "--config file config.yaml"},
  };
  for (const auto& [out, what] : cases) {
    const CommandResult result = Run(base + out);
    EXPECT_EQ(result.exit_code, 1) << out;
    EXPECT_EQ(result.err, "barforge: error: --out " + out + " is the " + what +
                              ": transform never replaces its own input; choose another --out\n");
  }
  EXPECT_EQ(ReadFile(dir_ / "data/raw_AAA.parquet"), raw);
  EXPECT_EQ(ReadFile(dir_ / "link.parquet"), raw);
  EXPECT_EQ(ReadFile(dir_ / "data/meta_scaler.json"), scaler);
  EXPECT_EQ(ReadFile(dir_ / "config.yaml"), kTwoTickerConfig);
  // Another file is replaced with --overwrite, as before.
  ASSERT_EQ(Run(base + "out.parquet").exit_code, 0);
  EXPECT_EQ(Run(base + "out.parquet").exit_code, 0);
}

TEST_F(EverydayValues, TransformAllWritesAFileValidateAndTheReaderAccept) {
  ASSERT_EQ(Run("build --config config.yaml --quiet").exit_code, 0);
  const CommandResult written = Run("transform --config config.yaml --scaler data/meta_scaler.json --bars "
                                    "data/raw_BBB.parquet --all --position -1 --out features.parquet");
  ASSERT_EQ(written.exit_code, 0) << written.err;
  const CommandResult valid = Run("validate features.parquet --json");
  ASSERT_EQ(valid.exit_code, 0) << valid.err;
  const nlohmann::json report = nlohmann::json::parse(valid.out);
  EXPECT_EQ(report["rows"], 500 - 8 + 1);
  EXPECT_EQ(report["window"], 8);
  EXPECT_EQ(report["float_values"], (500 - 8 + 1) * (4 * 8 + 8 + 6));
  const DatasetReader reader(dir_ / "features.parquet");
  EXPECT_EQ(reader.num_rows(), 500 - 8 + 1);
  std::vector<std::string> names;
  for (const DatasetColumnInfo& column : reader.columns()) names.push_back(column.name);
  EXPECT_EQ(names, (std::vector<std::string>{"timestamp", "bar_index", "position", "ohlc", "volume", "meta"}));
  // A Parquet file that is neither a dataset nor a feature file is still refused.
  const CommandResult raw = Run("validate data/raw_AAA.parquet");
  EXPECT_EQ(raw.exit_code, 1);
  EXPECT_NE(raw.err.find("not a barforge dataset"), std::string::npos) << raw.err;
}

}  // namespace
}  // namespace barforge::testing
