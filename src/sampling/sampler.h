#pragma once
// Reproducible sampling (docs/semantics.md): sample i depends only on (seed, i).

#include <cstdint>
#include <span>
#include <vector>

namespace barforge {

struct SampleDraw {
  uint32_t ticker = 0;    ///< index into the ticker list
  int64_t end_bar = 0;    ///< e, in [W-1, n_k-1-H]
  int8_t position = 0;    ///< -1, 0 or +1
};

class Sampler {
 public:
  /// bars_per_ticker: n_k after validation. Throws DataError if no ticker has
  /// a valid end bar.
  Sampler(uint64_t seed, std::span<const int64_t> bars_per_ticker, int window, int horizon);

  /// P: the number of valid (ticker, end bar) pairs.
  int64_t num_pairs() const { return num_pairs_; }
  /// Valid end bars of each ticker.
  const std::vector<int64_t>& pairs_per_ticker() const { return pairs_per_ticker_; }

  /// Draw i: uniform over the P pairs, position uniform over {-1, 0, +1},
  /// from Philox4x32 keyed by the seed with i in the counter. Thread-safe.
  SampleDraw Draw(uint64_t sample_id) const;

 private:
  uint64_t seed_;
  int window_;
  int64_t num_pairs_ = 0;
  std::vector<int64_t> pairs_per_ticker_;
  std::vector<int64_t> first_pair_;  ///< prefix sums: pairs before ticker k
};

}  // namespace barforge
