// Command-line mistakes get one `barforge: error:` line that says what to
// type instead.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "barforge/feature_transform.h"
#include "barforge/parquet_reader.h"

#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

TEST(CliMessages, UnknownCommandSuggestsTheNearest) {
  TempDir dir;
  const CommandResult typo = RunBarforge(dir.path(), "biuld");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_EQ(typo.err, "barforge: error: unknown command 'biuld' (did you mean `build`?); the commands are build, "
                      "finalize, synth, inspect, validate, transform (barforge --help)\n");
  const CommandResult none = RunBarforge(dir.path(), "");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.err.rfind("barforge: error: ", 0), 0u) << none.err;
}

TEST(CliMessages, UnknownOptionSuggestsTheNearest) {
  TempDir dir;
  const CommandResult typo = RunBarforge(dir.path(), "build --sampels 5");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_EQ(typo.err,
            "barforge: error: build: unknown option '--sampels' (did you mean `--samples`?) (barforge build --help)\n");
  const CommandResult bad_value = RunBarforge(dir.path(), "build --samples many");
  EXPECT_EQ(bad_value.exit_code, 2);
  EXPECT_EQ(bad_value.err.rfind("barforge: error: build: ", 0), 0u) << bad_value.err;
}

TEST(CliMessages, DedicatedFlagsAreNamedAsWritten) {
  TempDir dir;
  const CommandResult negative = RunBarforge(dir.path(), "build --samples -5");
  EXPECT_EQ(negative.exit_code, 1);
  EXPECT_EQ(negative.err, "barforge: error: --samples -5: key 'n_samples': must be in [1, 10000000000], got -5\n");
  const CommandResult set = RunBarforge(dir.path(), "build --set window=1");
  EXPECT_EQ(set.err, "barforge: error: --set window=1: key 'window': must be >= 2, got 1\n");
}

TEST(CliMessages, CsvWithAnotherDelimiterSaysWhichToSet) {
  TempDir dir;
  WriteConfig(dir.path(), "timestamp;open;high;low;close;volume\n2020-01-01;1;2;0.5;1.5;10\n", "A.csv");
  const CommandResult result = RunBarforge(
      dir.path(), "build --set source=files --set data_dir=. --set 'raw_data_filename={ticker}.csv' --set tickers=[A]");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "barforge: error: ./A.csv: the header is one field containing ';': set csv_delimiter: ';'\n");
}

TEST(CliMessages, InspectShowsStatisticsTimeRangeAndTickers) {
  TempDir dir;
  WriteConfig(dir.path(), "data_dir: data\ntickers: [AAA, BBB]\nsynthetic: {n_bars: 500}\nwindow: 8\nhorizon: 4\n"
                          "n_samples: 300\nchunk_rows: 100\n");
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  const CommandResult result = RunBarforge(dir.path(), "inspect data/samples_300.parquet");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // Recomputed from the rows: ids 0..299, end bars in [W-1, n-1-H] of
  // one-minute bars from 2020-01-01, both tickers drawn.
  const parquet::ParquetReader reader(dir / "data/samples_300.parquet");
  const auto ids = reader.ReadColumn("sample_id").int64s;
  const auto times = reader.ReadColumn("timestamp").int64s;
  const auto tickers = reader.ReadColumn("ticker");
  int aaa = 0;
  for (size_t i = 0; i < tickers.size(); ++i) aaa += tickers.string(i) == "AAA" ? 1 : 0;
  EXPECT_NE(result.out.find("  sample_id      0 .. 299\n"), std::string::npos) << result.out;
  const std::string range = FormatTimestampNs(*std::min_element(times.begin(), times.end())) + " .. " +
                            FormatTimestampNs(*std::max_element(times.begin(), times.end()));
  EXPECT_NE(result.out.find("  timestamp      " + range + "\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("time range:  " + range + " (timestamp)\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(fmt::format("rows per ticker:\n  AAA  {:>12}  {:5.1f}%\n  BBB  {:>12}  {:5.1f}%\n", aaa,
                                        aaa / 3.0, 300 - aaa, (300 - aaa) / 3.0)),
            std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace barforge::testing
