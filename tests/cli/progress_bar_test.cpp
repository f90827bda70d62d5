// The progress line fits the terminal whatever its width, keeps the most
// useful parts, and does not change width while it is redrawn.

#include <gtest/gtest.h>

#include <string>

#include "cli/progress_bar.h"

namespace barforge::cli {
namespace {

BuildProgress Writing(int64_t done) {
  BuildProgress p;
  p.phase = BuildPhase::kWriting;
  p.done = done;
  p.total = 1000000;
  p.seconds = 5;
  p.phase_seconds = 4;
  return p;
}

TEST(ProgressLine, FitsEveryWidthAndKeepsTheMostUsefulParts) {
  EXPECT_EQ(FormatProgressLine(Writing(500000), 200),
            "writing        [####################....................]   50%  "
            "  500,000/1,000,000 samples  ETA 4s          125,000/s      5s");
  EXPECT_EQ(FormatProgressLine(Writing(500000), 80),
            "writing        [#######........]   50%    500,000/1,000,000 samples  ETA 4s");
  EXPECT_EQ(FormatProgressLine(Writing(500000), 40), "writing        [########........]   50%");
  for (int width = 1; width <= 240; ++width) {
    EXPECT_LE(FormatProgressLine(Writing(123456), width).size(), static_cast<size_t>(std::max(width - 1, 10)));
    // The bar keeps its place and width from the first report to the last.
    EXPECT_EQ(FormatProgressLine(Writing(1), width).find(']'), FormatProgressLine(Writing(1000000), width).find(']'));
  }
}

TEST(ProgressLine, PhasesWithoutCountsShowTheTime) {
  BuildProgress p;
  p.phase = BuildPhase::kFinishing;
  p.seconds = 75;
  EXPECT_EQ(FormatProgressLine(p, 80), "finishing       1m15s");
  p.phase = BuildPhase::kRawData;
  p.done = 1;
  p.total = 4;
  EXPECT_EQ(FormatProgressLine(p, 80), "raw data       [####............]   25%  1/4 tickers");
}

}  // namespace
}  // namespace barforge::cli
