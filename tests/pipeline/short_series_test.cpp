// on_short_series: a ticker too short for one window stops the run (error)
// or is left out and reported (skip).

#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

std::string Csv(int bars) {
  std::string text = "timestamp,open,high,low,close,volume\n";
  for (int i = 0; i < bars; ++i) {
    text += fmt::format("{},{},{},{},{},{}\n", 1577836800 + 60 * i, 10 + i % 3, 13 + i % 3, 9, 11 + i % 3, 100 + i);
  }
  return text;
}

class ShortSeries : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteConfig(dir_.path(), Csv(40), "LONG.csv");
    WriteConfig(dir_.path(), Csv(3), "SHORT.csv");
    WriteConfig(dir_.path(), "source: files\ndata_dir: .\nraw_data_filename: \"{ticker}.csv\"\n"
                             "tickers: [LONG, SHORT]\nwindow: 8\nhorizon: 4\nn_samples: 50\n");
  }
  TempDir dir_;
};

TEST_F(ShortSeries, ErrorStopsTheRunNamingTheFile) {
  const CommandResult result = RunBarforge(dir_.path(), "build --config config.yaml --quiet");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "barforge: error: ./SHORT.csv: 3 bars is too short for one window (window 8 + horizon 4 = "
                        "12 bars)\n");
}

TEST_F(ShortSeries, SkipLeavesTheTickerOutAndReportsIt) {
  const CommandResult result =
      RunBarforge(dir_.path(), "build --config config.yaml --json --set on_short_series=skip");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto summary = nlohmann::json::parse(result.out);
  EXPECT_FALSE(summary["tickers"][0]["skipped"].get<bool>());
  EXPECT_TRUE(summary["tickers"][1]["skipped"].get<bool>());
  EXPECT_EQ(summary["tickers"][1]["bars"].get<int64_t>(), 3);
  const CommandResult text =
      RunBarforge(dir_.path(), "build --config config.yaml --overwrite --set on_short_series=skip");
  EXPECT_NE(text.out.find("  SHORT   3 bars  ./SHORT.csv (skipped: too short for one window)\n"), std::string::npos)
      << text.out;
  // Every row is from the long ticker.
  const CommandResult inspect = RunBarforge(dir_.path(), "inspect samples_50.parquet");
  EXPECT_NE(inspect.out.find("rows per ticker:\n  LONG            50  100.0%\n"), std::string::npos) << inspect.out;
  // With every ticker short, nothing can be sampled.
  const CommandResult none = RunBarforge(
      dir_.path(), "build --config config.yaml --quiet --overwrite --set on_short_series=skip --set tickers=[SHORT]");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.err, "barforge: error: no ticker has a valid end bar: every series is shorter than window 8 + "
                      "horizon 4\n");
}

}  // namespace
}  // namespace barforge::testing
