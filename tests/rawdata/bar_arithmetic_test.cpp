// Bars that pass the value rules but break the features' arithmetic (a
// high / low or close / previous close ratio that overflows or underflows a
// double) are bad bars: named by row and column, dropped by on_bad_bar: drop.

#include <cmath>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "barforge/error.h"
#include "rawdata/bar_validation.h"

namespace barforge {
namespace {

// n bars of open = high = low = close = price[i], volume 10.
BarSeries FlatBars(const std::vector<double>& prices) {
  BarSeries bars;
  bars.source = "mem.parquet";
  for (size_t i = 0; i < prices.size(); ++i) {
    bars.timestamp_ns.push_back(static_cast<int64_t>(i + 1) * 60'000'000'000);
    bars.open.push_back(prices[i]);
    bars.high.push_back(prices[i]);
    bars.low.push_back(prices[i]);
    bars.close.push_back(prices[i]);
    bars.volume.push_back(10);
  }
  return bars;
}

TEST(BarArithmeticTest, HighOverLowThatOverflowsIsABadBar) {
  BarSeries bars = FlatBars({100, 100, 100, 100});
  bars.low[2] = 1e-310;  // > 0 and <= min(open, close): every value rule holds; 100 / 1e-310 is inf
  ASSERT_TRUE(std::isinf(std::log(bars.high[2] / bars.low[2])));
  BarSeries copy = bars;
  EXPECT_THAT([&] { ValidateBars(copy, ColumnNames{}, OnBadBar::kError); },
              ::testing::ThrowsMessage<DataError>(::testing::StrEq(
                  "mem.parquet: row 3, column low: value 1e-310: high / low = 100 / 1e-310 overflows a double, so "
                  "ln(high / low) is not finite")));
  ValidateBars(bars, ColumnNames{}, OnBadBar::kDrop);
  EXPECT_EQ(bars.dropped_bars, 1);
  ASSERT_EQ(bars.size(), 3);
  EXPECT_EQ(bars.timestamp_ns[2], 4 * 60'000'000'000LL);
  // A subnormal low whose ratio stays finite is a valid bar.
  BarSeries tiny = FlatBars({1e-300, 1e-300});
  tiny.low[1] = 1e-310;
  ValidateBars(tiny, ColumnNames{}, OnBadBar::kError);
  EXPECT_EQ(tiny.size(), 2);
}

TEST(BarArithmeticTest, CloseRatioThatOverflowsOrUnderflowsIsABadBar) {
  // Bar 2 closes 1e300 after 1e-300: the return ln(1e600) is inf.
  BarSeries up = FlatBars({1e-300, 1e-300, 1e300, 1e-300});
  EXPECT_THAT([&] { BarSeries copy = up; ValidateBars(copy, ColumnNames{}, OnBadBar::kError, {}, 2); },
              ::testing::ThrowsMessage<DataError>(::testing::StrEq(
                  "mem.parquet: row 4, column close: value 1e+300: close / the previous bar's close 1e-300 is inf, so "
                  "the return ln(close / previous close) is not finite")));
  // Dropped, the next bar is judged against the last kept one (1e-300): ratio 1.
  ValidateBars(up, ColumnNames{}, OnBadBar::kDrop);
  EXPECT_EQ(up.dropped_bars, 1);
  EXPECT_EQ(up.close, (std::vector<double>{1e-300, 1e-300, 1e-300}));
  // 1e-320 / 1e10 underflows to 0: ln is -inf.
  BarSeries down = FlatBars({1e10, 1e-320});
  EXPECT_THAT([&] { ValidateBars(down, ColumnNames{}, OnBadBar::kError); },
              ::testing::ThrowsMessage<DataError>(::testing::HasSubstr(
                  "row 2, column close: value 1e-320: close / the previous bar's close 10000000000 is 0")));
}

}  // namespace
}  // namespace barforge
