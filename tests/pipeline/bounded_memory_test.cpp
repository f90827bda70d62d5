// Peak memory of a build is the raw data, one chunk's narrow columns, a few
// pages and the write-behind queue: it must not grow with the sample count,
// nor hold whole row groups (compressed or not).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

// Small raw data (2 x 20,000 bars, about 2 MB), so the peak is the build's.
constexpr const char* kConfig = R"(data_dir: data
tickers: [AAA, BBB]
synthetic: {n_bars: 20000}
window: 32
horizon: 4
chunk_rows: 32768
)";

int64_t PeakRssOfBuild(const TempDir& dir, int64_t samples) {
  WriteConfig(dir.path(), kConfig);
  const CommandResult result = RunBarforge(
      dir.path(), "build --config config.yaml --json --jobs 2 --overwrite --samples " + std::to_string(samples));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto summary = nlohmann::json::parse(result.out);
  EXPECT_EQ(summary["rows"].get<int64_t>(), samples);
  return summary["peak_rss_bytes"].get<int64_t>();
}

TEST(BoundedMemory, PeakRssIsFlatInTheSampleCountAndHoldsNoRowGroup) {
  TempDir dir;
  // About 30 MB is the process, the raw data, one chunk's narrow columns
  // and a few pages; up to 32 MiB more wait for the write-behind thread,
  // more or less of it depending on how busy the disk and the CPU are. A
  // row group here is 32,768 rows x about 700 bytes = 23 MB uncompressed,
  // 18 MB compressed: the build that held row groups peaked at 104 MB.
  const int64_t small = PeakRssOfBuild(dir, 4 * 32768);   // 4 row groups, 72 MB file
  const int64_t large = PeakRssOfBuild(dir, 16 * 32768);  // 16 row groups, 287 MB file
  EXPECT_LT(large, 75'000'000) << "peak RSS " << large;
  EXPECT_LT(large - small, 36'000'000) << "peak RSS grew from " << small << " to " << large << " bytes";
}

}  // namespace
}  // namespace barforge::testing
