// Peak memory of the meta scaler fit alone, for a sample count N: the fit's
// state must not grow with N. Generates the default market (4 tickers x
// 500,000 bars, seed 42), prepares it, then fits over N samples; prints the
// peak RSS before and after the fit, the fit's seconds and the scaler.
//   scaler_fit_bench N [jobs]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/pipeline.h"
#include "features/meta_scaler.h"
#include "features/prepared_series.h"
#include "pipeline/peak_rss.h"
#include "rawdata/synthetic_market.h"
#include "sampling/sampler.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: scaler_fit_bench N [jobs]\n");
    return 2;
  }
  const int64_t n = std::strtoll(argv[1], nullptr, 10);
  const int jobs = argc > 2 ? std::atoi(argv[2]) : 2;
  const barforge::Config config;
  std::vector<barforge::PreparedSeries> prepared;
  std::vector<int64_t> bars_per_ticker;
  for (const std::string& ticker : config.tickers) {
    const barforge::BarSeries bars = barforge::GenerateSyntheticBars(ticker, config.synthetic, config.seed);
    bars_per_ticker.push_back(bars.size());
    prepared.push_back(barforge::PrepareSeries(bars));
  }
  const barforge::Sampler sampler(config.seed, bars_per_ticker, config.window, config.horizon);
  const int64_t before = barforge::PeakRssBytes();
  const auto start = std::chrono::steady_clock::now();
  const barforge::MetaScaler scaler =
      barforge::FitMetaScaler(sampler, prepared, n, config.window, config.horizon, jobs);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t after = barforge::PeakRssBytes();
  std::printf("n=%lld jobs=%d fit_seconds=%.2f peak_rss_before_fit_mib=%.1f peak_rss_after_fit_mib=%.1f "
              "growth_mib=%.1f\n%s",
              static_cast<long long>(n), jobs, seconds, static_cast<double>(before) / (1 << 20),
              static_cast<double>(after) / (1 << 20), static_cast<double>(after - before) / (1 << 20),
              scaler.ToJson().c_str());
  return 0;
}
