// Valid end bars as runs, against a brute-force check of every end bar, on
// random timestamps with gaps, random split ranges and embargoes.

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "barforge/error.h"
#include "sampling/end_bar_runs.h"
#include "sampling/sampler.h"

namespace barforge {
namespace {

// Every e with bars e-W+1 .. e+H inside [start, end), e-W+1 at least
// `embargo` after the first bar in the range, and no two consecutive of
// those bars more than max_gap apart (0: off).
std::vector<int64_t> BruteForce(const std::vector<int64_t>& t, int64_t start, int64_t end, int64_t embargo, int w,
                                int h, int64_t max_gap) {
  int64_t first_in = -1;
  for (size_t b = 0; b < t.size(); ++b) {
    if (t[b] >= start && t[b] < end) {
      first_in = static_cast<int64_t>(b);
      break;
    }
  }
  std::vector<int64_t> valid;
  if (first_in < 0) return valid;
  for (int64_t e = 0; e < static_cast<int64_t>(t.size()); ++e) {
    const int64_t lo = e - w + 1, hi = e + h;
    if (lo < 0 || hi >= static_cast<int64_t>(t.size())) continue;
    bool ok = lo >= first_in + embargo;
    for (int64_t b = lo; b <= hi && ok; ++b) ok = t[static_cast<size_t>(b)] >= start && t[static_cast<size_t>(b)] < end;
    for (int64_t b = lo + 1; b <= hi && ok && max_gap > 0; ++b) {
      ok = t[static_cast<size_t>(b)] - t[static_cast<size_t>(b - 1)] <= max_gap;
    }
    if (ok) valid.push_back(e);
  }
  return valid;
}

TEST(EndBarRuns, MatchBruteForceOnRandomGapsAndRanges) {
  std::mt19937_64 random(5);
  for (int trial = 0; trial < 400; ++trial) {
    const int w = 1 + static_cast<int>(random() % 6) + 1, h = 1 + static_cast<int>(random() % 4);
    std::vector<int64_t> t;
    int64_t now = 1000;
    const size_t n = random() % 120;
    for (size_t b = 0; b < n; ++b) {
      now += (random() % 7 == 0) ? 60 * (2 + static_cast<int64_t>(random() % 10)) : 60;
      t.push_back(now);
    }
    const int64_t max_gap = (trial % 3 == 0) ? 0 : 60 * (1 + static_cast<int64_t>(random() % 4));
    const int64_t start = (trial % 4 == 0) ? std::numeric_limits<int64_t>::min() : 1000 + 60 * static_cast<int64_t>(random() % 80);
    const int64_t end = (trial % 5 == 0) ? std::numeric_limits<int64_t>::max() : start / 2 + 1000 + 60 * static_cast<int64_t>(random() % 200);
    const int64_t embargo = static_cast<int64_t>(random() % 5);
    const std::vector<int64_t> gaps = GapPositions(t, max_gap);
    std::vector<EndBarRun> runs;
    AppendEndBarRuns(3, t, gaps, start, end, embargo, {w, h, max_gap}, runs);
    std::vector<int64_t> from_runs;
    for (const EndBarRun& run : runs) {
      ASSERT_EQ(run.ticker, 3u);
      ASSERT_GT(run.length, 0);
      for (int64_t e = run.first_end; e < run.first_end + run.length; ++e) from_runs.push_back(e);
    }
    ASSERT_EQ(from_runs, BruteForce(t, start, end, embargo, w, h, max_gap)) << "trial " << trial;
    EXPECT_EQ(CountPairs(runs), static_cast<int64_t>(from_runs.size()));
  }
}

TEST(EndBarRuns, EveryPairOnceWalksTheRunsInOrder) {
  const std::vector<EndBarRun> runs = {{0, 5, 2}, {0, 20, 1}, {2, 7, 3}};
  const Sampler sampler(9, 1, runs, PairChoice::kEveryPairOnce);
  ASSERT_EQ(sampler.num_pairs(), 6);
  const std::vector<std::pair<uint32_t, int64_t>> expected = {{0, 5}, {0, 6}, {0, 20}, {2, 7}, {2, 8}, {2, 9}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const SampleDraw draw = sampler.Draw(i);
    EXPECT_EQ(draw.ticker, expected[i].first);
    EXPECT_EQ(draw.end_bar, expected[i].second);
  }
  EXPECT_THROW(Sampler(9, 0, {}), DataError);
}

}  // namespace
}  // namespace barforge
