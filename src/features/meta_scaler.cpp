#include "features/meta_scaler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "barforge/error.h"
#include "features/exact_sum.h"
#include "io/atomic_file.h"

namespace barforge {

namespace {

// Samples per block of work. The sums are exact, so the block size and the
// order blocks are merged in cannot change a bit of the result.
constexpr int64_t kBlockSamples = 8192;
// Draws resolved ahead of the feature work, so that the first cache line of
// each window is already on its way (windows are at random places).
constexpr int64_t kPrefetchBatch = 16;
constexpr double kMinStd = 1e-12;

void PrefetchWindow(const PreparedSeries& series, int64_t end_bar, int window) {
  const auto first = static_cast<size_t>(end_bar + 1 - window);
  __builtin_prefetch(series.log_return.data() + first);
  __builtin_prefetch(series.log_range.data() + first);
  __builtin_prefetch(series.log1p_volume.data() + first);
  __builtin_prefetch(series.log_close.data() + first);
  __builtin_prefetch(series.log_close.data() + static_cast<size_t>(end_bar));
}

}  // namespace

// One pass over samples [first, end) in parallel blocks (x^2 added as
// product plus FMA error, exactly). Each thread adds its blocks into its own
// sums, merged exactly at the end: memory is a few KB per thread whatever
// the sample count, and the result has the same bits for any n_jobs or
// split, as the sums are exact.
MetaFeatureSums SumMetaFeatures(const Sampler& sampler, std::span<const PreparedSeries> series, int64_t first,
                                int64_t end_sample, int window, int n_jobs,
                                const std::function<void(int64_t)>& on_block) {
  const int64_t blocks = (std::max<int64_t>(0, end_sample - first) + kBlockSamples - 1) / kBlockSamples;
  tbb::enumerable_thread_specific<MetaFeatureSums> thread_sums;
  tbb::task_arena arena(std::max(1, n_jobs));
  arena.execute([&] {
    tbb::parallel_for(int64_t{0}, blocks, [&](int64_t block) {
      MetaFeatureSums& sums = thread_sums.local();
      const int64_t end = std::min(end_sample, first + (block + 1) * kBlockSamples);
      WindowRef windows[kPrefetchBatch];
      std::array<double, kMetaFeatureCount> raw[kPrefetchBatch];
      for (int64_t batch = first + block * kBlockSamples; batch < end; batch += kPrefetchBatch) {
        const auto count = static_cast<size_t>(std::min(kPrefetchBatch, end - batch));
        for (size_t k = 0; k < count; ++k) {
          const SampleDraw draw = sampler.Draw(static_cast<uint64_t>(batch) + k);
          windows[k] = {&series[draw.ticker], draw.end_bar, draw.position};
          PrefetchWindow(series[draw.ticker], draw.end_bar, window);
        }
        ComputeRawMeta(std::span(windows, count), window, std::span(raw, count));
        for (size_t k = 0; k < count; ++k) {
          for (size_t f = 0; f < kMetaFeatureCount; ++f) {
            sums.values[f].Add(raw[k][f]);
            sums.squares[f].AddProduct(raw[k][f], raw[k][f]);
          }
        }
      }
      if (on_block) on_block(end - (first + block * kBlockSamples));
    });
  });
  MetaFeatureSums total;
  for (const MetaFeatureSums& sums : thread_sums) total.Merge(sums);
  return total;
}

MetaFeatureSums SumCrossSectionMetaFeatures(const CrossSectionSampler& sampler, std::span<const PreparedSeries> series,
                                            std::span<const uint32_t> members, int64_t first, int64_t end_sample,
                                            int window, int n_jobs, int64_t& pairs,
                                            const std::function<void(int64_t)>& on_block) {
  // Blocks of cross-sections; M windows each, so fewer per block.
  const int64_t block_samples = std::max<int64_t>(1, kBlockSamples / std::max<int64_t>(1, std::ssize(members)));
  const int64_t blocks = (std::max<int64_t>(0, end_sample - first) + block_samples - 1) / block_samples;
  struct ThreadSums {
    MetaFeatureSums sums;
    int64_t pairs = 0;
  };
  tbb::enumerable_thread_specific<ThreadSums> thread_sums;
  tbb::task_arena arena(std::max(1, n_jobs));
  arena.execute([&] {
    tbb::parallel_for(int64_t{0}, blocks, [&](int64_t block) {
      ThreadSums& local = thread_sums.local();
      const int64_t begin = first + block * block_samples;
      const int64_t end = std::min(end_sample, begin + block_samples);
      // Windows in batches of at least kPrefetchBatch, each prefetched when
      // its draw is resolved and computed soon after (a row's windows lie
      // at random places of M series).
      thread_local std::vector<WindowRef> windows;
      thread_local std::vector<std::array<double, kMetaFeatureCount>> raw;
      windows.clear();
      const auto add_batch = [&] {
        raw.resize(windows.size());
        ComputeRawMeta(windows, window, raw);
        for (const auto& values : raw) {
          for (size_t f = 0; f < kMetaFeatureCount; ++f) {
            local.sums.values[f].Add(values[f]);
            local.sums.squares[f].AddProduct(values[f], values[f]);
          }
        }
        local.pairs += std::ssize(windows);
        windows.clear();
      };
      for (int64_t i = begin; i < end; ++i) {
        const CrossSectionDraw draw = sampler.Draw(static_cast<uint64_t>(i));
        for (size_t m = 0; m < members.size(); ++m) {
          const int64_t end_bar = sampler.EndBar(draw.t_index, static_cast<int>(m));
          if (end_bar < 0) continue;
          windows.push_back({&series[members[m]], end_bar, draw.position});
          PrefetchWindow(series[members[m]], end_bar, window);
        }
        if (std::ssize(windows) >= kPrefetchBatch) add_batch();
      }
      add_batch();
      if (on_block) on_block(end - begin);
    });
  });
  MetaFeatureSums total;
  pairs = 0;
  for (const ThreadSums& local : thread_sums) {
    total.Merge(local.sums);
    pairs += local.pairs;
  }
  return total;
}

MetaScaler FitCrossSectionMetaScaler(const CrossSectionSampler& sampler, std::span<const PreparedSeries> series,
                                     std::span<const uint32_t> members, int64_t n_samples, int window, int horizon,
                                     int n_jobs, const std::function<void(int64_t)>& on_block) {
  int64_t pairs = 0;
  const MetaFeatureSums sums = SumCrossSectionMetaFeatures(sampler, series, members, 0, std::max<int64_t>(0, n_samples),
                                                           window, n_jobs, pairs, on_block);
  return ScalerFromSums(sums, pairs, window, horizon);
}

void MetaFeatureSums::Merge(const MetaFeatureSums& other) {
  for (size_t f = 0; f < kMetaFeatureCount; ++f) {
    values[f].Merge(other.values[f]);
    squares[f].Merge(other.squares[f]);
  }
}

std::vector<double> MetaFeatureSums::Serialize() const {
  std::vector<double> data(kSerializedSize, 0.0);
  size_t at = 0;
  auto put = [&](const ExactSum& sum) {
    const std::span<const double> partials = sum.Partials();
    data[at] = static_cast<double>(partials.size());
    std::copy(partials.begin(), partials.end(), data.begin() + static_cast<std::ptrdiff_t>(at + 1));
    at += 1 + ExactSum::kMaxPartials;
  };
  for (const ExactSum& sum : values) put(sum);
  for (const ExactSum& sum : squares) put(sum);
  return data;
}

MetaFeatureSums MetaFeatureSums::Deserialize(std::span<const double> data) {
  if (data.size() != kSerializedSize) {
    throw DataError(fmt::format("meta feature sums: {} values, expected {}", data.size(), kSerializedSize));
  }
  MetaFeatureSums sums;
  size_t at = 0;
  auto get = [&](ExactSum& sum) {
    const double count = data[at];
    if (!(count >= 0 && count <= static_cast<double>(ExactSum::kMaxPartials)) || count != std::floor(count)) {
      throw DataError(fmt::format("meta feature sums: invalid partial count {}", count));
    }
    sum = ExactSum::FromPartials(data.subspan(at + 1, static_cast<size_t>(count)));
    at += 1 + ExactSum::kMaxPartials;
  };
  for (ExactSum& sum : sums.values) get(sum);
  for (ExactSum& sum : sums.squares) get(sum);
  return sums;
}

void MetaScaler::Apply(const double raw[kMetaFeatureCount], float* scaled) const {
  for (size_t f = 0; f < kMetaFeatureCount; ++f) scaled[f] = static_cast<float>((raw[f] - mean[f]) / std[f]);
}

std::string MetaScaler::ToJson() const {
  nlohmann::ordered_json json;
  json["features"] = std::vector<std::string>(kMetaFeatureNames.begin(), kMetaFeatureNames.end());
  json["mean"] = std::vector<double>(mean.begin(), mean.end());
  json["std"] = std::vector<double>(std.begin(), std.end());
  json["count"] = count;
  json["window"] = window;
  json["horizon"] = horizon;
  if (!splits.empty()) {
    json["fitted_on"] = splits.front().name;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const ScalerSplit& split : splits) {
      nlohmann::ordered_json item;
      item["name"] = split.name;
      item["start_ns"] = split.start_ns == std::numeric_limits<int64_t>::min() ? nlohmann::ordered_json(nullptr)
                                                                                : nlohmann::ordered_json(split.start_ns);
      item["end_ns"] = split.end_ns == std::numeric_limits<int64_t>::max() ? nlohmann::ordered_json(nullptr)
                                                                            : nlohmann::ordered_json(split.end_ns);
      item["n_samples"] = split.n_samples;
      list.push_back(std::move(item));
    }
    json["splits"] = std::move(list);
    json["embargo_bars"] = embargo_bars;
  }
  // nlohmann prints the shortest decimal that reads back to the same double.
  return json.dump(2) + "\n";
}

MetaScaler MetaScaler::FromJson(const std::string& text) {
  MetaScaler scaler;
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    const auto names = json.at("features").get<std::vector<std::string>>();
    const auto means = json.at("mean").get<std::vector<double>>();
    const auto stds = json.at("std").get<std::vector<double>>();
    // A hand-edited scaler is refused here, naming the key, rather than
    // giving infinite or wrong features later.
    const std::pair<const char*, size_t> sizes[] = {
        {"features", names.size()}, {"mean", means.size()}, {"std", stds.size()}};
    for (const auto& [key, size] : sizes) {
      if (size != kMetaFeatureCount) {
        throw DataError(fmt::format("meta scaler JSON: key '{}' has {} values, expected {} (one per meta feature: {})",
                                    key, size, kMetaFeatureCount, fmt::join(kMetaFeatureNames, ", ")));
      }
    }
    for (size_t f = 0; f < kMetaFeatureCount; ++f) {
      if (names[f] != kMetaFeatureNames[f]) {
        throw DataError(fmt::format("meta scaler JSON: key 'features': feature {} is '{}', expected '{}'", f,
                                    names[f], kMetaFeatureNames[f]));
      }
      if (!std::isfinite(means[f])) {
        throw DataError(fmt::format("meta scaler JSON: key 'mean', feature '{}': {} is not finite",
                                    kMetaFeatureNames[f], means[f]));
      }
      // A fit stores a std below kMinStd as 1, so anything smaller (0,
      // negative, subnormal) or not finite was not written by a build.
      if (!std::isfinite(stds[f]) || !(stds[f] >= kMinStd)) {
        throw DataError(fmt::format("meta scaler JSON: key 'std', feature '{}': {} is not a standard deviation a "
                                    "scaler can hold (finite and >= {})",
                                    kMetaFeatureNames[f], stds[f], kMinStd));
      }
      scaler.mean[f] = means[f];
      scaler.std[f] = stds[f];
    }
    scaler.count = json.at("count").get<int64_t>();
    scaler.window = json.at("window").get<int>();
    scaler.horizon = json.at("horizon").get<int>();
    if (json.contains("splits")) {
      for (const auto& item : json.at("splits")) {
        ScalerSplit split;
        split.name = item.at("name").get<std::string>();
        split.start_ns = item.at("start_ns").is_null() ? std::numeric_limits<int64_t>::min()
                                                       : item.at("start_ns").get<int64_t>();
        split.end_ns = item.at("end_ns").is_null() ? std::numeric_limits<int64_t>::max()
                                                   : item.at("end_ns").get<int64_t>();
        split.n_samples = item.at("n_samples").get<int64_t>();
        scaler.splits.push_back(std::move(split));
      }
      scaler.embargo_bars = json.at("embargo_bars").get<int64_t>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(fmt::format("meta scaler JSON: {}", e.what()));
  }
  return scaler;
}

MetaScaler FitMetaScaler(const Sampler& sampler, std::span<const PreparedSeries> series, int64_t n_samples,
                         int window, int horizon, int n_jobs, const std::function<void(int64_t)>& on_block) {
  return ScalerFromSums(
      SumMetaFeatures(sampler, series, 0, std::max<int64_t>(0, n_samples), window, n_jobs, on_block), n_samples,
      window, horizon);
}

MetaScaler ScalerFromSums(const MetaFeatureSums& sums, int64_t n_samples, int window, int horizon) {
  MetaScaler scaler;
  scaler.count = n_samples;
  scaler.window = window;
  scaler.horizon = horizon;
  if (n_samples <= 0) {
    scaler.std.fill(1.0);
    return scaler;
  }
  const auto n = static_cast<double>(n_samples);
  for (size_t f = 0; f < kMetaFeatureCount; ++f) {
    const double mean = sums.values[f].Mean(n);
    scaler.mean[f] = mean;
    // Sum of (x - mean)^2 with the rounded mean, exactly, by algebra on the
    // exact sums: S2 - 2 mean S1 + n mean^2. Every product is added exactly.
    ExactSum deviations = sums.squares[f];
    deviations.AddScaled(sums.values[f], -2.0 * mean);
    ExactSum mean_squared;
    mean_squared.AddProduct(mean, mean);
    deviations.AddScaled(mean_squared, n);
    const double std_dev = std::sqrt(std::max(0.0, deviations.Mean(n)));
    scaler.std[f] = std_dev < kMinStd ? 1.0 : std_dev;
  }
  return scaler;
}

void SaveMetaScaler(const MetaScaler& scaler, const std::filesystem::path& path, bool replace) {
  io::WriteFileAtomically(path, scaler.ToJson(), replace);
}

}  // namespace barforge
