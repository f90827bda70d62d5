#pragma once
// The meta scaler (docs/dataset.md): mean and population std of each raw meta
// feature over all N samples, exact and deterministic (the same bits for any
// n_jobs or chunking); std < 1e-12 is stored as 1.

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "features/exact_sum.h"
#include "features/prepared_series.h"
#include "features/window_features.h"
#include "sampling/cross_section_sampler.h"
#include "sampling/sampler.h"

namespace barforge {

/// A time split the scaler's file records (builds with `splits`).
struct ScalerSplit {
  std::string name;
  int64_t start_ns = 0;  ///< INT64_MIN: the first split, no start (JSON null)
  int64_t end_ns = 0;    ///< INT64_MAX: the last split, no end (JSON null)
  int64_t n_samples = 0;
};

struct MetaScaler {
  std::array<double, kMetaFeatureCount> mean{};
  std::array<double, kMetaFeatureCount> std{};
  int64_t count = 0;
  int window = 0;
  int horizon = 0;
  /// With splits: every split (the scaler is fitted on the first) and the
  /// embargo; written to JSON only when not empty.
  std::vector<ScalerSplit> splits;
  int64_t embargo_bars = 0;

  /// (raw - mean) / std, as float.
  void Apply(const double raw[kMetaFeatureCount], float* scaled) const;
  /// JSON: {"features": [...names], "mean": [...], "std": [...], "count", "window", "horizon"}, then with
  /// splits "fitted_on" (the first split's name), "splits": [{"name", "start_ns", "end_ns", "n_samples"}]
  /// and "embargo_bars".
  std::string ToJson() const;
  static MetaScaler FromJson(const std::string& json);
};

/// Fits the scaler over samples 0..n_samples-1 drawn by `sampler`, on
/// `n_jobs` threads; the result's bits do not depend on n_jobs.
/// `on_block` (if set) is called from the worker threads after each block
/// of samples with its sample count; an exception it throws stops the fit
/// and propagates.
MetaScaler FitMetaScaler(const Sampler& sampler, std::span<const PreparedSeries> series, int64_t n_samples,
                         int window, int horizon, int n_jobs,
                         const std::function<void(int64_t)>& on_block = {});

/// Exact sums of each raw meta feature and of its square over some samples.
/// Sums over disjoint sample ranges merge exactly, in any order, so a
/// scaler fitted from merged sums has the bits of a one-pass fit.
struct MetaFeatureSums {
  std::array<ExactSum, kMetaFeatureCount> values;
  std::array<ExactSum, kMetaFeatureCount> squares;

  /// Doubles in Serialize()'s output: per sum its partial count, then its
  /// partials padded to ExactSum::kMaxPartials.
  static constexpr size_t kSerializedSize = 2 * kMetaFeatureCount * (1 + ExactSum::kMaxPartials);

  void Merge(const MetaFeatureSums& other);
  std::vector<double> Serialize() const;
  /// Throws DataError on a buffer Serialize() cannot have written.
  static MetaFeatureSums Deserialize(std::span<const double> data);
};

/// The sums over samples [first, end) drawn by `sampler`, on `n_jobs`
/// threads (the same bits for any n_jobs); `on_block` as for FitMetaScaler.
MetaFeatureSums SumMetaFeatures(const Sampler& sampler, std::span<const PreparedSeries> series, int64_t first,
                                int64_t end, int window, int n_jobs,
                                const std::function<void(int64_t)>& on_block = {});

/// Cross-sections: the sums over the present (member, timestamp) pairs of
/// cross-sections [first, end) drawn by `sampler`, member m being
/// series[members[m]] with the row's position; `pairs` receives their
/// count. The same bits for any n_jobs; `on_block` as for FitMetaScaler
/// (with a count of cross-sections).
MetaFeatureSums SumCrossSectionMetaFeatures(const CrossSectionSampler& sampler, std::span<const PreparedSeries> series,
                                            std::span<const uint32_t> members, int64_t first, int64_t end,
                                            int window, int n_jobs, int64_t& pairs,
                                            const std::function<void(int64_t)>& on_block = {});
/// The scaler of cross-sections 0..n_samples-1: fitted on their present
/// pairs (its count is theirs).
MetaScaler FitCrossSectionMetaScaler(const CrossSectionSampler& sampler, std::span<const PreparedSeries> series,
                                     std::span<const uint32_t> members, int64_t n_samples, int window, int horizon,
                                     int n_jobs, const std::function<void(int64_t)>& on_block = {});

/// The scaler of `n_samples` samples from their sums.
MetaScaler ScalerFromSums(const MetaFeatureSums& sums, int64_t n_samples, int window, int horizon);

/// Writes ToJson() to `path` atomically and durably (io::AtomicFile); with
/// `replace` false, fails if `path` exists by the time it is renamed.
void SaveMetaScaler(const MetaScaler& scaler, const std::filesystem::path& path, bool replace);

}  // namespace barforge
