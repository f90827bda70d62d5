#pragma once
// One ticker's bars, column-major, after validation (bars indexed 0..n-1).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace barforge {

struct BarSeries {
  std::string ticker;
  std::filesystem::path source;       ///< file the bars came from (for messages)
  std::vector<int64_t> timestamp_ns;  ///< ns since epoch, UTC, strictly increasing
  std::vector<double> open, high, low, close, volume;
  int64_t dropped_bars = 0;           ///< bars removed by on_bad_bar: drop

  int64_t size() const { return static_cast<int64_t>(timestamp_ns.size()); }
};

}  // namespace barforge
