// ExactSum: exact whatever the order or grouping, correctly rounded.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "features/exact_sum.h"

namespace barforge {
namespace {

__extension__ typedef __int128 Int128;

TEST(ExactSumTest, CancellationThatNaiveSummingLoses) {
  ExactSum sum;
  for (double x : {1e100, 1.0, -1e100, 1e-30}) sum.Add(x);
  EXPECT_EQ(sum.Result(), 1.0 + 1e-30);
  ExactSum tiny;
  for (int i = 0; i < 10; ++i) tiny.Add(0.1);
  EXPECT_EQ(tiny.Result(), 1.0);  // the double nearest 10 * fl(0.1) is 1
  EXPECT_EQ(ExactSum().Result(), 0.0);
}

// Integers scaled by powers of two are summed exactly in 128-bit integers;
// converting that to double rounds to nearest, which Result() must match
// bit for bit, for any order and any split into merged parts.
TEST(ExactSumTest, MatchesIntegerReferenceForAnyOrderAndSplit) {
  std::mt19937_64 random(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<int64_t> values;
    Int128 exact = 0;
    for (int i = 0; i < 1000; ++i) {
      // Mixed magnitudes, both signs: many roundings if summed naively.
      const int shift = static_cast<int>(random() % 53);  // < 2^53: exact as doubles
      const auto v = static_cast<int64_t>(random() >> (63 - shift)) * ((random() & 1) ? 1 : -1);
      values.push_back(v);
      exact += v;
    }
    const double expected = static_cast<double>(exact);
    for (int order = 0; order < 3; ++order) {
      std::shuffle(values.begin(), values.end(), random);
      const size_t split = random() % values.size();
      ExactSum left, right;
      for (size_t i = 0; i < values.size(); ++i) (i < split ? left : right).Add(static_cast<double>(values[i]) * 0x1p-40);
      right.Merge(left);
      ASSERT_EQ(right.Result(), expected * 0x1p-40) << "trial " << trial;
    }
  }
}

TEST(ExactSumTest, RoundsTiesToEven) {
  // 1 + 2^-53 is a tie between 1 and 1 + 2^-52: even is 1. A further tiny
  // positive term breaks the tie upwards.
  ExactSum tie;
  tie.Add(1.0);
  tie.Add(0x1p-53);
  EXPECT_EQ(tie.Result(), 1.0);
  tie.Add(0x1p-80);
  EXPECT_EQ(tie.Result(), 1.0 + 0x1p-52);
  ExactSum down;
  down.Add(1.0 + 0x1p-52);
  down.Add(0x1p-53);
  down.Add(-0x1p-90);
  EXPECT_EQ(down.Result(), 1.0 + 0x1p-52);
}

TEST(ExactSumTest, MeanOfEqualValuesIsThatValue) {
  for (const double x : {std::log(50.0), 0.1, -1.0 / 3.0, 1e-300}) {
    for (const int n : {3, 5000, 100003}) {
      ExactSum sum;
      for (int i = 0; i < n; ++i) sum.Add(x);
      EXPECT_EQ(sum.Mean(n), x) << x << " x " << n;
    }
  }
  // Mean of 0.1, 0.2, 0.3 (as doubles): exact rational sum / 3, rounded.
  ExactSum sum;
  for (double x : {0.1, 0.2, 0.3}) sum.Add(x);
  EXPECT_EQ(sum.Mean(3), 0.2);
}

}  // namespace
}  // namespace barforge
