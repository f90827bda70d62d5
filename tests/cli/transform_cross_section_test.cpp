// `barforge transform --cross-section`: each present ticker's features are
// what `barforge transform` prints for that ticker's file at the same
// timestamp and position; absent tickers are zeros with their reason; every
// refusal is one line naming the flag, file or ticker.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

class TransformCrossSection : public ::testing::Test {
 protected:
  void SetUp() override {
    // Synthetic bars are 1-minute bars from 2020-01-01T00:00Z; L has 01:55..02:10.
    WriteConfig(dir_.path(), "data_dir: data\ntickers: [A, B]\nsynthetic: {n_bars: 300}\nwindow: 16\nhorizon: 4\n"
                             "n_samples: 100\n");
    const CommandResult build = RunBarforge(dir_.path(), "build --config config.yaml --quiet");
    ASSERT_EQ(build.exit_code, 0) << build.err;
    std::string csv = "timestamp,open,high,low,close,volume\n";
    for (int minute = 55; minute <= 70; ++minute) {
      csv += "2020-01-01T0" + std::to_string(1 + minute / 60) + ":" + (minute % 60 < 10 ? "0" : "") +
             std::to_string(minute % 60) + ":00Z,10,11,9," + (minute % 2 ? "10.5" : "9.5") + ",100\n";
    }
    std::ofstream(dir_ / "late.csv") << csv;
  }

  CommandResult Run(const std::string& args) { return RunBarforge(dir_.path(), "transform " + args); }

  void ExpectFails(const std::string& args, const std::string& message) {
    const CommandResult result = Run(args);
    EXPECT_EQ(result.exit_code, 1) << args << "\n" << result.err;
    EXPECT_EQ(result.err, "barforge: error: " + message + "\n") << args;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }

  TempDir dir_;
};

constexpr char kThree[] =
    "--cross-section --scaler data/meta_scaler.json --config config.yaml --set 'tickers=[B, A, L]' "
    "--bars A=data/raw_A.parquet --bars B=data/raw_B.parquet --bars L=late.csv";

TEST_F(TransformCrossSection, PresentTickersAreWhatTransformPrintsForTheirFile) {
  for (const char* end : {"2020-01-01T02:00:00Z", "2020-01-01T02:09:00Z"}) {
    const CommandResult result = Run(std::string(kThree) + " --end " + end + " --position 1 --json");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto cross = nlohmann::json::parse(result.out);
    EXPECT_EQ(cross["tickers"], nlohmann::json::parse(R"(["B", "A", "L"])"));
    EXPECT_EQ(cross["window"], 16);
    EXPECT_EQ(cross["position"], 1);
    EXPECT_EQ(cross["bars"]["L"], "late.csv");
    const std::pair<const char*, const char*> singles[] = {{"B", "data/raw_B.parquet"}, {"A", "data/raw_A.parquet"}};
    for (size_t k = 0; k < 2; ++k) {
      const CommandResult one = Run(std::string("--scaler data/meta_scaler.json --config config.yaml --bars ") +
                                    singles[k].second + " --end " + end + " --position 1 --json");
      ASSERT_EQ(one.exit_code, 0) << one.err;
      const auto single = nlohmann::json::parse(one.out);
      EXPECT_EQ(cross["present"][k], true) << singles[k].first;
      EXPECT_EQ(cross["status"][k], "present");
      EXPECT_EQ(cross["end_bar"][k], single["end_bar"]);
      EXPECT_EQ(cross["timestamp_ns"], single["timestamp_ns"]);
      // Each number is the shortest decimal of its float32: equal text, equal bits.
      EXPECT_EQ(cross["ohlc"][k], single["ohlc"]) << singles[k].first << " " << end;
      EXPECT_EQ(cross["volume"][k], single["volume"]) << singles[k].first;
      EXPECT_EQ(cross["meta"][k], single["meta"]) << singles[k].first;
    }
    // L lists at 01:55: at 02:00 it has 6 bars up to t, at 02:09 15; W = 16.
    EXPECT_EQ(cross["present"][2], false);
    EXPECT_EQ(cross["status"][2], "fewer than W bars up to t");
    EXPECT_EQ(cross["end_bar"][2], 0);
    for (const auto& bar : cross["ohlc"][2]) EXPECT_EQ(bar, nlohmann::json::parse("[0, 0, 0, 0]"));
    for (const auto& value : cross["meta"][2]) EXPECT_EQ(value, 0);
  }
  // At 02:10 L has its 16 bars, as the single-ticker transform of its file says.
  const auto at = nlohmann::json::parse(Run(std::string(kThree) + " --end 2020-01-01T02:10:00Z --json").out);
  const auto late = nlohmann::json::parse(
      Run("--scaler data/meta_scaler.json --config config.yaml --bars late.csv --end 2020-01-01T02:10:00Z --json").out);
  EXPECT_EQ(at["present"][2], true);
  EXPECT_EQ(at["end_bar"][2], 15);
  EXPECT_EQ(at["ohlc"][2], late["ohlc"]);
  EXPECT_EQ(at["meta"][2], late["meta"]);
  // A t between bars: no ticker has a bar there.
  const auto between = nlohmann::json::parse(Run(std::string(kThree) + " --end 2020-01-01T02:10:30Z --json").out);
  EXPECT_EQ(between["status"], nlohmann::json::parse(R"(["no bar at t", "no bar at t", "no bar at t"])"));
}

TEST_F(TransformCrossSection, DefaultsToTheConfigsRawFilesAndTheLatestBar) {
  const CommandResult result = Run(
      "--cross-section --scaler data/meta_scaler.json --config config.yaml --set 'tickers=[A, B]' --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto cross = nlohmann::json::parse(result.out);
  EXPECT_EQ(cross["bars"]["A"], "data/raw_A.parquet");
  EXPECT_EQ(cross["timestamp"], "2020-01-01T04:59:00Z");  // bar 299 of both
  EXPECT_EQ(cross["end_bar"], nlohmann::json::parse("[299, 299]"));
  const auto single = nlohmann::json::parse(
      Run("--scaler data/meta_scaler.json --config config.yaml --bars data/raw_B.parquet --json").out);
  EXPECT_EQ(cross["ohlc"][1], single["ohlc"]);

  // The text form: one line per ticker, its status, end bar and meta.
  const CommandResult text = Run(std::string(kThree) + " --end 2020-01-01T02:00:00Z");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.substr(0, text.out.find('\n')),
            "cross-section of 3 tickers at 2020-01-01T02:00:00Z, window 16, position 0: 2 present");
  EXPECT_NE(text.out.find("\n  ticker  status                             end bar   ret_window"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("\n  L       fewer than W bars up to t                -            -"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("\n  A       present                                120 "), std::string::npos) << text.out;
}

TEST_F(TransformCrossSection, RefusalsAreOneLine) {
  ExpectFails(std::string(kThree) + " --all --out o.parquet",
              "--all writes one ticker's end bars; with --cross-section, ask for one timestamp (--end)");
  ExpectFails("--cross-section --scaler data/meta_scaler.json --set 'tickers=[A]' --bars data/raw_A.parquet",
              "--bars 'data/raw_A.parquet': with --cross-section, give TICKER=FILE (one per ticker)");
  ExpectFails("--cross-section --scaler data/meta_scaler.json --set 'tickers=[A]' --bars A=data/raw_A.parquet "
              "--bars A=data/raw_B.parquet",
              "--bars: ticker A is given twice");
  ExpectFails("--cross-section --scaler data/meta_scaler.json --set 'tickers=[A, B, C]' --bars A=data/raw_A.parquet "
              "--bars B=data/raw_B.parquet",
              "data/meta_scaler.json: no bars for ticker C of the cross-section (give every ticker's bars, empty ones "
              "for a ticker without any)");
  ExpectFails("--cross-section --scaler data/meta_scaler.json --set 'tickers=[A]' --bars A=data/raw_A.parquet "
              "--bars Q=data/raw_B.parquet",
              "data/meta_scaler.json: bars for ticker 'Q', which is not one of the cross-section's 1 tickers (A)");
  ExpectFails("--cross-section --scaler data/meta_scaler.json --set 'tickers=[A]' --bars A=missing.csv",
              "missing.csv: bars file of ticker A not found");
  ExpectFails(std::string(kThree) + " --end yesterday",
              "--end 'yesterday': expected an ISO-8601 timestamp (2020-01-02T03:04:05Z) or epoch nanoseconds");
  ExpectFails("--cross-section --scaler data/samples_100.parquet --bars A=data/raw_A.parquet",
              "data/samples_100.parquet: not a cross-sectional dataset (its config has cross_section: false): serve "
              "it one ticker at a time (FeatureTransform)");
  // One ticker's transform takes exactly one --bars FILE.
  ExpectFails("--scaler data/meta_scaler.json", "--bars FILE is required (the raw bars file)");
  ExpectFails("--scaler data/meta_scaler.json --bars data/raw_A.parquet --bars data/raw_B.parquet",
              "--bars is given more than once (one raw file, or --cross-section with TICKER=FILE per ticker)");
}

}  // namespace
}  // namespace barforge::testing
