#pragma once
// `barforge build` and `barforge synth` as library calls.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "barforge/config.h"

namespace barforge {

/// Seconds spent in each stage. Stages of the streaming part run at the same
/// time on several threads, so those are summed thread time, not wall time.
struct StageTimes {
  double raw_data = 0;   ///< generating or loading and validating raw bars (wall)
  double prepare = 0;    ///< per-ticker log arrays (wall)
  double scaling = 0;    ///< fitting the meta scaler (wall) plus applying it (thread time)
  double sampling = 0;   ///< drawing (ticker, end bar, position) (thread time)
  double features = 0;   ///< ohlc, volume and raw meta (thread time)
  double rewards = 0;    ///< rewards and forward return (thread time)
  double encoding = 0;   ///< Parquet encoding and compression (thread time)
  double writing = 0;    ///< appending row groups, footer, flush, rename (wall)
};

/// Wall time of each phase of a build (BuildPhase), in seconds.
struct PhaseTimes {
  double raw_data = 0;
  double prepare = 0;
  double scaler = 0;
  double writing = 0;
  double finishing = 0;
};

struct TickerSummary {
  std::string ticker;
  std::filesystem::path raw_file;
  int64_t bars = 0;          ///< after validation
  int64_t dropped_bars = 0;  ///< removed by on_bad_bar: drop
  bool generated = false;    ///< written by this run (source: synthetic)
  bool skipped = false;      ///< too short for one window, left out (on_short_series: skip)
  /// With max_gap: end bars e in [W-1, n-1-H] excluded because two
  /// consecutive bars among e-W+1 .. e+H are more than max_gap apart.
  int64_t gap_excluded_end_bars = 0;
};

/// One file of a build: without `splits` the dataset (no name, no time
/// range), with `splits` one per split.
struct FileSummary {
  std::string name;  ///< the split's name; empty without splits
  std::filesystem::path output;
  int64_t start_ns = 0;  ///< first timestamp of the split (INT64_MIN for the first split: no start)
  int64_t end_ns = 0;    ///< first timestamp after it (INT64_MAX for the last split: no end)
  int64_t valid_pairs = 0;  ///< (ticker, end bar) pairs left after purge, embargo and max_gap
  int64_t rows = 0;
  int64_t row_groups = 0;
  int64_t bytes = 0;
  /// cross_section: the split's valid timestamps, from which its samples
  /// are drawn; -1 for a single-ticker build.
  int64_t valid_timestamps = -1;
};

struct BuildSummary {
  std::filesystem::path output;  ///< the dataset: files.front().output
  /// Every file of the build, in config order: one without splits, one per
  /// split with them. A reused build (`reused`) has only their names.
  std::vector<FileSummary> files;
  std::filesystem::path scaler;
  /// OnExisting::kReuseSameConfig found every file built from the same
  /// effective config: nothing was built (the counts and times are 0).
  bool reused = false;
  /// Reused, and the missing scaler file was written back from a footer.
  bool scaler_restored = false;
  /// How the caller spells "overwrite" (BuildOptions::overwrite_flag), for
  /// the text of a reused build.
  std::string overwrite_flag = "--overwrite";
  int64_t rows = 0;        ///< over all files
  int64_t row_groups = 0;
  int64_t bytes = 0;
  int64_t raw_float_bytes = 0;  ///< bytes of float32 values before encoding
  double seconds = 0;           ///< wall time of the whole build
  int64_t peak_rss_bytes = 0;
  int jobs = 1;
  StageTimes stages;
  PhaseTimes phases;
  std::vector<TickerSummary> tickers;
  /// Distinct valid windows, (ticker, end bar) pairs, the samples were
  /// drawn from: over all splits (each split's are in `splits`).
  int64_t valid_pairs = 0;
  /// What the build did that the user should know, one sentence each: a
  /// file (or split) with more samples than distinct windows, which
  /// repeats windows.
  std::vector<std::string> warnings;
};

/// What a build is doing, in order.
enum class BuildPhase {
  kRawData,    ///< generating or loading and validating raw bars
  kPrepare,    ///< per-ticker log arrays
  kScaler,     ///< fitting the meta scaler (one pass over all samples)
  kWriting,    ///< computing and writing the samples
  kFinishing,  ///< footer, flush to disk, rename, scaler JSON
  kDone,
};

/// A short lower-case name of the phase ("raw data", "fitting scaler", ...).
const char* BuildPhaseName(BuildPhase phase);

/// A snapshot of a build's progress.
struct BuildProgress {
  BuildPhase phase = BuildPhase::kRawData;
  int64_t done = 0;   ///< units done in this phase: tickers (raw data), samples (scaler, writing)
  int64_t total = 0;  ///< units of this phase; 0 where a phase has none (prepare, finishing)
  double seconds = 0;        ///< wall time since the build started
  double phase_seconds = 0;  ///< wall time since this phase started
};

/// What a build does about dataset files that exist at its output names
/// (`build` without a flag, `--skip-existing`, `--overwrite`; Python's
/// overwrite=False and True).
enum class OnExisting {
  /// An existing file at an output name is an error (AlreadyExistsError);
  /// nothing is written.
  kRefuse,
  /// When every file of the build exists and was built from the same
  /// effective config (ExistingDataset::State::kSameConfig), nothing is
  /// built: the missing scaler file is restored from a footer and the
  /// summary says `reused`. A file of another config, or some files present
  /// and others missing (a build with splits stopped between its files),
  /// is refused (AlreadyExistsError saying to pass overwrite_flag). No file:
  /// built as kRefuse.
  kReuseSameConfig,
  /// Replace existing outputs and scaler (and, with source: synthetic,
  /// regenerate the raw files).
  kOverwrite,
};

struct BuildOptions {
  OnExisting on_existing = OnExisting::kRefuse;
  /// How the caller names the overwrite choice in the messages of
  /// kReuseSameConfig ("--overwrite" for the CLI, "overwrite=True" for
  /// Python), so both doors say the same sentence in their own words.
  std::string overwrite_flag = "--overwrite";
  bool overwrite() const { return on_existing == OnExisting::kOverwrite; }
  /// Progress hook. Called on the thread that called RunBuild (the build
  /// itself then runs on another thread): when a phase starts, every
  /// `progress_interval` while it runs (samples are counted by pages of
  /// about 800 rows at W=64), and once with kDone at the end. It may throw
  /// to stop the build: the build stops at its next check (within a page,
  /// a block of the scaler fit, or a ticker), removes its temporary files,
  /// leaves nothing at the final names, and RunBuild rethrows the hook's
  /// exception. A hook that polls for Ctrl-C thus cancels within about
  /// `progress_interval` plus one page.
  std::function<void(const BuildProgress&)> on_progress;
  std::chrono::milliseconds progress_interval{100};
  /// Told, on the thread that called RunBuild and before the build starts,
  /// what it repaired (leftover temporaries of interrupted runs removed, a
  /// scaler file restored from its dataset) or adjusted (n_jobs lowered).
  std::function<void(const std::string&)> on_notice;
};

/// Builds the dataset (docs/dataset.md) into SamplesPath(config) and the scaler into
/// ScalerPath(config), or reuses it (options.on_existing). Throws
/// barforge::Error subclasses; never leaves a file at the final output name
/// unless it is complete.
BuildSummary RunBuild(const Config& config, const BuildOptions& options);

/// The summary `barforge build` prints and Python's build_dataset prints:
/// phases, tickers, files and the final "built ..." line; for a reused
/// build one line saying nothing was done.
std::string BuildSummaryText(const BuildSummary& summary);
/// The same as one JSON object (`build --json`): output, scaler, rows, ...,
/// splits (the named files; [] without splits), warnings; for a reused
/// build {"output" (or "outputs" with splits), "scaler", "skipped": true,
/// "scaler_restored"}.
std::string BuildSummaryJson(const BuildSummary& summary);

/// How an existing dataset at SamplesPath(config) relates to a build of
/// `config`. The rule of `build --skip-existing` and of the Python
/// build_dataset(overwrite=False): the same effective config reuses the
/// file, another config is an error, so a reused file is always what the
/// config describes.
struct ExistingDataset {
  enum class State {
    kAbsent,       ///< no file at SamplesPath(config)
    kSameConfig,   ///< its footer's config equals `config`, except n_jobs, data_dir, samples_filename
                   ///< and scaler_filename (they change no value)
    kOtherConfig,  ///< built from another config, or not a barforge dataset
  };
  State state = State::kAbsent;
  std::filesystem::path path;
  /// kOtherConfig: what differs, e.g. "window: 8 in the file, 16 in the config".
  std::string difference;
};

/// For every file of the build (OutputPaths), in config order: reads its
/// footer, if it exists, and compares. Throws ParquetError for a file that
/// is not Parquet, and DataError for a kSameConfig dataset of source:
/// synthetic beside which a raw file of the config holds other generator
/// parameters than the config's (a later --overwrite build regenerated it
/// and stopped before its dataset).
std::vector<ExistingDataset> CheckExistingOutputs(const Config& config);

/// Every file of the build, in config order: SamplesPath(config) without
/// splits, each split's file with them. When samples_filename has {n} and a
/// split's count is not a number (`all`, or a later split without
/// n_samples), the data decides the file's name: the raw data is then read
/// to find it (nothing is written).
std::vector<std::filesystem::path> OutputPaths(const Config& config);

/// For a kSameConfig dataset whose scaler file is missing: writes
/// ScalerPath(config) from the copy in the dataset's footer (the first
/// file's). Returns true if it wrote it.
bool RestoreScalerFromDataset(const Config& config);

/// Writes the missing raw files of `source: synthetic` (all of them with
/// overwrite). Leftover temporaries of interrupted runs are removed and told
/// to `on_notice`. A kept file is checked by its generator record (as a
/// build checks it) and its bars counted from its footer; its bars are read
/// and validated by the build that uses it, not here. Returns one summary
/// per ticker.
std::vector<TickerSummary> RunSynth(const Config& config, bool overwrite,
                                    const std::function<void(const std::string&)>& on_notice = {});
/// RunSynth's result as one JSON object (`synth --json`): {"tickers": [...]},
/// each ticker as in BuildSummaryJson's "tickers".
std::string SynthSummaryJson(const std::vector<TickerSummary>& tickers);

}  // namespace barforge
