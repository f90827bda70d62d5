#pragma once
// Cross-sectional sampling (docs/semantics.md, "Cross-sections"): sample i
// of a split is an end timestamp t, drawn uniformly from the split's valid
// timestamps (Philox keyed by the seed, (i, split) in the counter, as the
// Sampler draws pairs), or the i-th valid t in time order. Ticker k is
// present at t when it has a bar at exactly t that is a valid end bar of k
// in the split (the runs of the single-ticker plan: window, horizon, purge,
// embargo, max_gap); t is valid when at least min_present tickers are.

#include <cstdint>
#include <span>
#include <vector>

#include "sampling/end_bar_runs.h"
#include "sampling/sampler.h"

namespace barforge {

/// One drawn cross-section: the valid timestamp's index in the split's
/// list, the timestamp and the sample's position (shared by every ticker).
struct CrossSectionDraw {
  int64_t t_index = 0;
  int64_t timestamp_ns = 0;
  int8_t position = 0;
};

class CrossSectionSampler {
 public:
  /// The valid timestamps of one split. `timestamps[m]` are member m's bar
  /// timestamps (strictly increasing), `runs` the split's valid end bars
  /// with EndBarRun::ticker the member index m (in (m, end bar) order, as
  /// AppendEndBarRuns makes them). Leaves the list empty when no timestamp
  /// has min_present members present (the caller names the split).
  CrossSectionSampler(uint64_t seed, uint32_t stream, std::vector<std::span<const int64_t>> timestamps,
                      std::span<const EndBarRun> runs, int64_t min_present,
                      PairChoice choice = PairChoice::kUniform);

  /// M, the members (tickers) of every cross-section.
  int members() const { return static_cast<int>(timestamps_.size()); }
  /// T: the number of valid timestamps.
  int64_t num_timestamps() const { return static_cast<int64_t>(valid_ns_.size()); }
  /// The most members present at any one timestamp of the split (before
  /// min_present), for messages.
  int64_t most_present() const { return most_present_; }
  /// Valid (member, end bar) pairs at the valid timestamps: the present
  /// slots of all T cross-sections.
  int64_t present_pairs() const { return present_pairs_; }
  const std::vector<int64_t>& timestamps_ns() const { return valid_ns_; }

  /// Draw i: a valid timestamp (uniform, or the i-th with kEveryPairOnce)
  /// and the position, from the words the Sampler uses for pair and
  /// position. Thread-safe.
  CrossSectionDraw Draw(uint64_t sample_id) const;
  /// The present slots of draws [first, end): what a scaler fitted on
  /// those cross-sections counts (computed from the draws alone, no window).
  int64_t PresentSlots(int64_t first, int64_t end) const;
  /// Whether member m is present at valid timestamp t_index.
  bool Present(int64_t t_index, int m) const {
    const uint64_t word = present_[static_cast<size_t>(t_index) * words_ + static_cast<size_t>(m) / 64];
    return ((word >> (static_cast<unsigned>(m) % 64)) & 1) != 0;
  }
  /// Member m's end bar at valid timestamp t_index, or -1 when absent.
  int64_t EndBar(int64_t t_index, int m) const;

  /// Bytes the index holds per valid timestamp: 8 for the timestamp and 8
  /// per 64 members for the presence bits.
  size_t bytes_per_timestamp() const { return sizeof(int64_t) * (1 + words_); }

 private:
  uint64_t seed_;
  uint32_t stream_;
  PairChoice choice_;
  std::vector<std::span<const int64_t>> timestamps_;
  size_t words_ = 1;               ///< presence words per timestamp: ceil(M / 64)
  std::vector<int64_t> valid_ns_;  ///< the valid timestamps, increasing
  std::vector<uint64_t> present_;  ///< words_ per valid timestamp; bit m: member m present
  int64_t most_present_ = 0;
  int64_t present_pairs_ = 0;
};

}  // namespace barforge
