#include "sampling/sampler.h"

#include <algorithm>

#include <fmt/format.h>

#include "barforge/error.h"
#include "rawdata/philox_stream.h"

namespace barforge {

namespace {

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang; -Wpedantic needs the marker

}  // namespace

Sampler::Sampler(uint64_t seed, std::span<const int64_t> bars_per_ticker, int window, int horizon)
    : seed_(seed), window_(window) {
  pairs_per_ticker_.reserve(bars_per_ticker.size());
  first_pair_.reserve(bars_per_ticker.size());
  for (const int64_t bars : bars_per_ticker) {
    // Valid end bars e in [W-1, n-1-H]: n - W - H + 1 of them, or none.
    const int64_t pairs = std::max<int64_t>(0, bars - window - horizon + 1);
    first_pair_.push_back(num_pairs_);
    pairs_per_ticker_.push_back(pairs);
    num_pairs_ += pairs;
  }
  if (num_pairs_ == 0) {
    throw DataError(fmt::format("no ticker has a valid end bar: every series is shorter than window {} + horizon {}",
                                window, horizon));
  }
}

SampleDraw Sampler::Draw(uint64_t sample_id) const {
  const PhiloxWords words =
      PhiloxDraw(seed_, {static_cast<uint32_t>(sample_id), static_cast<uint32_t>(sample_id >> 32), 0, 0});
  // Lemire's multiply-high: floor(r * P / 2^64) for a 64-bit uniform r. Pair
  // p is hit by either floor or ceil of 2^64 / P values of r, so its
  // probability is off from 1/P by less than 1/2^64 (docs/semantics.md).
  const uint64_t random64 = static_cast<uint64_t>(words[0]) | (static_cast<uint64_t>(words[1]) << 32);
  const auto pair = static_cast<int64_t>(
      (static_cast<Uint128>(random64) * static_cast<Uint128>(num_pairs_)) >> 64);
  // The ticker is the last one whose first pair is <= pair; tickers without
  // pairs share their first pair with the next ticker and are skipped.
  const auto it = std::upper_bound(first_pair_.begin(), first_pair_.end(), pair);
  const auto ticker = static_cast<size_t>(it - first_pair_.begin() - 1);
  SampleDraw draw;
  draw.ticker = static_cast<uint32_t>(ticker);
  draw.end_bar = window_ - 1 + (pair - first_pair_[ticker]);
  // Same method on 32 bits over {0, 1, 2}: bias below 2^-32.
  draw.position = static_cast<int8_t>(static_cast<int>((static_cast<uint64_t>(words[2]) * 3) >> 32) - 1);
  return draw;
}

}  // namespace barforge
