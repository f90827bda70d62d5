// Triple-barrier labels on hand-made close paths, against the rule written
// out again below as a slow reference that works from the prices.

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "labels/triple_barrier.h"

namespace barforge {
namespace {

struct Expected {
  int label;
  int bars;
  double log_return;
};

// The rule from the prices: barriers in log return around C_e, closes
// e+1..e+H in order, first touch wins, none -> 0 at e+H.
Expected SlowTripleBarrier(const std::vector<double>& closes, size_t e, int horizon, double sigma, double profit,
                           double stop) {
  const double upper = profit * sigma * std::sqrt(static_cast<double>(horizon));
  const double lower = stop * sigma * std::sqrt(static_cast<double>(horizon));
  for (int k = 1; k <= horizon; ++k) {
    const double r = std::log(closes[e + static_cast<size_t>(k)] / closes[e]);
    if (sigma > 0 && r >= upper) return {1, k, r};
    if (sigma > 0 && r <= -lower) return {-1, k, r};
  }
  return {0, horizon, std::log(closes[e + static_cast<size_t>(horizon)] / closes[e])};
}

std::vector<double> Logs(const std::vector<double>& closes) {
  std::vector<double> logs;
  for (double c : closes) logs.push_back(std::log(c));
  return logs;
}

// The unit's label for the path, checked against the slow reference.
TripleBarrierLabel Checked(const std::vector<double>& closes, size_t e, int horizon, double sigma, double profit,
                           double stop) {
  const std::vector<double> logs = Logs(closes);
  const TripleBarrierLabel got =
      ComputeTripleBarrier(logs, static_cast<int64_t>(e), horizon, sigma, profit, stop);
  const Expected want = SlowTripleBarrier(closes, e, horizon, sigma, profit, stop);
  EXPECT_EQ(got.label, want.label);
  EXPECT_EQ(got.bars, want.bars);
  EXPECT_NEAR(got.log_return, want.log_return, 1e-12);
  return got;
}

// sigma 0.01, H 4: barriers at profit * 0.02 and stop * 0.02 in log return.
constexpr double kSigma = 0.01;
constexpr int kHorizon = 4;

TEST(TripleBarrier, TouchAtTheFirstBar) {
  // e = 1; +3% at e+1 with the profit barrier at 2%.
  const auto got = Checked({90, 100, 103, 90, 100, 100}, 1, kHorizon, kSigma, 1.0, 1.0);
  EXPECT_EQ(got.label, 1);
  EXPECT_EQ(got.bars, 1);
  EXPECT_NEAR(got.log_return, std::log(1.03), 1e-12);
  // The same for the stop: -3% at e+1 with the stop barrier at 2%.
  const auto down = Checked({90, 100, 97, 120, 100, 100}, 1, kHorizon, kSigma, 1.0, 1.0);
  EXPECT_EQ(down.label, -1);
  EXPECT_EQ(down.bars, 1);
}

TEST(TripleBarrier, TouchAtTheLastBar) {
  // Inside both barriers until e+H, where the stop (1.5 * 2% = 3%) is hit.
  const auto got = Checked({100, 101, 99, 100.5, 96.5}, 0, kHorizon, kSigma, 2.0, 1.5);
  EXPECT_EQ(got.label, -1);
  EXPECT_EQ(got.bars, kHorizon);
  EXPECT_NEAR(got.log_return, std::log(0.965), 1e-12);
  const auto up = Checked({100, 101, 99, 100.5, 104.5}, 0, kHorizon, kSigma, 2.0, 1.5);
  EXPECT_EQ(up.label, 1);
  EXPECT_EQ(up.bars, kHorizon);
}

TEST(TripleBarrier, BothBarriersInsideTheWindowTheFirstWins) {
  // Stop touched at e+2, profit at e+3: -1 after 2 bars.
  const auto stop_first = Checked({100, 100.5, 97, 104, 100}, 0, kHorizon, kSigma, 1.0, 1.0);
  EXPECT_EQ(stop_first.label, -1);
  EXPECT_EQ(stop_first.bars, 2);
  // Profit at e+2, stop at e+4: +1 after 2 bars.
  const auto profit_first = Checked({100, 99.5, 102.5, 100, 96}, 0, kHorizon, kSigma, 1.0, 1.0);
  EXPECT_EQ(profit_first.label, 1);
  EXPECT_EQ(profit_first.bars, 2);
  EXPECT_NEAR(profit_first.log_return, std::log(1.025), 1e-12);
}

TEST(TripleBarrier, NoTouchIsTheVerticalBarrier) {
  const auto got = Checked({100, 101, 99, 101.5, 98.5}, 0, kHorizon, kSigma, 1.0, 1.0);
  EXPECT_EQ(got.label, 0);
  EXPECT_EQ(got.bars, kHorizon);
  EXPECT_NEAR(got.log_return, std::log(0.985), 1e-12);
}

TEST(TripleBarrier, SigmaZeroSetsNoBarriers) {
  // Moves of +-50% are no touch without barriers: label 0 at e+H.
  const auto got = Checked({100, 150, 50, 100, 120}, 0, kHorizon, 0.0, 1.0, 1.0);
  EXPECT_EQ(got.label, 0);
  EXPECT_EQ(got.bars, kHorizon);
  EXPECT_NEAR(got.log_return, std::log(1.2), 1e-12);
}

TEST(TripleBarrier, AReturnEqualToABarrierTouchesIt) {
  // Logs given directly as exact binary fractions: u = 1 * 0.25 * sqrt(4)
  // = 0.5 exactly, l = 0.5 * 0.25 * 2 = 0.25 exactly.
  const std::vector<double> up = {1.0, 1.25, 1.5, 1.0, 1.0};
  const TripleBarrierLabel profit = ComputeTripleBarrier(up, 0, 4, 0.25, 1.0, 0.5);
  EXPECT_EQ(profit.label, 1);
  EXPECT_EQ(profit.bars, 2);
  EXPECT_EQ(profit.log_return, 0.5);
  const std::vector<double> down = {1.0, 0.875, 0.75, 1.0, 1.0};
  const TripleBarrierLabel stop = ComputeTripleBarrier(down, 0, 4, 0.25, 1.0, 0.5);
  EXPECT_EQ(stop.label, -1);
  EXPECT_EQ(stop.bars, 2);
  EXPECT_EQ(stop.log_return, -0.25);
}

TEST(TripleBarrier, RandomPathsAgreeWithTheSlowReference) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> step(0.0, 0.01);
  std::uniform_real_distribution<double> width(0.1, 3.0);
  int counts[3] = {};
  for (int trial = 0; trial < 2000; ++trial) {
    const int horizon = 1 + static_cast<int>(rng() % 40);
    std::vector<double> closes = {100.0};
    for (int b = 0; b < horizon + 10; ++b) closes.push_back(closes.back() * std::exp(step(rng)));
    const auto e = static_cast<size_t>(rng() % 10);
    const double sigma = trial % 50 == 0 ? 0.0 : 0.01;
    const auto got = Checked(closes, e, horizon, sigma, width(rng), width(rng));
    ++counts[got.label + 1];
  }
  // Every outcome occurs: the sweep exercised all three.
  EXPECT_GT(counts[0], 100);
  EXPECT_GT(counts[1], 100);
  EXPECT_GT(counts[2], 100);
}

}  // namespace
}  // namespace barforge
