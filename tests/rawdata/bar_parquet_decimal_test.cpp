// Raw bars whose prices and volume are DECIMAL (as DuckDB writes NUMERIC
// columns) load as the doubles DuckDB itself reads; columns of types that
// are not numbers are refused with what to cast them to.

#include <bit>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "barforge/error.h"
#include "rawdata/bar_loader.h"
#include "support/barforge_cli.h"
#include "support/decimal_files.h"

namespace barforge {
namespace {

namespace fs = std::filesystem;

Config SmallConfig() {
  Config config;
  config.window = 8;
  config.horizon = 2;
  return config;
}

void ExpectSameBits(const std::vector<double>& got, const std::vector<double>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint64_t>(got[i]), std::bit_cast<uint64_t>(want[i])) << what << ", bar " << i;
  }
}

TEST(BarParquetDecimalTest, DecimalPricesAndVolumeLoadAsDuckdbsDoubles) {
  if (!testing::HaveNodeTools()) GTEST_SKIP() << "run `cd tools && npm ci` first";
  const fs::path dir = testing::DecimalFiles();
  // open/high/low DECIMAL(18,6) (INT64), close DECIMAL(38,10) (FIXED_LEN_BYTE_ARRAY),
  // volume DECIMAL(20,4) (FIXED_LEN_BYTE_ARRAY); the same bars as DOUBLE as
  // DuckDB casts them.
  const BarSeries got = LoadBars(dir / "bars.parquet", "D", SmallConfig());
  const BarSeries want = LoadBars(dir / "bars.expected.parquet", "D", SmallConfig());
  ASSERT_EQ(got.size(), 300);
  EXPECT_EQ(got.timestamp_ns, want.timestamp_ns);
  ExpectSameBits(got.open, want.open, "open");
  ExpectSameBits(got.high, want.high, "high");
  ExpectSameBits(got.low, want.low, "low");
  ExpectSameBits(got.close, want.close, "close");
  ExpectSameBits(got.volume, want.volume, "volume");
  // `barforge inspect` names the decimal types.
  const testing::CommandResult inspect = testing::RunCommand(testing::ShellQuote(testing::BarforgeBinary()) +
                                                             " inspect " +
                                                             testing::ShellQuote((dir / "bars.parquet").string()));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("\n  open           INT64 DECIMAL(18,6) (nullable)   open\n"), std::string::npos)
      << inspect.out;
  EXPECT_NE(inspect.out.find("\n  close          FIXED_LEN_BYTE_ARRAY DECIMAL(38,10) (nullable) close\n"),
            std::string::npos)
      << inspect.out;
}

struct Refusal {
  std::string column;  // mapped to columns.close (or .volume)
  bool volume;
  std::string message;  // after "<file>: "
};

TEST(BarParquetDecimalTest, ColumnsThatAreNotNumbersNameTheTypeAndTheCast) {
  if (!testing::HaveNodeTools()) GTEST_SKIP() << "run `cd tools && npm ci` first";
  const fs::path file = testing::DecimalFiles() / "other_types.parquet";
  const std::string cast =
      "cast it to DOUBLE when writing the file (DuckDB: CAST(\"{0}\" AS DOUBLE); pyarrow: "
      "table.set_column(i, \"{0}\", table[\"{0}\"].cast(pa.float64())))";
  const Refusal refusals[] = {
      {"text", false,
       "column 'text' (columns.close) is BYTE_ARRAY STRING (nullable); prices must be DOUBLE, FLOAT or DECIMAL: " +
           fmt::format(fmt::runtime(cast), "text")},
      {"id", false,
       "column 'id' (columns.close) is FIXED_LEN_BYTE_ARRAY UUID (nullable); prices must be DOUBLE, FLOAT or "
       "DECIMAL: " +
           fmt::format(fmt::runtime(cast), "id")},
      {"json", true,
       "column 'json' (columns.volume) is BYTE_ARRAY JSON (nullable); volume must be DOUBLE, FLOAT, DECIMAL or an "
       "integer: " +
           fmt::format(fmt::runtime(cast), "json")},
      {"span", false,
       "column 'span' (columns.close) is FIXED_LEN_BYTE_ARRAY INTERVAL (nullable); prices must be DOUBLE, FLOAT or "
       "DECIMAL: a time, not a number: does columns.close name the right column?"},
      {"time_of_day", true,
       "column 'time_of_day' (columns.volume) is INT64 TIME (nullable); volume must be DOUBLE, FLOAT, DECIMAL or an "
       "integer: a time, not a number: does columns.volume name the right column?"},
      {"timestamp", false,
       "column 'timestamp' (columns.close) is INT64 TIMESTAMP[us, UTC] (nullable); prices must be DOUBLE, FLOAT or "
       "DECIMAL: a time, not a number: does columns.close name the right column?"},
      {"whole", false,
       "column 'whole' (columns.close) is INT32 INT(32, signed) (nullable); prices must be DOUBLE, FLOAT or DECIMAL: "
       "integer prices are not read (cents? ticks?): write them as DOUBLE in the price's unit, or as DECIMAL with "
       "the scale of that unit"},
  };
  for (const Refusal& refusal : refusals) {
    Config config = SmallConfig();
    (refusal.volume ? config.columns.volume : config.columns.close) = refusal.column;
    EXPECT_THAT([&] { LoadBars(file, "D", config); },
                ::testing::ThrowsMessage<DataError>(::testing::StrEq(file.string() + ": " + refusal.message)));
  }
  // An integer volume is fine.
  Config config = SmallConfig();
  config.columns.volume = "whole";
  EXPECT_EQ(LoadBars(file, "D", config).size(), 300);
}

TEST(BarParquetDecimalTest, HalfPrecisionFloatsAreRefused) {
  if (!testing::HaveNodeTools()) GTEST_SKIP() << "run `cd tools && npm ci` first";
  const fs::path file = testing::DecimalFiles() / "float16.parquet";
  EXPECT_THAT([&] { LoadBars(file, "D", SmallConfig()); },
              ::testing::ThrowsMessage<DataError>(::testing::StrEq(
                  file.string() +
                  ": column 'open' (columns.open) is FIXED_LEN_BYTE_ARRAY FLOAT16 (nullable); prices must be DOUBLE, "
                  "FLOAT or DECIMAL: half precision: widen it to FLOAT or DOUBLE when writing the file")));
}

}  // namespace
}  // namespace barforge
