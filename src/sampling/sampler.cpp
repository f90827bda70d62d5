#include "sampling/sampler.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "barforge/error.h"
#include "rawdata/philox_stream.h"

namespace barforge {

namespace {

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang; -Wpedantic needs the marker

std::vector<EndBarRun> WholeSeriesRuns(std::span<const int64_t> bars_per_ticker, int window, int horizon) {
  std::vector<EndBarRun> runs;
  for (size_t k = 0; k < bars_per_ticker.size(); ++k) {
    // Valid end bars e in [W-1, n-1-H]: n - W - H + 1 of them, or none.
    const int64_t pairs = bars_per_ticker[k] - window - horizon + 1;
    if (pairs > 0) runs.push_back({static_cast<uint32_t>(k), window - 1, pairs});
  }
  if (runs.empty()) {
    throw DataError(fmt::format("no ticker has a valid end bar: every series is shorter than window {} + horizon {}",
                                window, horizon));
  }
  return runs;
}

}  // namespace

Sampler::Sampler(uint64_t seed, uint32_t stream, std::vector<EndBarRun> runs, PairChoice choice)
    : seed_(seed), stream_(stream), choice_(choice), runs_(std::move(runs)) {
  first_pair_.reserve(runs_.size());
  for (const EndBarRun& run : runs_) {
    first_pair_.push_back(num_pairs_);
    num_pairs_ += run.length;
  }
  if (num_pairs_ == 0) throw DataError("no valid (ticker, end bar) pair to sample from");
}

Sampler::Sampler(uint64_t seed, std::span<const int64_t> bars_per_ticker, int window, int horizon)
    : Sampler(seed, 0, WholeSeriesRuns(bars_per_ticker, window, horizon)) {}

std::vector<int64_t> Sampler::pairs_per_ticker() const {
  std::vector<int64_t> pairs(runs_.back().ticker + size_t{1}, 0);
  for (const EndBarRun& run : runs_) pairs[run.ticker] += run.length;
  return pairs;
}

SampleDraw Sampler::Pair(int64_t pair) const {
  // The run is the last one whose first pair is <= pair.
  const auto it = std::upper_bound(first_pair_.begin(), first_pair_.end(), pair);
  const auto r = static_cast<size_t>(it - first_pair_.begin() - 1);
  SampleDraw draw;
  draw.ticker = runs_[r].ticker;
  draw.end_bar = runs_[r].first_end + (pair - first_pair_[r]);
  return draw;
}

SampleDraw Sampler::Draw(uint64_t sample_id) const {
  const PhiloxWords words =
      PhiloxDraw(seed_, {static_cast<uint32_t>(sample_id), static_cast<uint32_t>(sample_id >> 32), stream_, 0});
  int64_t pair = 0;
  if (choice_ == PairChoice::kEveryPairOnce) {
    pair = static_cast<int64_t>(sample_id);
  } else {
    // Lemire's multiply-high: floor(r * P / 2^64) for a 64-bit uniform r. Pair
    // p is hit by either floor or ceil of 2^64 / P values of r, so its
    // probability is off from 1/P by less than 1/2^64 (docs/semantics.md).
    const uint64_t random64 = static_cast<uint64_t>(words[0]) | (static_cast<uint64_t>(words[1]) << 32);
    pair = static_cast<int64_t>((static_cast<Uint128>(random64) * static_cast<Uint128>(num_pairs_)) >> 64);
  }
  SampleDraw draw = Pair(pair);
  // Same method on 32 bits over {0, 1, 2}: bias below 2^-32.
  draw.position = static_cast<int8_t>(static_cast<int>((static_cast<uint64_t>(words[2]) * 3) >> 32) - 1);
  return draw;
}

}  // namespace barforge
