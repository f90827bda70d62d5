// LoadConfig, overrides, refusals, ConfigToYaml round trip and the files
// generated from the key table (config/default.yaml, docs/configuration.md).

#include <ctime>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "barforge/config.h"
#include "barforge/error.h"
#include "config/config_keys.h"

namespace barforge {
namespace {

using ::testing::HasSubstr;

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to a fresh file in the build tree and returns its path.
std::filesystem::path WriteTemp(const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::path(BARFORGE_BINARY_DIR) / "config_test_files";
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

void ExpectSameConfig(const Config& a, const Config& b) {
  EXPECT_EQ(a.data_dir, b.data_dir);
  EXPECT_EQ(a.raw_data_filename, b.raw_data_filename);
  EXPECT_EQ(a.samples_filename, b.samples_filename);
  EXPECT_EQ(a.scaler_filename, b.scaler_filename);
  EXPECT_EQ(a.tickers, b.tickers);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.synthetic.n_bars, b.synthetic.n_bars);
  EXPECT_EQ(a.synthetic.bar_seconds, b.synthetic.bar_seconds);
  EXPECT_EQ(a.synthetic.start, b.synthetic.start);
  EXPECT_EQ(a.synthetic.start_ns, b.synthetic.start_ns);
  EXPECT_EQ(a.columns.timestamp, b.columns.timestamp);
  EXPECT_EQ(a.columns.open, b.columns.open);
  EXPECT_EQ(a.columns.high, b.columns.high);
  EXPECT_EQ(a.columns.low, b.columns.low);
  EXPECT_EQ(a.columns.close, b.columns.close);
  EXPECT_EQ(a.columns.volume, b.columns.volume);
  EXPECT_EQ(a.on_bad_bar, b.on_bad_bar);
  EXPECT_EQ(a.window, b.window);
  EXPECT_EQ(a.horizon, b.horizon);
  EXPECT_EQ(a.fee_bps, b.fee_bps);
  EXPECT_EQ(a.n_samples, b.n_samples);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.n_jobs, b.n_jobs);
  EXPECT_EQ(a.parquet_compression, b.parquet_compression);
  EXPECT_EQ(a.compression_level, b.compression_level);
  EXPECT_EQ(a.chunk_rows, b.chunk_rows);
  EXPECT_EQ(a.float_encoding, b.float_encoding);
  EXPECT_EQ(a.csv_delimiter, b.csv_delimiter);
  EXPECT_EQ(a.timestamp_unit, b.timestamp_unit);
}

// A generated file in the source tree must equal what the table produces
// now. BARFORGE_REGENERATE=1 rewrites it instead.
void ExpectGeneratedFile(const std::string& relative_path, const std::string& expected) {
  const std::filesystem::path path = std::filesystem::path(BARFORGE_SOURCE_DIR) / relative_path;
  const char* regenerate = std::getenv("BARFORGE_REGENERATE");
  if (regenerate != nullptr && std::string(regenerate) == "1") std::ofstream(path, std::ios::binary) << expected;
  EXPECT_EQ(ReadText(path), expected) << relative_path
                                      << " is out of sync with src/config/config_keys.cpp; rerun this test with "
                                         "BARFORGE_REGENERATE=1 to rewrite it";
}

int64_t UtcNs(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000000000LL;
}

TEST(ConfigTest, EmptyPathGivesSpecDefaults) {
  const Config config = LoadConfig({}, {});
  EXPECT_EQ(config.data_dir, "data");
  EXPECT_EQ(config.tickers, (std::vector<std::string>{"SYN0", "SYN1", "SYN2", "SYN3"}));
  EXPECT_EQ(config.synthetic.n_bars, 500000);
  EXPECT_EQ(config.synthetic.start_ns, UtcNs(2020, 1, 1, 0, 0, 0));
  EXPECT_EQ(config.window, 64);
  EXPECT_EQ(config.horizon, 16);
  EXPECT_EQ(config.fee_bps, 5.0);
  EXPECT_EQ(config.n_samples, 1000000);
  EXPECT_EQ(config.seed, 42u);
  EXPECT_EQ(config.n_jobs, -1);
  EXPECT_EQ(config.parquet_compression, parquet::Codec::kZstd);
  EXPECT_EQ(config.compression_level, 3);
  EXPECT_EQ(config.chunk_rows, 262144);
}

TEST(ConfigTest, DefaultYamlLoadsToDefaultsAndMatchesTheTable) {
  const std::filesystem::path file = std::filesystem::path(BARFORGE_SOURCE_DIR) / "config/default.yaml";
  ExpectGeneratedFile("config/default.yaml",
                      "# barforge configuration: every key with its default.\n"
                      "# Generated from src/config/config_keys.cpp; see docs/configuration.md.\n" +
                          ConfigToYaml(Config{}));
  ExpectSameConfig(LoadConfig(file, {}), Config{});
}

TEST(ConfigTest, ReferenceDocMatchesTheTable) {
  ExpectGeneratedFile("docs/configuration.md", ConfigReferenceMarkdown());
  // Every key appears in the doc; a table without a key would pass the
  // comparison above only if the doc also lacked it.
  const std::string doc = ConfigReferenceMarkdown();
  for (const ConfigKey& key : ConfigKeys()) EXPECT_THAT(doc, HasSubstr(fmt::format("`{}`", key.name)));
  EXPECT_EQ(ConfigKeys().size(), 39u);
}

TEST(ConfigTest, OverridesApplyInOrderWithDottedKeysAndYamlValues) {
  const Config config = LoadConfig({}, {"synthetic.n_bars=1000", "columns.open=Open", "tickers=[A, B.x, c_1]",
                                        "fee_bps=2.5", "window=8", "window=10", "seed=18446744073709551615",
                                        "synthetic.start=2021-03-04T05:06:07+01:00", "parquet_compression=none",
                                        "compression_level=0", "on_bad_bar=drop", "source=files", "n_jobs=3",
                                        "float_encoding=byte_stream_split", "synthetic={bar_seconds: 5}"});
  EXPECT_EQ(config.synthetic.n_bars, 1000);
  EXPECT_EQ(config.synthetic.bar_seconds, 5);
  EXPECT_EQ(config.columns.open, "Open");
  EXPECT_EQ(config.columns.close, "close");
  EXPECT_EQ(config.tickers, (std::vector<std::string>{"A", "B.x", "c_1"}));
  EXPECT_EQ(config.fee_bps, 2.5);
  EXPECT_EQ(config.window, 10);
  EXPECT_EQ(config.seed, 18446744073709551615ULL);
  EXPECT_EQ(config.synthetic.start, "2021-03-04T05:06:07+01:00");
  EXPECT_EQ(config.synthetic.start_ns, UtcNs(2021, 3, 4, 4, 6, 7));
  EXPECT_EQ(config.parquet_compression, parquet::Codec::kUncompressed);
  EXPECT_EQ(config.on_bad_bar, OnBadBar::kDrop);
  EXPECT_EQ(config.source, DataSource::kFiles);
  EXPECT_EQ(config.n_jobs, 3);
  EXPECT_EQ(config.EffectiveJobs(), 3);
  EXPECT_EQ(config.float_encoding, parquet::FloatEncoding::kByteStreamSplit);
}

TEST(ConfigTest, FileThenOverrides) {
  const auto file = WriteTemp("file_then_overrides.yaml",
                              "window: 32\nhorizon: 4\nsynthetic: {n_bars: 77}\ncolumns:\n  volume: Volume\n");
  const Config config = LoadConfig(file, {"horizon=5"});
  EXPECT_EQ(config.window, 32);
  EXPECT_EQ(config.horizon, 5);
  EXPECT_EQ(config.synthetic.n_bars, 77);
  EXPECT_EQ(config.synthetic.bar_seconds, 60);
  EXPECT_EQ(config.columns.volume, "Volume");
}

TEST(ConfigTest, StartFormats) {
  EXPECT_EQ(LoadConfig({}, {"synthetic.start=2020-02-29"}).synthetic.start_ns, UtcNs(2020, 2, 29, 0, 0, 0));
  EXPECT_EQ(LoadConfig({}, {"synthetic.start=1969-12-31T23:59:59.5Z"}).synthetic.start_ns, -500000000LL);
  EXPECT_EQ(LoadConfig({}, {"synthetic.start=2020-01-01T00:00:00-05:30"}).synthetic.start_ns,
            UtcNs(2020, 1, 1, 5, 30, 0));
}

TEST(ConfigTest, ConfigToYamlRoundTrips) {
  Config config;
  config.data_dir = "some dir/with \"quotes\" # and \\ backslash";
  config.raw_data_filename = "bars_{ticker}.parquet";
  config.samples_filename = "s_{n}.parquet";
  config.scaler_filename = "scaler: x.json";
  config.tickers = {"AAPL", "BRK.B", "x-1"};
  config.source = DataSource::kFiles;
  config.synthetic.n_bars = 12345;
  config.synthetic.bar_seconds = 3600;
  config.synthetic.start = "2001-09-09T01:46:40Z";
  config.synthetic.start_ns = 1000000000LL * 1000000000LL;
  config.columns = {"Date", "Open", "High", "Low", "Adj Close", "Volume"};
  config.on_bad_bar = OnBadBar::kDrop;
  config.window = 2;
  config.horizon = 1;
  config.fee_bps = 0.1 + 0.2;  // not a short decimal: must still round-trip exactly
  config.n_samples = 7;
  config.seed = 0xffffffffffffffffULL;
  config.n_jobs = 2;
  config.parquet_compression = parquet::Codec::kGzip;
  config.compression_level = 9;
  config.chunk_rows = 1;
  config.float_encoding = parquet::FloatEncoding::kByteStreamSplit;
  config.csv_delimiter = '\t';
  config.timestamp_unit = EpochUnit::kMillis;
  const auto file = WriteTemp("round_trip.yaml", ConfigToYaml(config));
  ExpectSameConfig(LoadConfig(file, {}), config);
  config.csv_delimiter = ';';
  ExpectSameConfig(LoadConfig(WriteTemp("semicolon.yaml", ConfigToYaml(config)), {}), config);
  ExpectSameConfig(LoadConfig(WriteTemp("defaults.yaml", ConfigToYaml(Config{})), {}), Config{});
}

struct BadOverride {
  std::string override_text;
  std::string key;
};

// Names the case in test listings (GoogleTest would print its bytes).
void PrintTo(const BadOverride& c, std::ostream* out) { *out << c.override_text; }

class ConfigRefusalTest : public ::testing::TestWithParam<BadOverride> {};

TEST_P(ConfigRefusalTest, NamesTheKey) {
  const BadOverride& bad = GetParam();
  try {
    LoadConfig({}, {bad.override_text});
    FAIL() << bad.override_text << " was accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr(fmt::format("'{}'", bad.key))) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigRefusalTest,
    ::testing::Values(BadOverride{"window=1", "window"}, BadOverride{"window=abc", "window"},
                      BadOverride{"window=2.5", "window"}, BadOverride{"window=[1]", "window"},
                      BadOverride{"horizon=0", "horizon"}, BadOverride{"n_samples=0", "n_samples"},
                      BadOverride{"fee_bps=-0.5", "fee_bps"}, BadOverride{"fee_bps=.nan", "fee_bps"},
                      BadOverride{"fee_bps=inf", "fee_bps"}, BadOverride{"fee_bps=x", "fee_bps"},
                      BadOverride{"parquet_compression=brotli", "parquet_compression"},
                      BadOverride{"compression_level=23", "compression_level"},
                      BadOverride{"chunk_rows=0", "chunk_rows"}, BadOverride{"n_jobs=0", "n_jobs"},
                      BadOverride{"n_jobs=-2", "n_jobs"}, BadOverride{"tickers=[]", "tickers"},
                      BadOverride{"tickers=[A, a/b]", "tickers"}, BadOverride{"tickers=[\"A B\"]", "tickers"},
                      BadOverride{"tickers=[..]", "tickers"}, BadOverride{"tickers=[A, A]", "tickers"},
                      BadOverride{"source=web", "source"}, BadOverride{"on_bad_bar=skip", "on_bad_bar"},
                      BadOverride{"float_encoding=delta", "float_encoding"},
                      BadOverride{"csv_delimiter=;;", "csv_delimiter"}, BadOverride{"csv_delimiter=", "csv_delimiter"},
                      BadOverride{"timestamp_unit=hours", "timestamp_unit"},
                      BadOverride{"synthetic.n_bars=0", "synthetic.n_bars"},
                      BadOverride{"synthetic.bar_seconds=0", "synthetic.bar_seconds"},
                      BadOverride{"synthetic.start=2020-13-01", "synthetic.start"},
                      BadOverride{"synthetic.start=2021-02-29", "synthetic.start"},
                      BadOverride{"synthetic.start=yesterday", "synthetic.start"},
                      BadOverride{"synthetic.start=2020-01-01T25:00:00Z", "synthetic.start"},
                      BadOverride{"raw_data_filename=raw.parquet", "raw_data_filename"},
                      BadOverride{"raw_data_filename=a/{ticker}.parquet", "raw_data_filename"},
                      BadOverride{"samples_filename=", "samples_filename"},
                      BadOverride{"columns.open=", "columns.open"}, BadOverride{"seed=-1", "seed"},
                      BadOverride{"synthetic.foo=1", "synthetic.foo"}, BadOverride{"colour=red", "colour"},
                      BadOverride{"synthetic=5", "synthetic"}, BadOverride{"window=99999999999", "window"},
                      BadOverride{"synthetic.n_bars=1000000000000", "synthetic.n_bars"}));

TEST(ConfigTest, CodecNameAndLevelErrorsNameTheKey) {
  EXPECT_THAT([] { LoadConfig({}, {"parquet_compression=brotli"}); },
              ::testing::ThrowsMessage<ConfigError>(::testing::StrEq(
                  "override 'parquet_compression=brotli': key 'parquet_compression': must be one of zstd | snappy | "
                  "gzip | lz4 | none, got 'brotli'")));
  EXPECT_THAT([] { LoadConfig({}, {"parquet_compression=gzip", "compression_level=10"}); },
              ::testing::ThrowsMessage<ConfigError>(::testing::StrEq(
                  "override 'compression_level=10': key 'compression_level': 10 is out of range for gzip (1..9) "
                  "(parquet_compression: gzip)")));
}

TEST(ConfigTest, CompressionLevelCheckedAgainstCodecInAnyOrder) {
  EXPECT_NO_THROW(LoadConfig({}, {"compression_level=12", "parquet_compression=gzip", "compression_level=9"}));
  EXPECT_THROW(LoadConfig({}, {"compression_level=12", "parquet_compression=gzip"}), ConfigError);
  EXPECT_NO_THROW(LoadConfig({}, {"parquet_compression=snappy", "compression_level=100"}));
}

TEST(ConfigTest, FileErrorsNameFileAndKey) {
  const auto unknown = WriteTemp("unknown.yaml", "window: 16\nwindw: 3\n");
  EXPECT_THAT([&] { LoadConfig(unknown, {}); },
              ::testing::ThrowsMessage<ConfigError>(
                  ::testing::AllOf(HasSubstr(unknown.string()), HasSubstr("unknown key 'windw'"))));
  const auto typed = WriteTemp("typed.yaml", "synthetic:\n  n_bars: many\n");
  EXPECT_THAT([&] { LoadConfig(typed, {}); },
              ::testing::ThrowsMessage<ConfigError>(
                  ::testing::AllOf(HasSubstr(typed.string()), HasSubstr("'synthetic.n_bars'"))));
  const auto broken = WriteTemp("broken.yaml", "window: [1, 2\n");
  EXPECT_THAT([&] { LoadConfig(broken, {}); },
              ::testing::ThrowsMessage<ConfigError>(HasSubstr(broken.string())));
  EXPECT_THAT([&] { LoadConfig("/nonexistent/barforge.yaml", {}); },
              ::testing::ThrowsMessage<NotFoundError>(
                  ::testing::StrEq("/nonexistent/barforge.yaml: config file not found")));
  EXPECT_THROW(LoadConfig({}, {"window"}), ConfigError);
  // An empty file is an error, not the 1M-sample defaults (seed_and_defaults_test.cpp).
  EXPECT_THROW(LoadConfig(WriteTemp("empty.yaml", ""), {}), ConfigError);
}

TEST(ConfigTest, FormatSampleCount) {
  EXPECT_EQ(FormatSampleCount(1000000), "1M");
  EXPECT_EQ(FormatSampleCount(40000000), "40M");
  EXPECT_EQ(FormatSampleCount(250000), "250K");
  EXPECT_EQ(FormatSampleCount(1500000), "1500K");
  EXPECT_EQ(FormatSampleCount(1234), "1234");
  EXPECT_EQ(FormatSampleCount(1000), "1K");
  EXPECT_EQ(FormatSampleCount(1), "1");
  EXPECT_EQ(FormatSampleCount(320000000), "320M");
}

TEST(ConfigTest, Paths) {
  const Config config = LoadConfig({}, {"data_dir=/tmp/d", "n_samples=250000", "raw_data_filename={ticker}-{ticker}.pq"});
  EXPECT_EQ(RawDataPath(config, "SYN1"), std::filesystem::path("/tmp/d/SYN1-SYN1.pq"));
  EXPECT_EQ(SamplesPath(config), std::filesystem::path("/tmp/d/samples_250K.parquet"));
  EXPECT_EQ(ScalerPath(config), std::filesystem::path("/tmp/d/meta_scaler.json"));
  // The YAML-quoted form means the same.
  EXPECT_EQ(LoadConfig({}, {"raw_data_filename=\"{ticker}.pq\""}).raw_data_filename, "{ticker}.pq");
}

TEST(ConfigTest, StorageBarsPutsBarsBeforeTheExtensionOfTheDatasetAndScalerAndIsStoredOnlyThen) {
  const Config windows = LoadConfig({}, {"data_dir=/tmp/d"});
  EXPECT_EQ(windows.storage, Storage::kWindows);
  EXPECT_THAT(StoredConfigYaml(windows), ::testing::Not(HasSubstr("storage")));
  const Config bars = LoadConfig({}, {"data_dir=/tmp/d", "storage=bars"});
  EXPECT_EQ(bars.storage, Storage::kBars);
  EXPECT_EQ(SamplesPath(bars), std::filesystem::path("/tmp/d/samples_1M.bars.parquet"));
  EXPECT_EQ(ScalerPath(bars), std::filesystem::path("/tmp/d/meta_scaler.bars.json"));
  EXPECT_EQ(SplitSamplesPath(bars, "train", 5000), std::filesystem::path("/tmp/d/samples_5K_train.bars.parquet"));
  EXPECT_EQ(SamplesPath(LoadConfig({}, {"storage=bars", "samples_filename=all"})), std::filesystem::path("data/all.bars"));
  EXPECT_THAT(StoredConfigYaml(bars), HasSubstr("\nstorage: bars "));
  EXPECT_EQ(LoadConfigText(StoredConfigYaml(bars), "stored").storage, Storage::kBars);
  try {
    LoadConfig({}, {"storage=parts"});
    ADD_FAILURE() << "storage=parts accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::AllOf(HasSubstr("'storage'"), HasSubstr("windows"), HasSubstr("bars")));
  }
}

TEST(ConfigTest, EffectiveJobsResolvesAllCores) {
  Config config;
  config.n_jobs = -1;
  EXPECT_GE(config.EffectiveJobs(), 1);
  config.n_jobs = 5;
  EXPECT_EQ(config.EffectiveJobs(), 5);
}

}  // namespace
}  // namespace barforge
