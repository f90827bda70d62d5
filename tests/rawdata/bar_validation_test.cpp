// The validity rules of docs/semantics.md: one test per kind of bad bar, the error message,
// dropping and its count, and the length check.

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fmt/format.h>

#include "barforge/error.h"
#include "barforge/feature_transform.h"
#include "rawdata/bar_validation.h"

namespace barforge {
namespace {

using ::testing::HasSubstr;

// Five valid bars, one minute apart.
BarSeries GoodBars() {
  BarSeries bars;
  bars.ticker = "T";
  bars.source = "/data/raw_T.parquet";
  for (int i = 0; i < 5; ++i) {
    bars.timestamp_ns.push_back(1000000000LL * 60 * (i + 1));
    bars.open.push_back(10.0 + i);
    bars.high.push_back(12.0 + i);
    bars.low.push_back(9.0 + i);
    bars.close.push_back(11.0 + i);
    bars.volume.push_back(100.0 * i);
  }
  return bars;
}

struct BadBarCase {
  std::string name;
  void (*corrupt)(BarSeries&);  // breaks bar index 2 (data row 3)
  std::string column;
  std::string value;
  std::string reason;
};

// Names the case in test listings (GoogleTest would print its bytes).
void PrintTo(const BadBarCase& c, std::ostream* out) { *out << c.name; }

class BadBarTest : public ::testing::TestWithParam<BadBarCase> {};

TEST_P(BadBarTest, ErrorNamesFileRowColumnValue) {
  BarSeries bars = GoodBars();
  GetParam().corrupt(bars);
  try {
    ValidateBars(bars, ColumnNames{}, OnBadBar::kError);
    FAIL() << "accepted";
  } catch (const DataError& e) {
    const std::string expected_prefix = "/data/raw_T.parquet: row 3, column " + GetParam().column + ": value " +
                                        GetParam().value + ": ";
    EXPECT_THAT(e.what(), ::testing::StartsWith(expected_prefix)) << e.what();
    EXPECT_THAT(e.what(), HasSubstr(GetParam().reason)) << e.what();
  }
}

TEST_P(BadBarTest, DropRemovesOnlyThatBar) {
  BarSeries bars = GoodBars();
  GetParam().corrupt(bars);
  const BarSeries original = bars;
  ValidateBars(bars, ColumnNames{}, OnBadBar::kDrop);
  EXPECT_EQ(bars.dropped_bars, 1);
  ASSERT_EQ(bars.size(), 4);
  for (size_t kept = 0, i = 0; i < 5; ++i) {
    if (i == 2) continue;
    EXPECT_EQ(bars.timestamp_ns[kept], original.timestamp_ns[i]);
    EXPECT_EQ(bars.open[kept], original.open[i]);
    EXPECT_EQ(bars.high[kept], original.high[i]);
    EXPECT_EQ(bars.low[kept], original.low[i]);
    EXPECT_EQ(bars.close[kept], original.close[i]);
    EXPECT_EQ(bars.volume[kept], original.volume[i]);
    ++kept;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, BadBarTest,
    ::testing::Values(
        BadBarCase{"NanClose", [](BarSeries& b) { b.close[2] = std::numeric_limits<double>::quiet_NaN(); }, "close",
                   "nan", "not finite"},
        BadBarCase{"InfiniteHigh", [](BarSeries& b) { b.high[2] = std::numeric_limits<double>::infinity(); }, "high",
                   "inf", "not finite"},
        BadBarCase{"ZeroOpen", [](BarSeries& b) { b.open[2] = 0.0; }, "open", "0", "> 0"},
        BadBarCase{"NegativeLow", [](BarSeries& b) { b.low[2] = -1.5; }, "low", "-1.5", "> 0"},
        BadBarCase{"NegativeVolume", [](BarSeries& b) { b.volume[2] = -3.0; }, "volume", "-3", ">= 0"},
        BadBarCase{"NanVolume", [](BarSeries& b) { b.volume[2] = std::nan(""); }, "volume", "nan", "not finite"},
        BadBarCase{"HighBelowClose", [](BarSeries& b) { b.high[2] = 12.5; }, "high", "12.5",
                   "below max(open, close) = 13"},
        BadBarCase{"LowAboveOpen", [](BarSeries& b) { b.low[2] = 12.25; }, "low", "12.25",
                   "above min(open, close) = 12"},
        BadBarCase{"DuplicateTimestamp", [](BarSeries& b) { b.timestamp_ns[2] = b.timestamp_ns[1]; }, "timestamp",
                   "1970-01-01T00:02:00Z", "duplicate"},
        BadBarCase{"UnsortedTimestamp", [](BarSeries& b) { b.timestamp_ns[2] = 1; }, "timestamp",
                   "1970-01-01T00:00:00.000000001Z", "not after the previous bar's (1970-01-01T00:02:00Z)"}),
    [](const ::testing::TestParamInfo<BadBarCase>& case_info) { return case_info.param.name; });

TEST(BarValidationTest, DescendingFileIsNamedWhateverOnBadBar) {
  for (const OnBadBar mode : {OnBadBar::kError, OnBadBar::kDrop}) {
    BarSeries bars = GoodBars();
    std::reverse(bars.timestamp_ns.begin(), bars.timestamp_ns.end());
    try {
      ValidateBars(bars, ColumnNames{}, mode, {}, 2);
      FAIL() << "no error";
    } catch (const DataError& e) {
      EXPECT_EQ(std::string(e.what()).substr(std::string(e.what()).find(':')),
                fmt::format(": rows are in descending time order (row 2 is {}, row 3 is {}, the last row is {}); "
                            "sort the file by timestamp, oldest first",
                            FormatTimestampNs(bars.timestamp_ns[0]), FormatTimestampNs(bars.timestamp_ns[1]),
                            FormatTimestampNs(bars.timestamp_ns.back())));
    }
  }
}

TEST(BarValidationTest, TooShortCountsInWords) {
  BarSeries bars = GoodBars();
  bars.source = "x.csv";
  bars.timestamp_ns.resize(1);
  for (auto* column : {&bars.open, &bars.high, &bars.low, &bars.close, &bars.volume}) column->resize(1);
  try {
    CheckSeriesLength(bars, 8, 4);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "x.csv: 1 bar is too short for one window (window 8 + horizon 4 = 12 bars)");
  }
}

TEST(BarValidationTest, NullIsABadBar) {
  BarSeries bars = GoodBars();
  BarNulls nulls;
  nulls.volume = {0, 0, 0, 1, 0};
  EXPECT_THAT([&] { BarSeries copy = bars; ValidateBars(copy, ColumnNames{}, OnBadBar::kError, nulls); },
              ::testing::ThrowsMessage<DataError>(HasSubstr("row 4, column volume: value null")));
  ValidateBars(bars, ColumnNames{}, OnBadBar::kDrop, nulls);
  EXPECT_EQ(bars.dropped_bars, 1);
  EXPECT_EQ(bars.size(), 4);
}

TEST(BarValidationTest, MessagesUseMappedColumnNamesAndRowOffset) {
  BarSeries bars = GoodBars();
  bars.close[0] = -2;
  ColumnNames names;
  names.close = "Adj Close";
  EXPECT_THAT([&] { ValidateBars(bars, names, OnBadBar::kError, {}, 2); },
              ::testing::ThrowsMessage<DataError>(HasSubstr("row 2, column Adj Close: value -2")));
}

TEST(BarValidationTest, TimestampsCompareWithLastKeptBar) {
  // Bar 1 jumps ahead and is kept; bars 2 and 3 are before it and dropped;
  // bar 4 is after it and kept.
  BarSeries bars = GoodBars();
  bars.timestamp_ns = {10, 50, 20, 30, 60};
  ValidateBars(bars, ColumnNames{}, OnBadBar::kDrop);
  EXPECT_EQ(bars.dropped_bars, 2);
  EXPECT_EQ(bars.timestamp_ns, (std::vector<int64_t>{10, 50, 60}));
  EXPECT_EQ(bars.open, (std::vector<double>{10, 11, 14}));
}

TEST(BarValidationTest, ValidBarsUntouchedAndEqualityAllowed) {
  BarSeries bars = GoodBars();
  bars.high[1] = bars.close[1];  // high == max(open, close) is valid
  bars.low[1] = bars.open[1];
  bars.volume[0] = 0;
  const BarSeries original = bars;
  ValidateBars(bars, ColumnNames{}, OnBadBar::kError);
  EXPECT_EQ(bars.dropped_bars, 0);
  EXPECT_EQ(bars.close, original.close);
  EXPECT_EQ(bars.timestamp_ns, original.timestamp_ns);
}

TEST(BarValidationTest, LengthChecks) {
  BarSeries bars = GoodBars();
  EXPECT_NO_THROW(CheckSeriesLength(bars, 3, 2));  // 5 bars = W + H: one end bar
  EXPECT_THAT([&] { CheckSeriesLength(bars, 4, 2); },
              ::testing::ThrowsMessage<DataError>(::testing::AllOf(HasSubstr("/data/raw_T.parquet"),
                                                                   HasSubstr("too short"))));
  bars.close.assign(5, -1.0);
  ValidateBars(bars, ColumnNames{}, OnBadBar::kDrop);
  EXPECT_EQ(bars.dropped_bars, 5);
  EXPECT_THAT([&] { CheckSeriesLength(bars, 2, 1); },
              ::testing::ThrowsMessage<DataError>(::testing::AllOf(HasSubstr("/data/raw_T.parquet: no bars"),
                                                                   HasSubstr("dropping 5"))));
}

}  // namespace
}  // namespace barforge
