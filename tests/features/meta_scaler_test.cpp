// The meta scaler against a naive two-pass mean/std in long double over raw
// meta recomputed from the bars, bit-identity across n_jobs, JSON and file.

#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "barforge/error.h"
#include "features/meta_scaler.h"
#include "rawdata/synthetic_market.h"

namespace barforge {
namespace {

using Real = long double;

std::vector<BarSeries> TestMarket(int64_t n_bars) {
  std::vector<BarSeries> market;
  for (const char* ticker : {"M0", "M1", "M2"}) {
    SyntheticConfig options;
    options.n_bars = n_bars;
    market.push_back(GenerateSyntheticBars(ticker, options, 21));
  }
  return market;
}

// Raw meta of docs/dataset.md straight from the bars, in long double.
std::array<Real, kMetaFeatureCount> ReferenceMeta(const BarSeries& bars, int64_t e, int window, int position) {
  const size_t ue = static_cast<size_t>(e);
  const size_t first = ue + 1 - static_cast<size_t>(window);
  Real mean_return = 0;
  for (size_t b = first + 1; b <= ue; ++b) mean_return += std::log(static_cast<Real>(bars.close[b]) / bars.close[b - 1]);
  mean_return /= window - 1;
  Real squares = 0, range = 0, volume = 0;
  for (size_t b = first + 1; b <= ue; ++b) {
    const Real d = std::log(static_cast<Real>(bars.close[b]) / bars.close[b - 1]) - mean_return;
    squares += d * d;
  }
  for (size_t b = first; b <= ue; ++b) {
    range += std::log(static_cast<Real>(bars.high[b]) / bars.low[b]);
    volume += std::log(1 + static_cast<Real>(bars.volume[b]));
  }
  return {std::log(static_cast<Real>(bars.close[ue]) / bars.close[first]), std::sqrt(squares / (window - 1)),
          range / window, volume / window, std::log(static_cast<Real>(bars.close[ue])), static_cast<Real>(position)};
}

TEST(MetaScalerTest, MatchesNaiveTwoPassInLongDouble) {
  constexpr int kWindow = 16, kHorizon = 4;
  constexpr int64_t kSamples = 30000;
  const std::vector<BarSeries> market = TestMarket(4000);
  std::vector<PreparedSeries> prepared;
  std::vector<int64_t> sizes;
  for (const BarSeries& bars : market) {
    prepared.push_back(PrepareSeries(bars));
    sizes.push_back(bars.size());
  }
  const Sampler sampler(5, sizes, kWindow, kHorizon);
  const MetaScaler scaler = FitMetaScaler(sampler, prepared, kSamples, kWindow, kHorizon, 2);
  EXPECT_EQ(scaler.count, kSamples);
  EXPECT_EQ(scaler.window, kWindow);
  EXPECT_EQ(scaler.horizon, kHorizon);

  std::vector<std::array<Real, kMetaFeatureCount>> metas;
  std::array<Real, kMetaFeatureCount> sum{};
  for (int64_t i = 0; i < kSamples; ++i) {
    const SampleDraw d = sampler.Draw(static_cast<uint64_t>(i));
    metas.push_back(ReferenceMeta(market[d.ticker], d.end_bar, kWindow, d.position));
    for (size_t f = 0; f < kMetaFeatureCount; ++f) sum[f] += metas.back()[f];
  }
  for (size_t f = 0; f < kMetaFeatureCount; ++f) {
    const Real mean = sum[f] / kSamples;
    Real squares = 0;
    for (const auto& m : metas) squares += (m[f] - mean) * (m[f] - mean);
    const Real std_dev = std::sqrt(squares / kSamples);
    EXPECT_NEAR(scaler.mean[f], static_cast<double>(mean), 1e-11 * std::fabs(static_cast<double>(std_dev)) + 1e-15)
        << kMetaFeatureNames[f];
    EXPECT_NEAR(scaler.std[f], static_cast<double>(std_dev), 1e-9 * static_cast<double>(std_dev))
        << kMetaFeatureNames[f];
    EXPECT_GT(scaler.std[f], 0.0);
  }
  // Applying it standardises: position's scaled values are (p - mean) / std.
  double raw[kMetaFeatureCount] = {0, 0, 0, 0, 0, 1};
  float scaled[kMetaFeatureCount];
  scaler.Apply(raw, scaled);
  EXPECT_FLOAT_EQ(scaled[5], static_cast<float>((1 - scaler.mean[5]) / scaler.std[5]));
}

TEST(MetaScalerTest, SameBitsForAnyJobCount) {
  const std::vector<BarSeries> market = TestMarket(20000);
  std::vector<PreparedSeries> prepared;
  std::vector<int64_t> sizes;
  for (const BarSeries& bars : market) {
    prepared.push_back(PrepareSeries(bars));
    sizes.push_back(bars.size());
  }
  const Sampler sampler(77, sizes, 64, 16);
  // Not a multiple of the internal block size, so blocks are uneven.
  const MetaScaler one = FitMetaScaler(sampler, prepared, 100003, 64, 16, 1);
  for (const int jobs : {2, 3}) {
    const MetaScaler other = FitMetaScaler(sampler, prepared, 100003, 64, 16, jobs);
    for (size_t f = 0; f < kMetaFeatureCount; ++f) {
      EXPECT_EQ(std::bit_cast<uint64_t>(one.mean[f]), std::bit_cast<uint64_t>(other.mean[f])) << jobs;
      EXPECT_EQ(std::bit_cast<uint64_t>(one.std[f]), std::bit_cast<uint64_t>(other.std[f])) << jobs;
    }
  }
}

// Sums over contiguous ranges, as ranks of a distributed build make them,
// sent through Serialize/Deserialize and merged in reverse order, give the
// one-process scaler's bits.
TEST(MetaScalerTest, RangeSumsMergedAcrossProcessesGiveTheSameBits) {
  const std::vector<BarSeries> market = TestMarket(5000);
  std::vector<PreparedSeries> prepared;
  std::vector<int64_t> sizes;
  for (const BarSeries& bars : market) {
    prepared.push_back(PrepareSeries(bars));
    sizes.push_back(bars.size());
  }
  const Sampler sampler(9, sizes, 32, 8);
  constexpr int64_t kSamples = 40001;
  const MetaScaler whole = FitMetaScaler(sampler, prepared, kSamples, 32, 8, 2);
  constexpr int kRanks = 3;
  MetaFeatureSums merged;
  for (int r = kRanks - 1; r >= 0; --r) {
    const int64_t first = r * kSamples / kRanks, end = (r + 1) * kSamples / kRanks;
    const std::vector<double> wire = SumMetaFeatures(sampler, prepared, first, end, 32, 1).Serialize();
    ASSERT_EQ(wire.size(), MetaFeatureSums::kSerializedSize);
    merged.Merge(MetaFeatureSums::Deserialize(wire));
  }
  const MetaScaler distributed = ScalerFromSums(merged, kSamples, 32, 8);
  EXPECT_EQ(distributed.ToJson(), whole.ToJson());
  for (size_t f = 0; f < kMetaFeatureCount; ++f) {
    EXPECT_EQ(std::bit_cast<uint64_t>(distributed.mean[f]), std::bit_cast<uint64_t>(whole.mean[f]));
    EXPECT_EQ(std::bit_cast<uint64_t>(distributed.std[f]), std::bit_cast<uint64_t>(whole.std[f]));
  }
  // A range's own sums are not the whole's: the test would see a wrong range.
  EXPECT_NE(ScalerFromSums(SumMetaFeatures(sampler, prepared, 0, kSamples / 2, 32, 1), kSamples, 32, 8).ToJson(),
            whole.ToJson());
}

TEST(MetaScalerTest, DeserializeRefusesBadBuffers) {
  std::vector<double> wire = MetaFeatureSums().Serialize();
  EXPECT_THAT([&] { MetaFeatureSums::Deserialize(std::span(wire).first(10)); },
              ::testing::ThrowsMessage<DataError>(::testing::HasSubstr("meta feature sums: 10 values, expected 780")));
  wire[0] = 65;
  EXPECT_THAT([&] { MetaFeatureSums::Deserialize(wire); },
              ::testing::ThrowsMessage<DataError>(::testing::HasSubstr("meta feature sums: invalid partial count 65")));
}

TEST(MetaScalerTest, ConstantFeaturesGetStdOne) {
  BarSeries flat;
  flat.ticker = "FLAT";
  for (int i = 0; i < 200; ++i) {
    flat.timestamp_ns.push_back(i);
    flat.open.push_back(50);
    flat.high.push_back(50);
    flat.low.push_back(50);
    flat.close.push_back(50);
    flat.volume.push_back(10);
  }
  const std::vector<PreparedSeries> prepared = {PrepareSeries(flat)};
  const std::vector<int64_t> sizes = {200};
  const Sampler sampler(1, sizes, 8, 2);
  const MetaScaler scaler = FitMetaScaler(sampler, prepared, 5000, 8, 2, 2);
  for (size_t f = 0; f < 5; ++f) EXPECT_EQ(scaler.std[f], 1.0) << kMetaFeatureNames[f];
  EXPECT_EQ(scaler.mean[0], 0.0);
  EXPECT_EQ(scaler.mean[4], std::log(50.0));
  EXPECT_EQ(scaler.mean[3], std::log1p(10.0));
  EXPECT_NE(scaler.std[5], 1.0);  // positions vary
}

TEST(MetaScalerTest, JsonRoundTripAndFile) {
  MetaScaler scaler;
  scaler.mean = {0.1 + 0.2, -1e-300, 3.0, 1.0 / 3.0, 4.5e10, -0.001};
  scaler.std = {1.0, 2.0 / 3.0, 5e-7, 1e300, 1.0, 0.816496580927726};
  scaler.count = 1000000;
  scaler.window = 64;
  scaler.horizon = 16;
  const std::string json = scaler.ToJson();
  const nlohmann::json parsed = nlohmann::json::parse(json);
  EXPECT_EQ(parsed["features"], nlohmann::json({"ret_window", "volatility", "mean_range", "log_volume", "log_price",
                                                "position"}));
  EXPECT_EQ(parsed["count"], 1000000);
  EXPECT_EQ(parsed["window"], 64);
  EXPECT_EQ(parsed["horizon"], 16);
  const MetaScaler back = MetaScaler::FromJson(json);
  for (size_t f = 0; f < kMetaFeatureCount; ++f) {
    EXPECT_EQ(std::bit_cast<uint64_t>(back.mean[f]), std::bit_cast<uint64_t>(scaler.mean[f]));
    EXPECT_EQ(std::bit_cast<uint64_t>(back.std[f]), std::bit_cast<uint64_t>(scaler.std[f]));
  }
  EXPECT_EQ(back.count, scaler.count);
  EXPECT_EQ(back.window, 64);
  EXPECT_EQ(back.horizon, 16);

  const std::filesystem::path dir = std::filesystem::path(BARFORGE_BINARY_DIR) / "meta_scaler_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SaveMetaScaler(scaler, dir / "meta_scaler.json", false);
  std::ifstream in(dir / "meta_scaler.json");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), json);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);
  EXPECT_THROW(SaveMetaScaler(scaler, dir / "missing_dir" / "x.json", true), IoError);
}

TEST(MetaScalerTest, BadJsonRefused) {
  EXPECT_THROW(MetaScaler::FromJson("{"), DataError);
  EXPECT_THROW(MetaScaler::FromJson(R"({"features": ["a"], "mean": [1], "std": [1], "count": 1, "window": 2,
                                        "horizon": 1})"),
               DataError);
  EXPECT_THROW(MetaScaler::FromJson(R"({"mean": []})"), DataError);
}

}  // namespace
}  // namespace barforge
