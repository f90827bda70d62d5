// Rewards and forward return against docs/dataset.md's formulas evaluated in long
// double from the raw bars.

#include <cmath>
#include <cstdlib>

#include <gtest/gtest.h>

#include "support/float_close.h"

#include "features/prepared_series.h"
#include "rawdata/synthetic_market.h"
#include "rewards/rewards.h"

namespace barforge {
namespace {

using Real = long double;

using testing::ExpectFloatClose;

BarSeries TestBars() {
  SyntheticConfig options;
  options.n_bars = 3000;
  return GenerateSyntheticBars("REW", options, 12);
}

TEST(RewardsTest, MatchSpec) {
  const BarSeries bars = TestBars();
  const PreparedSeries prepared = PrepareSeries(bars);
  for (const int horizon : {1, 16}) {
    for (const int64_t e : {int64_t{0}, int64_t{1234}, int64_t{2999 - 16}}) {
      for (const int8_t position : {int8_t{-1}, int8_t{0}, int8_t{1}}) {
        for (const double fee_bps : {0.0, 5.0, 250.0}) {
          const double fee = fee_bps * 1e-4;
          float rewards[3], fwd = 0;
          ComputeRewards(prepared, e, horizon, position, fee, rewards, &fwd);
          const size_t ue = static_cast<size_t>(e);
          const Real forward = std::log(static_cast<Real>(bars.close[ue + static_cast<size_t>(horizon)]) / bars.close[ue]);
          ExpectFloatClose(fwd, forward, "fwd_return", e, 0);
          for (int a = -1; a <= 1; ++a) {
            const Real expected = a * forward - static_cast<Real>(fee) * std::abs(a - position);
            ExpectFloatClose(rewards[a + 1], expected, "reward", e, static_cast<size_t>(a + 1));
          }
        }
      }
    }
  }
}

TEST(RewardsTest, FeeChargedOnPositionChangeOnly) {
  BarSeries bars = TestBars();
  bars.close[20] = bars.close[10];  // flat over the horizon: rewards are fees only
  const PreparedSeries prepared = PrepareSeries(bars);
  float rewards[3], fwd = 1;
  ComputeRewards(prepared, 10, 10, 1, 0.01, rewards, &fwd);
  EXPECT_EQ(fwd, 0.0f);
  EXPECT_EQ(rewards[0], -0.02f);
  EXPECT_EQ(rewards[1], -0.01f);
  EXPECT_EQ(rewards[2], 0.0f);
}

}  // namespace
}  // namespace barforge
