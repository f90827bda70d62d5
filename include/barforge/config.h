#pragma once
// The run configuration: every key of docs/configuration.md, loaded once from YAML plus
// command-line overrides, validated, then passed by const reference.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barforge/parquet_types.h"

namespace barforge {

enum class DataSource { kSynthetic, kFiles };
enum class OnBadBar { kError, kDrop };
/// A ticker whose series is too short for one window: stop, or leave it out.
enum class OnShortSeries { kError, kSkip };
/// Unit of integer (epoch) timestamps in raw files, the key timestamp_unit;
/// kAuto decides from the magnitude.
enum class EpochUnit { kAuto, kSeconds, kMillis, kMicros, kNanos };
/// What `barforge build` writes (the key storage): every window (the samples
/// file), or the validated bars once, from which a reader computes each row
/// when it is read (docs/dataset.md, "Storage").
enum class Storage { kWindows, kBars };

struct SyntheticConfig {
  int64_t n_bars = 500000;
  int64_t bar_seconds = 60;
  std::string start = "2020-01-01T00:00:00Z";
  int64_t start_ns = 1577836800LL * 1000000000LL;  ///< `start` parsed, ns since epoch UTC
  /// The market's own seed, apart from the sampling `seed`: a new draw over
  /// the same bars changes only `seed`. 42, the default `seed`, so that the
  /// default market is the one of the versions before the key.
  uint64_t seed = 42;
};

/// Names of the raw-data columns (config key `columns`).
struct ColumnNames {
  std::string timestamp = "timestamp";
  std::string open = "open";
  std::string high = "high";
  std::string low = "low";
  std::string close = "close";
  std::string volume = "volume";
};

/// One time split (`splits`): timestamps [previous split's end, end).
struct SplitConfig {
  std::string name;
  std::string end;                     ///< as written; empty for the last split
  std::optional<int64_t> end_ns;       ///< end given as an instant, ns since epoch UTC
  std::optional<double> end_fraction;  ///< end given as a fraction in (0, 1) of [first bar, last bar]
  int64_t n_samples = 0;               ///< 0: not given (SplitSampleCount says what the split takes)
  bool all = false;                    ///< `n_samples: all`: every valid pair once
};

/// `triple_barrier`: the barriers are profit and stop times sigma * sqrt(H),
/// sigma the sample's raw volatility.
struct TripleBarrierConfig {
  double profit = 0;
  double stop = 0;
};

struct Config {
  std::filesystem::path data_dir = "data";
  std::string raw_data_filename = "raw_{ticker}.parquet";
  std::string samples_filename = "samples_{n}.parquet";
  std::string scaler_filename = "meta_scaler.json";
  std::vector<std::string> tickers = {"SYN0", "SYN1", "SYN2", "SYN3"};
  DataSource source = DataSource::kSynthetic;
  SyntheticConfig synthetic;
  ColumnNames columns;
  OnBadBar on_bad_bar = OnBadBar::kError;
  OnShortSeries on_short_series = OnShortSeries::kError;
  char csv_delimiter = ',';              ///< CSV raw files
  bool csv_header = true;                ///< CSV raw files start with a header row; false: `columns` are field positions
  EpochUnit timestamp_unit = EpochUnit::kAuto;
  int window = 64;
  int horizon = 16;
  double fee_bps = 5.0;
  int64_t n_samples = 1000000;
  uint64_t seed = 42;
  int n_jobs = -1;                       ///< -1: all cores
  parquet::Codec parquet_compression = parquet::Codec::kZstd;
  int compression_level = 3;
  int64_t chunk_rows = 262144;
  parquet::FloatEncoding float_encoding = parquet::FloatEncoding::kPlain;
  std::vector<SplitConfig> splits;       ///< empty: one dataset over the whole history
  int64_t embargo_bars = 0;
  std::string max_gap = "0";             ///< as written
  int64_t max_gap_ns = 0;                ///< 0: off
  std::vector<int> extra_horizons;
  std::optional<TripleBarrierConfig> triple_barrier;  ///< none: no tb_* columns
  Storage storage = Storage::kWindows;
  /// A sample is an end timestamp holding every ticker's window there
  /// (docs/dataset.md, "Cross-sections"), not one (ticker, end bar).
  bool cross_section = false;
  /// cross_section: a timestamp is valid when at least this many tickers are present at it.
  int64_t min_present = 1;

  /// n_jobs with -1 resolved to the number of cores, and at most 4 threads
  /// per core (always >= 1).
  int EffectiveJobs() const;
};

/// Loads `config_file` (may be empty: defaults only) and applies `overrides`
/// ("key=value", nested keys dotted: "synthetic.n_bars=1000"; values in YAML
/// syntax) in order. Throws ConfigError naming the key (and the file) for an
/// unknown key, an ill-typed value or an out-of-range value.
/// `override_origins[i]`, when given and not empty, names override i in
/// messages as the user wrote it ("--samples -5", "--set window=1");
/// otherwise it is "override 'KEY=VALUE'".
Config LoadConfig(const std::filesystem::path& config_file, const std::vector<std::string>& overrides,
                  const std::vector<std::string>& override_origins = {});

/// The effective configuration as YAML text, every key, in the order of config/default.yaml.
std::string ConfigToYaml(const Config& config);

/// The effective configuration as a dataset's footer stores it: as
/// ConfigToYaml but without n_jobs (the thread count changes no output
/// value) and without the keys of time splits, gaps and extra labels while
/// they hold their default (so files of configs without them keep their
/// bytes). LoadConfigText reads it back.
std::string StoredConfigYaml(const Config& config);

/// Parses YAML text as LoadConfig parses a file; `where` names its origin in
/// messages (e.g. "FILE: key-value metadata 'barforge.config'").
Config LoadConfigText(const std::string& yaml, const std::string& where);

/// `{n}` of samples_filename: 1M, 40M, 250K or the exact count.
std::string FormatSampleCount(int64_t n);

/// data_dir / raw_data_filename with {ticker} substituted.
std::filesystem::path RawDataPath(const Config& config, std::string_view ticker);
/// data_dir / samples_filename with {n} substituted; with storage: bars,
/// ".bars" before the name's extension (samples_1M.bars.parquet).
std::filesystem::path SamplesPath(const Config& config);
/// The file of one split: {n} is its count, {split} its name; a
/// samples_filename without {split} gets "_<name>" before its extension;
/// with storage: bars, ".bars" follows (samples_1M_train.bars.parquet).
std::filesystem::path SplitSamplesPath(const Config& config, const std::string& split, int64_t n_samples);
/// The sample count of split `split` (an index) when the config decides it:
/// its n_samples; for the first split without one, the n_samples key (the
/// training file gets the build's N). nullopt: the split takes every valid
/// pair once, a count the data decides (`n_samples: all`, and every later
/// split without n_samples: evaluation files hold each window once).
std::optional<int64_t> SplitSampleCount(const Config& config, size_t split);
/// The file of split `split` (an index) when the config alone names it:
/// samples_filename has no {n}, or SplitSampleCount gives the count.
/// Otherwise (every valid pair once) the data decides: nullopt.
std::optional<std::filesystem::path> KnownSplitSamplesPath(const Config& config, size_t split);
/// One dataset file of a build, as the config names it.
struct OutputFile {
  std::string split;  ///< the split's name; empty without splits
  /// nullopt: the data decides the name (samples_filename has {n} and the
  /// split takes every valid pair once, a count only the data gives).
  std::optional<std::filesystem::path> path;
  /// Its row count when the config gives it (n_samples without splits,
  /// SplitSampleCount with them); nullopt: every valid pair once, a count
  /// only the data gives.
  std::optional<int64_t> n_samples;
};
/// Every dataset file of a build, in order: without splits one, unnamed, at
/// SamplesPath(config); with splits one per split (KnownSplitSamplesPath).
/// A build without splits is a build of one file.
std::vector<OutputFile> OutputFiles(const Config& config);
/// The name of file `file` (an index into OutputFiles) holding `n_samples`
/// rows: SamplesPath without splits, SplitSamplesPath with them.
std::filesystem::path OutputFilePath(const Config& config, size_t file, int64_t n_samples);
/// Once the data gave every split its count: throws ConfigError if a split's
/// file would have the name of another output (another split's file, the
/// scaler, a raw file).
void CheckSplitFileNames(const Config& config, std::span<const int64_t> split_counts);
/// data_dir / scaler_filename with {n} substituted (the n_samples key) and,
/// with splits, {split} the first (training) split's name: one scaler per
/// build, fitted on that split; with storage: bars, ".bars" before the
/// extension (meta_scaler.bars.json).
std::filesystem::path ScalerPath(const Config& config);

}  // namespace barforge
