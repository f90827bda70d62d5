#include "sampling/cross_section_sampler.h"

#include <algorithm>
#include <bit>
#include <iterator>
#include <utility>

#include "rawdata/philox_stream.h"

namespace barforge {

namespace {

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang; -Wpedantic needs the marker

// The timestamps of member m's valid end bars, increasing.
std::vector<int64_t> EndTimestamps(std::span<const int64_t> timestamps, std::span<const EndBarRun> runs, uint32_t m) {
  std::vector<int64_t> out;
  for (const EndBarRun& run : runs) {
    if (run.ticker != m) continue;
    const auto first = timestamps.begin() + run.first_end;
    out.insert(out.end(), first, first + run.length);
  }
  return out;
}

// The index of `ts` in `t` (which holds it): a guess from the series' mean
// spacing, exact for evenly spaced bars, then an exponential search from
// there, so a draw costs about one cache miss per ticker rather than a
// binary search's twenty over a long series.
int64_t IndexOf(std::span<const int64_t> t, int64_t ts) {
  const auto n = static_cast<int64_t>(t.size());
  const int64_t span = t.back() - t.front();
  int64_t at = 0;
  if (span > 0) {
    at = static_cast<int64_t>(static_cast<Uint128>(ts - t.front()) * static_cast<Uint128>(n - 1) /
                              static_cast<Uint128>(span));
    at = std::clamp<int64_t>(at, 0, n - 1);
  }
  if (t[static_cast<size_t>(at)] == ts) return at;
  // Doubling steps away from the guess until ts is passed, then a binary
  // search in the last step: [low, high) holds ts.
  int64_t bound = 1, low = 0, high = 0;
  if (t[static_cast<size_t>(at)] < ts) {
    while (at + bound < n && t[static_cast<size_t>(at + bound)] < ts) bound *= 2;
    low = at + bound / 2 + 1;
    high = std::min(at + bound, n - 1) + 1;
  } else {
    while (at - bound >= 0 && t[static_cast<size_t>(at - bound)] > ts) bound *= 2;
    low = std::max<int64_t>(at - bound, 0);
    high = at - bound / 2;
  }
  return std::lower_bound(t.begin() + low, t.begin() + high, ts) - t.begin();
}

}  // namespace

CrossSectionSampler::CrossSectionSampler(uint64_t seed, uint32_t stream,
                                         std::vector<std::span<const int64_t>> timestamps,
                                         std::span<const EndBarRun> runs, int64_t min_present, PairChoice choice)
    : seed_(seed), stream_(stream), choice_(choice), timestamps_(std::move(timestamps)) {
  const auto members = static_cast<uint32_t>(timestamps_.size());
  words_ = std::max<size_t>(1, (members + size_t{63}) / 64);
  // The union of every member's valid end timestamps, merged member by
  // member (memory: the union and one member's list).
  std::vector<int64_t> all;
  for (uint32_t m = 0; m < members; ++m) {
    const std::vector<int64_t> ends = EndTimestamps(timestamps_[m], runs, m);
    std::vector<int64_t> merged;
    merged.reserve(all.size() + ends.size());
    std::set_union(all.begin(), all.end(), ends.begin(), ends.end(), std::back_inserter(merged));
    all = std::move(merged);
  }
  // Presence bits over the union, then only the timestamps with at least
  // min_present members kept.
  std::vector<uint64_t> bits(all.size() * words_, 0);
  for (uint32_t m = 0; m < members; ++m) {
    auto at = all.begin();
    for (const int64_t t : EndTimestamps(timestamps_[m], runs, m)) {
      at = std::lower_bound(at, all.end(), t);
      const auto u = static_cast<size_t>(at - all.begin());
      bits[u * words_ + m / 64] |= uint64_t{1} << (m % 64);
    }
  }
  for (size_t u = 0; u < all.size(); ++u) {
    int64_t count = 0;
    for (size_t w = 0; w < words_; ++w) count += std::popcount(bits[u * words_ + w]);
    most_present_ = std::max(most_present_, count);
    if (count < min_present) continue;
    valid_ns_.push_back(all[u]);
    present_.insert(present_.end(), bits.begin() + static_cast<std::ptrdiff_t>(u * words_),
                    bits.begin() + static_cast<std::ptrdiff_t>((u + 1) * words_));
    present_pairs_ += count;
  }
  valid_ns_.shrink_to_fit();
  present_.shrink_to_fit();
}

CrossSectionDraw CrossSectionSampler::Draw(uint64_t sample_id) const {
  const PhiloxWords words =
      PhiloxDraw(seed_, {static_cast<uint32_t>(sample_id), static_cast<uint32_t>(sample_id >> 32), stream_, 0});
  CrossSectionDraw draw;
  if (choice_ == PairChoice::kEveryPairOnce) {
    draw.t_index = static_cast<int64_t>(sample_id);
  } else {
    // Lemire's multiply-high over the T valid timestamps, as Sampler::Draw
    // over the P pairs (docs/semantics.md).
    const uint64_t random64 = static_cast<uint64_t>(words[0]) | (static_cast<uint64_t>(words[1]) << 32);
    draw.t_index = static_cast<int64_t>((static_cast<Uint128>(random64) * static_cast<Uint128>(valid_ns_.size())) >> 64);
  }
  draw.timestamp_ns = valid_ns_[static_cast<size_t>(draw.t_index)];
  draw.position = static_cast<int8_t>(static_cast<int>((static_cast<uint64_t>(words[2]) * 3) >> 32) - 1);
  return draw;
}

int64_t CrossSectionSampler::PresentSlots(int64_t first, int64_t end) const {
  int64_t slots = 0;
  for (int64_t i = first; i < end; ++i) {
    const auto t = static_cast<size_t>(Draw(static_cast<uint64_t>(i)).t_index);
    for (size_t w = 0; w < words_; ++w) slots += std::popcount(present_[t * words_ + w]);
  }
  return slots;
}

int64_t CrossSectionSampler::EndBar(int64_t t_index, int m) const {
  if (!Present(t_index, m)) return -1;
  return IndexOf(timestamps_[static_cast<size_t>(m)], valid_ns_[static_cast<size_t>(t_index)]);
}

}  // namespace barforge
