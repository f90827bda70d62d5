#include "sampling/end_bar_runs.h"

#include <algorithm>

namespace barforge {

std::vector<int64_t> GapPositions(std::span<const int64_t> timestamps, int64_t max_gap_ns) {
  std::vector<int64_t> gaps;
  if (max_gap_ns <= 0) return gaps;
  for (size_t b = 1; b < timestamps.size(); ++b) {
    if (timestamps[b] - timestamps[b - 1] > max_gap_ns) gaps.push_back(static_cast<int64_t>(b));
  }
  return gaps;
}

void AppendEndBarRuns(uint32_t ticker, std::span<const int64_t> timestamps, std::span<const int64_t> gaps,
                      int64_t start_ns, int64_t end_ns, int64_t embargo_bars, const EndBarRules& rules,
                      std::vector<EndBarRun>& out) {
  // Bars [first_bar, end_bar) lie in the split.
  const int64_t first_bar = std::lower_bound(timestamps.begin(), timestamps.end(), start_ns) - timestamps.begin();
  const int64_t end_bar = std::lower_bound(timestamps.begin(), timestamps.end(), end_ns) - timestamps.begin();
  const int64_t lowest_touched = first_bar + embargo_bars;  // first touched bar e-W+1 >= this
  const int64_t highest_touched = end_bar - 1;              // last touched bar e+H <= this
  if (highest_touched - lowest_touched + 1 < rules.window + rules.horizon) return;
  // Segments of bars with no gap inside: [segment_first, next gap - 1]. Start
  // at the segment holding lowest_touched.
  auto gap = std::upper_bound(gaps.begin(), gaps.end(), lowest_touched);
  int64_t segment_first = gap == gaps.begin() ? 0 : *(gap - 1);
  while (segment_first <= highest_touched) {
    const int64_t segment_last = gap == gaps.end() ? static_cast<int64_t>(timestamps.size()) - 1 : *gap - 1;
    const int64_t first = std::max(segment_first, lowest_touched);
    const int64_t last = std::min(segment_last, highest_touched);
    const int64_t first_end = first + rules.window - 1;
    const int64_t last_end = last - rules.horizon;
    if (last_end >= first_end) out.push_back({ticker, first_end, last_end - first_end + 1});
    if (gap == gaps.end()) break;
    segment_first = *gap++;
  }
}

int64_t CountPairs(std::span<const EndBarRun> runs) {
  int64_t total = 0;
  for (const EndBarRun& run : runs) total += run.length;
  return total;
}

}  // namespace barforge
