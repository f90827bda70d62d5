#pragma once
// The valid end bars of a split as runs of consecutive bars: a split's
// valid (ticker, end bar) pairs can number in the billions, their runs only
// as many as the gaps and boundaries that cut them.

#include <cstdint>
#include <span>
#include <vector>

namespace barforge {

/// End bars first_end .. first_end + length - 1 of one ticker.
struct EndBarRun {
  uint32_t ticker = 0;
  int64_t first_end = 0;
  int64_t length = 0;
};

/// What makes an end bar e valid. A sample touches bars e-W+1 .. e+H.
struct EndBarRules {
  int window = 0;
  int horizon = 0;
  int64_t max_gap_ns = 0;  ///< 0: off; else two consecutive touched bars at most this far apart
};

/// One ticker's bars where consecutive timestamps are more than max_gap
/// apart: positions b >= 1 with t[b] - t[b-1] > max_gap (none when off).
std::vector<int64_t> GapPositions(std::span<const int64_t> timestamps, int64_t max_gap_ns);

/// Appends to `out` the runs of valid end bars of `ticker` among its bars
/// with timestamps in [start_ns, end_ns): every touched bar in that range,
/// the first touched bar at least `embargo_bars` after the ticker's first
/// bar in it, and no gap (`gaps`, from GapPositions) between touched bars.
void AppendEndBarRuns(uint32_t ticker, std::span<const int64_t> timestamps, std::span<const int64_t> gaps,
                      int64_t start_ns, int64_t end_ns, int64_t embargo_bars, const EndBarRules& rules,
                      std::vector<EndBarRun>& out);

/// Sum of the runs' lengths.
int64_t CountPairs(std::span<const EndBarRun> runs);

}  // namespace barforge
