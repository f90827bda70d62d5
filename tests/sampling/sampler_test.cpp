// The sampler: the documented Philox mapping recomputed here, statistics
// over more than 1M draws, and independence from call order.

#include <cmath>
#include <thread>
#include <vector>

#include <Random123/philox.h>
#include <gtest/gtest.h>

#include "barforge/error.h"
#include "sampling/sampler.h"

namespace barforge {
namespace {

// docs/semantics.md's mapping, written out plainly: 64 bits from words 0
// and 1, pair = floor(r * P / 2^64); position = floor(word2 * 3 / 2^32) - 1;
// ticker by a linear walk over the per-ticker pair counts.
SampleDraw ReferenceDraw(uint64_t seed, uint64_t i, const std::vector<int64_t>& bars, int window, int horizon) {
  r123::Philox4x32 philox;
  const r123::Philox4x32::ctr_type ctr = {
      {static_cast<uint32_t>(i & 0xffffffffu), static_cast<uint32_t>(i >> 32), 0, 0}};
  const r123::Philox4x32::key_type key = {
      {static_cast<uint32_t>(seed & 0xffffffffu), static_cast<uint32_t>(seed >> 32)}};
  const auto out = philox(ctr, key);
  std::vector<int64_t> pairs;
  int64_t total = 0;
  for (int64_t n : bars) {
    pairs.push_back(n - window - horizon + 1 > 0 ? n - window - horizon + 1 : 0);
    total += pairs.back();
  }
  const uint64_t r = out.v[0] + (static_cast<uint64_t>(out.v[1]) << 32);
  // floor(r * P / 2^64) via long division on 32-bit halves, no 128-bit type.
  const uint64_t p = static_cast<uint64_t>(total);
  const uint64_t r_hi = r >> 32, r_lo = r & 0xffffffffu, p_hi = p >> 32, p_lo = p & 0xffffffffu;
  const uint64_t lo_lo = r_lo * p_lo, hi_lo = r_hi * p_lo, lo_hi = r_lo * p_hi, hi_hi = r_hi * p_hi;
  const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + (lo_hi & 0xffffffffu);
  int64_t pair = static_cast<int64_t>(hi_hi + (hi_lo >> 32) + (lo_hi >> 32) + (cross >> 32));
  SampleDraw draw;
  uint32_t k = 0;
  while (pair >= pairs[k]) {
    pair -= pairs[k];
    ++k;
  }
  draw.ticker = k;
  draw.end_bar = window - 1 + pair;
  draw.position = static_cast<int8_t>(static_cast<int64_t>((static_cast<uint64_t>(out.v[2]) * 3) >> 32) - 1);
  return draw;
}

TEST(SamplerTest, MatchesTheDocumentedMapping) {
  const std::vector<int64_t> bars = {500, 30, 100000, 77, 4000000000LL};
  for (const uint64_t seed : {42ULL, 0ULL, 0x123456789abcdef0ULL}) {
    const Sampler sampler(seed, bars, 64, 16);
    EXPECT_EQ(sampler.num_pairs(), (500 - 79) + 0 + (100000 - 79) + 0 + (4000000000LL - 79));
    EXPECT_EQ(sampler.pairs_per_ticker(), (std::vector<int64_t>{421, 0, 99921, 0, 4000000000LL - 79}));
    for (uint64_t i : {0ULL, 1ULL, 2ULL, 999ULL, 4294967295ULL, 4294967296ULL, 0xffffffffffffffffULL}) {
      const SampleDraw expected = ReferenceDraw(seed, i, bars, 64, 16);
      const SampleDraw actual = sampler.Draw(i);
      EXPECT_EQ(actual.ticker, expected.ticker) << i;
      EXPECT_EQ(actual.end_bar, expected.end_bar) << i;
      EXPECT_EQ(actual.position, expected.position) << i;
    }
    for (uint64_t i = 0; i < 20000; ++i) {
      const SampleDraw expected = ReferenceDraw(seed, i, bars, 64, 16);
      const SampleDraw actual = sampler.Draw(i);
      ASSERT_EQ(actual.ticker, expected.ticker) << i;
      ASSERT_EQ(actual.end_bar, expected.end_bar) << i;
      ASSERT_EQ(actual.position, expected.position) << i;
    }
  }
}

TEST(SamplerTest, StatisticsOverMoreThanAMillionDraws) {
  constexpr int kWindow = 8, kHorizon = 4;
  const std::vector<int64_t> bars = {100, 11, 5000, 2000, 12};  // ticker 1 has 0 pairs, ticker 4 has 1
  const Sampler sampler(7, bars, kWindow, kHorizon);
  const std::vector<int64_t> pairs = {89, 0, 4989, 1989, 1};
  const double total = 89 + 4989 + 1989 + 1;
  constexpr int64_t kDraws = 1200000;
  std::vector<int64_t> per_ticker(bars.size()), per_position(3);
  std::vector<double> offset_sum(bars.size());
  std::vector<int64_t> min_end(bars.size(), INT64_MAX), max_end(bars.size(), INT64_MIN);
  for (int64_t i = 0; i < kDraws; ++i) {
    const SampleDraw d = sampler.Draw(static_cast<uint64_t>(i));
    ASSERT_LT(d.ticker, bars.size());
    ASSERT_GE(d.end_bar, kWindow - 1);
    ASSERT_LE(d.end_bar, bars[d.ticker] - 1 - kHorizon);
    ASSERT_TRUE(d.position >= -1 && d.position <= 1);
    ++per_ticker[d.ticker];
    ++per_position[static_cast<size_t>(d.position + 1)];
    offset_sum[d.ticker] += static_cast<double>(d.end_bar - (kWindow - 1));
    min_end[d.ticker] = std::min(min_end[d.ticker], d.end_bar);
    max_end[d.ticker] = std::max(max_end[d.ticker], d.end_bar);
  }
  for (size_t k = 0; k < bars.size(); ++k) {
    const double p = static_cast<double>(pairs[k]) / total;
    const double expected = kDraws * p;
    const double sigma = std::sqrt(kDraws * p * (1 - p));
    EXPECT_NEAR(static_cast<double>(per_ticker[k]), expected, 5 * sigma + 1e-9) << "ticker " << k;
    if (pairs[k] > 0) {
      // Every end bar reachable: the extremes are hit.
      EXPECT_EQ(min_end[k], kWindow - 1);
      EXPECT_EQ(max_end[k], bars[k] - 1 - kHorizon);
      // Uniform offsets within the ticker: mean (m-1)/2, variance (m^2-1)/12.
      const double m = static_cast<double>(pairs[k]);
      const double count = static_cast<double>(per_ticker[k]);
      const double offset_sigma = std::sqrt((m * m - 1) / 12 / count);
      EXPECT_NEAR(offset_sum[k] / count, (m - 1) / 2, 5 * offset_sigma + 1e-9) << "ticker " << k;
    }
  }
  for (int64_t count : per_position) {
    EXPECT_NEAR(static_cast<double>(count), kDraws / 3.0, 5 * std::sqrt(kDraws * (1.0 / 3) * (2.0 / 3)));
  }
}

TEST(SamplerTest, IndependentOfCallOrderAndThreads) {
  const std::vector<int64_t> bars = {1000, 3000};
  const Sampler sampler(99, bars, 16, 4);
  constexpr int kDraws = 20000;
  std::vector<SampleDraw> forward(kDraws);
  for (int i = 0; i < kDraws; ++i) forward[static_cast<size_t>(i)] = sampler.Draw(static_cast<uint64_t>(i));
  std::vector<SampleDraw> backward(kDraws);
  for (int i = kDraws - 1; i >= 0; --i) backward[static_cast<size_t>(i)] = sampler.Draw(static_cast<uint64_t>(i));
  std::vector<SampleDraw> threaded(kDraws);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kDraws; i += 3) threaded[static_cast<size_t>(i)] = sampler.Draw(static_cast<uint64_t>(i));
    });
  }
  for (auto& thread : threads) thread.join();
  const Sampler again(99, bars, 16, 4);
  for (size_t i = 0; i < kDraws; ++i) {
    for (const SampleDraw* other : {&backward[i], &threaded[i]}) {
      ASSERT_EQ(forward[i].ticker, other->ticker);
      ASSERT_EQ(forward[i].end_bar, other->end_bar);
      ASSERT_EQ(forward[i].position, other->position);
    }
    ASSERT_EQ(forward[i].end_bar, again.Draw(i).end_bar);
  }
}

TEST(SamplerTest, SeedsDiffer) {
  const std::vector<int64_t> bars = {100000};
  const Sampler a(1, bars, 64, 16), b(2, bars, 64, 16);
  int same = 0;
  for (uint64_t i = 0; i < 1000; ++i) same += a.Draw(i).end_bar == b.Draw(i).end_bar;
  EXPECT_LT(same, 5);
}

TEST(SamplerTest, NoValidEndBarIsAnError) {
  const std::vector<int64_t> bars = {79, 10};
  EXPECT_THROW(Sampler(1, bars, 64, 16), DataError);
  const std::vector<int64_t> exact = {80};
  const Sampler one(1, exact, 64, 16);
  EXPECT_EQ(one.num_pairs(), 1);
  EXPECT_EQ(one.Draw(123).end_bar, 63);
}

}  // namespace
}  // namespace barforge
