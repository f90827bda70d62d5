// On a larger build, ticker counts are proportional to valid end bars and
// positions are uniform, within 5 sigma.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

void ExpectBinomial(int64_t count, int64_t n, double p, const std::string& what) {
  const double mean = static_cast<double>(n) * p;
  const double sigma = std::sqrt(static_cast<double>(n) * p * (1 - p));
  EXPECT_LE(std::abs(static_cast<double>(count) - mean), 5 * sigma)
      << what << ": " << count << " vs expected " << mean << " +- " << sigma;
}

TEST(BuildStatistics, TickersProportionalToValidEndBarsPositionsUniform) {
  constexpr int64_t kSamples = 300000;
  const std::map<std::string, int64_t> bars = {{"AAA", 20000}, {"BBB", 8000}, {"CCC", 2000}};
  TempDir dir;
  for (const auto& [ticker, n] : bars) {
    ASSERT_EQ(RunBarforge(dir.path(), "synth --quiet --set data_dir=data --set tickers=[" + ticker +
                                          "] --set synthetic.n_bars=" + std::to_string(n))
                  .exit_code,
              0);
  }
  const CommandResult build = RunBarforge(
      dir.path(), "build --quiet --set data_dir=data --set tickers=[AAA,BBB,CCC] --set source=files --set window=4 "
                  "--set horizon=1 --set n_samples=300000 --set chunk_rows=65536 --set parquet_compression=lz4");
  ASSERT_EQ(build.exit_code, 0) << build.err;

  const parquet::ParquetReader reader(dir / "data/samples_300K.parquet");
  const auto tickers = reader.ReadColumn("ticker");
  const auto meta = reader.ReadColumn("meta");
  ASSERT_EQ(tickers.num_rows, kSamples);

  std::map<std::string, int64_t> ticker_counts;
  for (int64_t i = 0; i < kSamples; ++i) ++ticker_counts[std::string(tickers.string(static_cast<size_t>(i)))];
  int64_t pairs = 0;
  for (const auto& [ticker, n] : bars) pairs += n - 4 - 1 + 1;
  for (const auto& [ticker, n] : bars) {
    ExpectBinomial(ticker_counts[ticker], kSamples, static_cast<double>(n - 4) / static_cast<double>(pairs), ticker);
  }

  // The scaled position takes three values, in the order -1 < 0 < +1.
  std::map<float, int64_t> position_counts;
  for (int64_t i = 0; i < kSamples; ++i) ++position_counts[meta.floats[static_cast<size_t>(i) * 6 + 5]];
  ASSERT_EQ(position_counts.size(), 3u);
  for (const auto& [value, count] : position_counts) {
    ExpectBinomial(count, kSamples, 1.0 / 3.0, "position " + std::to_string(value));
  }
}

}  // namespace
}  // namespace barforge::testing
