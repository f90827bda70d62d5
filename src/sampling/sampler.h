#pragma once
// Reproducible sampling (docs/semantics.md): sample i of a split depends only on
// (seed, split, i).

#include <cstdint>
#include <span>
#include <vector>

#include "sampling/end_bar_runs.h"

namespace barforge {

struct SampleDraw {
  uint32_t ticker = 0;    ///< index into the ticker list
  int64_t end_bar = 0;    ///< e
  int8_t position = 0;    ///< -1, 0 or +1
};

/// How a split picks its pairs.
enum class PairChoice {
  kUniform,        ///< sample i: a pair uniform over all valid pairs, with replacement
  kEveryPairOnce,  ///< sample i: the i-th valid pair in (ticker, end bar) order (`n_samples: all`)
};

class Sampler {
 public:
  /// Draws over the valid pairs `runs` (in (ticker, end bar) order) with
  /// Philox keyed by `seed` and `stream` (the split's index) in the counter.
  /// Throws DataError if `runs` hold no pair.
  Sampler(uint64_t seed, uint32_t stream, std::vector<EndBarRun> runs, PairChoice choice = PairChoice::kUniform);
  /// One stream over every e in [W-1, n_k-1-H] of every ticker: the sampling
  /// of a build without splits or max_gap.
  Sampler(uint64_t seed, std::span<const int64_t> bars_per_ticker, int window, int horizon);

  /// P: the number of valid (ticker, end bar) pairs.
  int64_t num_pairs() const { return num_pairs_; }
  const std::vector<EndBarRun>& runs() const { return runs_; }
  /// Valid end bars of each ticker, for tickers 0 .. the last one with a pair.
  std::vector<int64_t> pairs_per_ticker() const;

  /// Draw i: the pair (uniform, or the i-th with kEveryPairOnce), position
  /// uniform over {-1, 0, +1}, from Philox4x32 keyed by the seed with
  /// (i, stream) in the counter. Thread-safe.
  SampleDraw Draw(uint64_t sample_id) const;
  /// (ticker, end bar) of pair index `pair` in [0, P).
  SampleDraw Pair(int64_t pair) const;

 private:
  uint64_t seed_;
  uint32_t stream_;
  PairChoice choice_;
  int64_t num_pairs_ = 0;
  std::vector<EndBarRun> runs_;
  std::vector<int64_t> first_pair_;  ///< prefix sums: pairs before run r
};

}  // namespace barforge
