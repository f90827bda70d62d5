// PlanBuild with cross_section: each split's valid timestamps, `all` giving
// the split every valid timestamp once (and its {n}), and one clear
// DataError for each bad input: no valid timestamp in a split, tickers
// without a common timestamp, fewer tickers than min_present once
// on_short_series: skip left some out.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/error.h"
#include "pipeline/split_plan.h"

namespace barforge {
namespace {

constexpr int64_t kMinute = 60'000'000'000LL;

// Minute bars [first, first + n) of a flat market.
BarSeries Series(const std::string& ticker, int64_t first, int64_t n) {
  BarSeries s;
  s.ticker = ticker;
  for (int64_t b = 0; b < n; ++b) {
    s.timestamp_ns.push_back((first + b) * kMinute);
    for (auto* column : {&s.open, &s.high, &s.low, &s.close}) column->push_back(100.0 + static_cast<double>(b % 7));
    s.volume.push_back(1000);
  }
  return s;
}

Config CrossSectionConfig(std::vector<std::string> overrides) {
  overrides.insert(overrides.begin(), {"cross_section=true", "tickers=[A, B, C]", "window=4", "horizon=2",
                                       "n_samples=100"});
  return LoadConfig({}, overrides);
}

std::string PlanError(const Config& config, const std::vector<BarSeries>& series) {
  try {
    PlanBuild(config, series);
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CrossSectionPlanTest, EachSplitCountsItsValidTimestampsAndAllTakesEveryOne) {
  const Config config = CrossSectionConfig(
      {"min_present=2", "splits=[{name: train, end: 1970-01-01T01:00:00Z}, {name: test, n_samples: all}]",
       "embargo_bars=1"});
  // A: minutes 0..119, B: 30..149, C: 100..109 (too short to be present
  // anywhere but 103..107).
  const std::vector<BarSeries> series = {Series("A", 0, 120), Series("B", 30, 120), Series("C", 100, 10)};
  const BuildPlan plan = PlanBuild(config, series);
  ASSERT_EQ(plan.splits.size(), 2u);
  EXPECT_EQ(plan.members, (std::vector<uint32_t>{0, 1, 2}));
  // train [.., 60): A and B both present at end bars whose bars lie below
  // minute 60: A's t = 3..57, B's t = 33..57 -> 25 timestamps.
  const CrossSectionSampler& train = *plan.splits[0].cross_section;
  EXPECT_EQ(train.num_timestamps(), 25);
  EXPECT_EQ(train.timestamps_ns().front(), 33 * kMinute);
  EXPECT_EQ(plan.splits[0].n_samples, 100);
  // test [60, ..): embargo 1, so A's first window starts at 61: t = 64..117,
  // B's t = 64..147, C's 104..107 (its own embargo from its first bar 100).
  // Two present: 64..117 -> 54.
  const CrossSectionSampler& test = *plan.splits[1].cross_section;
  EXPECT_EQ(test.num_timestamps(), 54);
  EXPECT_EQ(plan.splits[1].n_samples, 54);
  EXPECT_EQ(plan.splits[1].output.filename(), "samples_54_test.parquet");
  for (int64_t i = 0; i < 54; ++i) EXPECT_EQ(test.Draw(static_cast<uint64_t>(i)).timestamp_ns, (64 + i) * kMinute);
}

TEST(CrossSectionPlanTest, ASplitWithoutAValidTimestampIsNamed) {
  const Config config = CrossSectionConfig(
      {"min_present=2", "splits=[{name: train, end: 1970-01-01T01:00:00Z}, {name: test}]"});
  // B ends before the test split: only A is there.
  const std::vector<BarSeries> series = {Series("A", 0, 120), Series("B", 0, 50), Series("C", 0, 50)};
  EXPECT_EQ(PlanError(config, series),
            "split 'test' has no valid timestamp for a cross-section: no timestamp has min_present 2 of the 3 "
            "tickers with a valid end bar there (at most 1 at one timestamp); lower min_present, or give the tickers "
            "bars at the same timestamps");
}

TEST(CrossSectionPlanTest, TickersWithoutACommonTimestampAreRefused) {
  // Every ticker stamped 30 s after the previous one: no timestamp in common.
  std::vector<BarSeries> series = {Series("A", 0, 50), Series("B", 0, 50), Series("C", 0, 50)};
  for (size_t k = 0; k < series.size(); ++k) {
    for (int64_t& t : series[k].timestamp_ns) t += static_cast<int64_t>(k) * kMinute / 3;
  }
  EXPECT_EQ(PlanError(CrossSectionConfig({}), series),
            "cross_section: the 3 tickers have no common timestamp among their valid end bars (cross-sections align "
            "tickers on exact timestamps; first bars: A 0 ns, B 20000000000 ns, C 40000000000 ns); check that every "
            "ticker's bars are stamped alike (time zone, open or close time)");
  // With min_present 2 the same data has no valid timestamp at all.
  EXPECT_EQ(PlanError(CrossSectionConfig({"min_present=2"}), series),
            "the data has no valid timestamp for a cross-section: no timestamp has min_present 2 of the 3 tickers "
            "with a valid end bar there (at most 1 at one timestamp); lower min_present, or give the tickers bars at "
            "the same timestamps");
  // One shared timestamp is enough.
  series[1].timestamp_ns[10] = series[0].timestamp_ns[10];
  std::sort(series[1].timestamp_ns.begin(), series[1].timestamp_ns.end());
  EXPECT_EQ(PlanError(CrossSectionConfig({}), series), "no error");
}

TEST(CrossSectionPlanTest, SkippedTickersLeavingFewerThanMinPresentAreNamed) {
  const Config config = CrossSectionConfig({"min_present=3", "on_short_series=skip"});
  const std::vector<BarSeries> series = {Series("A", 0, 50), Series("B", 0, 50), Series("C", 0, 5)};
  EXPECT_EQ(PlanError(config, series),
            "min_present 3 is more than the 2 tickers left for the cross-sections after on_short_series: skip left "
            "out 1 (too short for window 4 + horizon 2)");
  const BuildPlan plan = PlanBuild(CrossSectionConfig({"min_present=2", "on_short_series=skip"}), series);
  EXPECT_EQ(plan.members, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(plan.splits[0].cross_section->members(), 2);
}

}  // namespace
}  // namespace barforge
