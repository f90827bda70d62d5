// Times FeatureTransform against the build's own feature computation, on
// one synthetic series held in memory (W = 64 unless given):
//   - one window from bars in memory (Transform: checks and prepares the
//     window's bars, computes ohlc, volume and the scaled meta);
//   - the build's per-sample feature work (windows at random end bars:
//     ohlc, volume, raw meta, scaling; one thread), the reference per window;
//   - TransformMany over every end bar, on one thread and on all threads.
// Each figure is the median of 5 runs, in CPU time of the thread for the
// one-thread measures (the machine may be shared: wall time would count
// other processes' turns) and in wall time for the all-threads one.
//   feature_transform_bench [bars=500000] [window=64]

#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "barforge/feature_transform.h"
#include "features/bar_series_columns.h"
#include "features/meta_scaler.h"
#include "features/prepared_series.h"
#include "features/window_features.h"
#include "rawdata/synthetic_market.h"

namespace {

double Now(clockid_t clock) {
  timespec time{};
  clock_gettime(clock, &time);
  return static_cast<double>(time.tv_sec) + 1e-9 * static_cast<double>(time.tv_nsec);
}

template <class Run>
double MedianSeconds(Run run, clockid_t clock = CLOCK_THREAD_CPUTIME_ID) {
  std::vector<double> seconds;
  for (int i = 0; i < 5; ++i) {
    const double start = Now(clock);
    run();
    seconds.push_back(Now(clock) - start);
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds[2];
}

std::string ScalerJson(int window) {
  return "{\"features\": [\"ret_window\", \"volatility\", \"mean_range\", \"log_volume\", \"log_price\", "
         "\"position\"], \"mean\": [0, 0.001, 0.002, 7, 4.6, 0], \"std\": [0.01, 0.0005, 0.001, 0.5, 0.1, 0.8], "
         "\"count\": 1, \"window\": " +
         std::to_string(window) + ", \"horizon\": 16}";
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n_bars = argc > 1 ? std::atoll(argv[1]) : 500000;
  const int window = argc > 2 ? std::atoi(argv[2]) : 64;
  barforge::SyntheticConfig options;
  options.n_bars = n_bars;
  const barforge::BarSeries series = barforge::GenerateSyntheticBars("BENCH", options, 42);
  const barforge::BarColumns bars = barforge::ColumnsOf(series);
  const auto transform = barforge::FeatureTransform::FromJson(ScalerJson(window));
  const auto w = static_cast<size_t>(window);
  float sink = 0;

  // One window at a time, from the bars in memory.
  constexpr int64_t kCalls = 20000;
  const double one = MedianSeconds([&] {
    for (int64_t i = 0; i < kCalls; ++i) {
      const int64_t end = n_bars - 1 - (i * 7919) % (n_bars - window);
      sink += transform.Transform(bars, end, static_cast<int>(i % 3) - 1).meta[0];
    }
  });

  // The build's feature work per sample: windows at random end bars over the
  // whole prepared series, in the build's blocks, on one thread.
  const barforge::PreparedSeries prepared = barforge::PrepareSeries(series);
  barforge::MetaScaler scaler;
  scaler.window = window;
  scaler.std.fill(1.0);
  constexpr size_t kBlock = 4096;
  const int64_t samples = n_bars - window + 1;
  std::mt19937_64 random(7);
  std::vector<barforge::WindowRef> draws(static_cast<size_t>(samples));
  for (auto& ref : draws) {
    ref = {&prepared, window - 1 + static_cast<int64_t>(random() % static_cast<uint64_t>(samples)),
           static_cast<int8_t>(static_cast<int>(random() % 3) - 1)};
  }
  std::vector<float> ohlc(kBlock * 4 * w), volume(kBlock * w), meta(kBlock * 6);
  std::vector<std::array<double, barforge::kMetaFeatureCount>> raw(kBlock);
  const double build = MedianSeconds([&] {
    for (size_t first = 0; first < draws.size(); first += kBlock) {
      const size_t count = std::min(kBlock, draws.size() - first);
      const std::span<const barforge::WindowRef> windows(draws.data() + first, count);
      barforge::ComputeRawMeta(windows, window, std::span(raw.data(), count));
      for (size_t k = 0; k < count; ++k) scaler.Apply(raw[k].data(), &meta[k * 6]);
      barforge::ComputeOhlcFeatures(windows, window, ohlc.data());
      barforge::ComputeVolumeFeatures(windows, window, volume.data());
      sink += ohlc[0] + volume[0] + meta[0];
    }
  });

  // Every end bar at once: prepare + features + scaling.
  std::vector<int64_t> ends(static_cast<size_t>(samples));
  std::iota(ends.begin(), ends.end(), int64_t{window - 1});
  double many_one_thread = 0;
  {
    tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
    many_one_thread = MedianSeconds([&] { sink += transform.TransformMany(bars, ends, {}).meta[0]; });
  }
  const double many =
      MedianSeconds([&] { sink += transform.TransformMany(bars, ends, {}).meta[0]; }, CLOCK_MONOTONIC);

  // As `transform --all` streams: bars prepared once, then every end bar
  // computed block by block into reused buffers (no result of n windows
  // held; the allocation and first touch of TransformMany's 640 MB excluded).
  const double prepare = MedianSeconds([&] { sink += static_cast<float>(transform.Prepare(bars).last()); });
  const barforge::PreparedBars all_bars = transform.Prepare(bars);
  double streamed = 0;
  {
    tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
    streamed = MedianSeconds([&] {
      for (size_t first = 0; first < ends.size(); first += kBlock) {
        const size_t count = std::min(kBlock, ends.size() - first);
        const std::span<const int64_t> block(ends.data() + first, count);
        transform.TransformInto(all_bars, block, {},
                                {std::span(ohlc.data(), count * 4 * w), std::span(volume.data(), count * w),
                                 std::span(meta.data(), count * 6)});
        sink += ohlc[0] + volume[0] + meta[0];
      }
    });
  }

  const double per_window = 1e6 / static_cast<double>(samples);
  std::printf("bars %lld, window %d (checksum %g)\n", static_cast<long long>(n_bars), window, static_cast<double>(sink));
  std::printf("| measure | us per window |\n|---|---|\n");
  std::printf("| Transform, one window from bars in memory | %.2f |\n", one * 1e6 / kCalls);
  std::printf("| build's feature work per sample (random windows, 1 thread) | %.3f |\n", build * per_window);
  std::printf("| TransformMany, every end bar, 1 thread (incl. checks and prepare) | %.3f |\n",
              many_one_thread * per_window);
  std::printf("| TransformMany, every end bar, all threads (wall) | %.3f |\n", many * per_window);
  std::printf("| of which Prepare (copy, checks, logs), per bar, 1 thread | %.3f |\n",
              prepare * 1e6 / static_cast<double>(n_bars));
  std::printf("| TransformInto every end bar in blocks of %zu, reused buffers, 1 thread | %.3f |\n", kBlock,
              streamed * per_window);
  return 0;
}
