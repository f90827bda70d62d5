#include "distributed/distributed_build.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>

#include <fmt/format.h>

#include "barforge/version.h"
#include "features/meta_scaler.h"
#include "io/atomic_file.h"
#include "io/folder_lock.h"
#include "pipeline/bars_dataset_writer.h"
#include "pipeline/build_range.h"
#include "pipeline/output_pair.h"
#include "pipeline/peak_rss.h"
#include "pipeline/raw_data_stage.h"
#include "rawdata/synthetic_market.h"

namespace barforge {

namespace {

// What a part's footer must say for the part to be kept.
struct ExpectedPart {
  std::filesystem::path path;
  int index = 0;
  int count = 1;
  SampleRange range;
  int64_t n_samples = 0;
  std::string config;
};

// The existing part's footer if it is one this build would write; nullopt
// if there is none or it is to be replaced (overwrite). A part from another
// build is refused: rebuilding it silently could destroy someone's data.
std::optional<PartFooter> KeptPart(const ExpectedPart& expected, bool overwrite) {
  std::error_code ec;
  if (overwrite || !std::filesystem::exists(expected.path, ec)) return std::nullopt;
  const PartFooter footer = ReadPartFooter(expected.path);
  std::string differs;
  if (footer.version != kVersion) {
    differs = fmt::format("written by barforge {}, this is {}", footer.version, kVersion);
  } else if (footer.config != expected.config) {
    differs = "its config differs";
  } else if (footer.index != expected.index || footer.count != expected.count) {
    differs = fmt::format("it is part {} of {}, this build makes part {} of {}", footer.index, footer.count,
                          expected.index, expected.count);
  } else if (footer.range.first != expected.range.first || footer.range.end != expected.range.end ||
             footer.rows != expected.range.end - expected.range.first) {
    differs = fmt::format("it holds {} rows of sample ids [{}, {})", footer.rows, footer.range.first, footer.range.end);
  }
  if (!differs.empty()) {
    throw DistributedError(fmt::format("{}: from another build ({}); use --overwrite to replace it",
                                       expected.path.string(), differs));
  }
  return footer;
}

// Parts beyond this build's count: left from a build with more parts.
std::vector<std::filesystem::path> StrayParts(const std::filesystem::path& dir, int count) {
  std::vector<std::filesystem::path> stray;
  if (!std::filesystem::is_directory(dir)) return stray;
  for (const auto& [index, path] : ListParts(dir)) {
    if (index >= count) stray.push_back(path);
  }
  return stray;
}

void EnsureDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("{}: cannot create directory: {}", dir.string(), ec.message()));
}

// Temporaries of this part left by a process that was killed while writing
// it. A temporary's owner holds a lock on it while it lives (io::AtomicFile),
// so a second copy of the same shard, started while the first still writes,
// leaves the first's temporary alone; both then write the same bytes.
void RemoveStaleTemporaries(const std::filesystem::path& part) { io::RemoveStaleTemporaries(part); }

// A build in parts writes a directory where one process writes a file: the
// dataset's name without its extension. The config's check of the output
// names (LoadConfig) knows only the file, so a scaler or raw file of the
// directory's name is refused here, before anything is written, naming the
// key the user changed from its default (the directory's samples_filename
// if both or neither were).
void CheckDirectoryName(const Config& config, const std::filesystem::path& dir) {
  const Config defaults;
  const std::string name = dir.filename().string();
  const auto refuse = [&](const char* key, bool key_set, const std::string& what) {
    const bool blame_other = key_set && config.samples_filename == defaults.samples_filename;
    throw ConfigError(fmt::format("key '{}': '{}' would be both {} and the dataset directory of a build in parts "
                                  "({} without its extension) in {}; give them different names",
                                  blame_other ? key : "samples_filename", name, what,
                                  config.samples_filename, config.data_dir.string()));
  };
  if (ScalerPath(config).filename() == name) {
    refuse("scaler_filename", config.scaler_filename != defaults.scaler_filename, "the scaler");
  }
  for (const std::string& ticker : config.tickers) {
    if (RawDataPath(config, ticker).filename() == name) {
      refuse("raw_data_filename", config.raw_data_filename != defaults.raw_data_filename,
             fmt::format("the raw file of ticker '{}'", ticker));
    }
  }
}

// A build in parts follows the one-process build's scaler rules
// (output_pair.h, README "What a build never does"): without --overwrite,
// the file at the scaler path is replaced only when it is a barforge scaler
// that no other existing dataset holds (a dataset of the same effective
// config, this one resumed included, holds the same scaler). The process
// that writes the scaler (shard 0, MPI rank 0) checks before any work and
// again when it writes.
void CheckScalerBeforeWork(const Config& config, const BuildOptions& options) {
  if (options.overwrite()) return;
  const std::string refusal = ScalerRefusal(ScalerPath(config), config);
  if (!refusal.empty()) throw AlreadyExistsError(refusal);
}

// Writes the scaler of a build in parts (`json`) under the folder's lock, as
// the one-process build commits its pair: a file that appeared meanwhile and
// may not be replaced is refused, not overwritten. `replace` false: an
// existing file is never replaced (restoring a missing one).
void WriteScalerUnderLock(const Config& config, const std::string& json, bool overwrite, bool replace = true) {
  const std::filesystem::path scaler = ScalerPath(config);
  const io::FolderLock lock(scaler.has_parent_path() ? scaler.parent_path() : std::filesystem::path("."));
  if (!overwrite) {
    const std::string refusal = ScalerRefusal(scaler, config, json);
    if (!refusal.empty()) throw AlreadyExistsError(refusal);
  }
  SaveMetaScaler(MetaScaler::FromJson(json), scaler, replace);
}

// What one process of `count` writes at most: its share of every count
// (rounded up), for the free-disk check of the process's own part.
Config PartShare(Config config, int count) {
  const auto share = [count](int64_t n) { return (n + count - 1) / count; };
  config.n_samples = share(config.n_samples);
  for (SplitConfig& split : config.splits) split.n_samples = share(split.n_samples);
  return config;
}

// A shard never generates the synthetic market: shards run at once would
// race to write the same raw files, and one that regenerated them (as
// --overwrite does in one process) would change the bars under the others.
// `barforge synth` writes them once, before the shards.
void CheckShardRawFiles(const Config& config) {
  if (config.source != DataSource::kSynthetic) return;
  for (const std::string& ticker : config.tickers) {
    const std::filesystem::path path = RawDataPath(config, ticker);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      throw DataError(fmt::format("{}: missing: with --shard, run `barforge synth` with this config once before the "
                                  "shards (a shard never generates the synthetic market, which every shard reads)",
                                  path.string()));
    }
    CheckKeptSyntheticFile(path, SyntheticParametersJson(ticker, config.synthetic, config.synthetic.seed),
                           "run `barforge synth --overwrite` with this config once, while no shard runs, to "
                           "regenerate it");
  }
}

int64_t FileBytes(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

// Test hook: BARFORGE_FAULT_KILL=r:rows makes part r's process kill itself
// (SIGKILL, as the out-of-memory killer or a lost node would) once it has
// written `rows` rows, so tests can fail a rank mid-write deterministically.
BuildOptions WithFaultHook(BuildOptions options, int index) {
  const char* spec = std::getenv("BARFORGE_FAULT_KILL");
  if (spec == nullptr) return options;
  int kill_index = -1;
  long long kill_rows = 0;
  if (std::sscanf(spec, "%d:%lld", &kill_index, &kill_rows) != 2 || kill_index != index) return options;
  options.on_progress = [inner = options.on_progress, kill_rows](const BuildProgress& progress) {
    if (inner) inner(progress);
    if (progress.phase == BuildPhase::kWriting && progress.done >= kill_rows) ::raise(SIGKILL);
  };
  // Progress is reported every few milliseconds, so the kill lands within a
  // page or two of `rows`.
  options.progress_interval = std::chrono::milliseconds(1);
  return options;
}

// With splits: this process's part of every split, one directory per split.
// Called from the build once the splits are planned (their files' names and
// counts may come from the data). `leader` prepares each directory for the
// job (stray parts of a build with more parts refused, or removed with
// --overwrite); every process removes the directory's _SUCCESS, which only
// the end of the job (or finalize) writes again.
class SplitParts {
 public:
  SplitParts(const Config& config, int index, int count, bool overwrite, bool leader)
      : config_values_(config),
        config_(StoredConfigYaml(config)),
        index_(index),
        count_(count),
        overwrite_(overwrite),
        leader_(leader) {}

  SplitPart operator()(size_t split, const std::filesystem::path& file, int64_t n_samples) {
    std::filesystem::path dir = file;
    dir.replace_extension();
    CheckDirectoryName(config_values_, dir);
    if (directories_.size() <= split) directories_.resize(split + 1);
    directories_[split] = dir;
    const ExpectedPart expected{dir / PartFileName(index_), index_, count_, PartRange(index_, count_, n_samples),
                                n_samples, config_};
    if (leader_) {
      const std::vector<std::filesystem::path> stray = StrayParts(dir, count_);
      if (!stray.empty() && !overwrite_) {
        throw DistributedError(fmt::format("{}: from another build (this one has {} parts); use --overwrite to "
                                           "replace it",
                                           stray.front().string(), count_));
      }
      for (const auto& path : stray) {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        if (ec) throw IoError(fmt::format("{}: cannot remove: {}", path.string(), ec.message()));
      }
    }
    EnsureDirectory(dir);
    if (const auto kept = KeptPart(expected, overwrite_)) {
      kept_.push_back(*kept);
      return {expected.range.first, expected.range.end, {}, {}};
    }
    RemoveSuccessMarker(dir);
    RemoveStaleTemporaries(expected.path);
    written_.push_back(expected.path);
    return {expected.range.first, expected.range.end, expected.path,
            {{DatasetFooter::kPartKey, PartMetadataJson(index_, count_, expected.range, n_samples)}}};
  }

  const std::vector<std::filesystem::path>& directories() const { return directories_; }
  const std::vector<PartFooter>& kept() const { return kept_; }
  /// This process's part of every split, for its report.
  PartReport Report(const BuildSummary& local) const {
    PartReport report{index_, written_.empty(), local.rows, 0, local.seconds, local.peak_rss_bytes};
    for (const PartFooter& footer : kept_) {
      report.rows += footer.rows;
      report.bytes += FileBytes(footer.path);
    }
    for (const auto& path : written_) report.bytes += FileBytes(path);
    return report;
  }

 private:
  Config config_values_;  ///< for the directories' names
  std::string config_;    ///< the stored config a kept part's footer must hold
  int index_, count_;
  bool overwrite_, leader_;
  std::vector<std::filesystem::path> directories_;
  std::vector<PartFooter> kept_;
  std::vector<std::filesystem::path> written_;
};

// ---- MPI: one fixed-size record per rank per step, gathered on all ranks.

struct Record {
  int32_t failed = 0;
  int32_t writes_part = 0;
  uint64_t config_hash = 0;
  PartReport report;
  char message[1024] = {};
  double sums[MetaFeatureSums::kSerializedSize] = {};
};
static_assert(std::is_trivially_copyable_v<Record>);

uint64_t Fnv1a(const std::string& text) {
  uint64_t hash = 1469598103934665603ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

// The sequence of exchanges is the same on every rank. A rank that fails
// between two exchanges joins the next one with its message, so no rank
// waits for it, and every rank then stops with the same error.
class Coordinator {
 public:
  explicit Coordinator(RankGroup& group) : group_(group) {}

  std::vector<Record> Exchange(const Record& own) {
    std::string bytes(sizeof(Record), '\0');
    std::memcpy(bytes.data(), &own, sizeof(Record));
    std::vector<std::string> gathered;
    try {
      gathered = group_.AllGather(bytes);
    } catch (const std::exception& e) {
      // The job's communication itself failed: nothing can be agreed on.
      std::fprintf(stderr, "barforge: error: rank %d: %s\n", group_.rank(), e.what());
      group_.Abort(1);
    }
    std::vector<Record> records(gathered.size());
    int failed = 0;
    for (size_t r = 0; r < gathered.size(); ++r) {
      std::memcpy(&records[r], gathered[r].data(), sizeof(Record));
      failed += records[r].failed != 0;
    }
    if (failed > 0) {
      const auto first = static_cast<size_t>(
          std::find_if(records.begin(), records.end(), [](const Record& r) { return r.failed != 0; }) - records.begin());
      std::string message = fmt::format("rank {}: {}", first, records[first].message);
      if (failed > 1) message += fmt::format(" (and {} more rank{} failed)", failed - 1, failed > 2 ? "s" : "");
      if (group_.rank() == 0) throw JobFailed(message);
      throw ReportedElsewhere(message);
    }
    return records;
  }

  /// Joins the next exchange as failed; never returns.
  [[noreturn]] void Fail(const std::string& what) {
    Record own;
    own.failed = 1;
    const size_t length = std::min(what.size(), sizeof(own.message) - 1);
    std::memcpy(own.message, what.data(), length);
    Exchange(own);
    // Exchange throws when any rank failed, this one included.
    group_.Abort(1);
    std::abort();  // not reached
  }

  /// Runs `step` (which fills this rank's record), then the exchange.
  template <typename Step>
  std::vector<Record> Run(Step&& step) {
    Record own;
    try {
      step(own);
    } catch (const JobFailed&) {
      throw;  // already exchanged
    } catch (const std::exception& e) {
      Fail(e.what());
    }
    return Exchange(own);
  }

 private:
  RankGroup& group_;
};

// The parts this process would keep, one per file of the build (one
// without splits, one per split), when the config alone names every file
// and gives its count and each part is complete from an earlier run:
// nothing to load. nullopt otherwise (a part to write, or a name or count
// only the data gives). A part from another build is refused (KeptPart).
std::optional<std::vector<PartFooter>> EveryPartKept(const Config& config, int index, int count, bool overwrite) {
  std::vector<PartFooter> kept;
  const std::vector<OutputFile> files = OutputFiles(config);
  for (size_t f = 0; f < files.size(); ++f) {
    const std::optional<int64_t> n = files[f].n_samples;
    if (!files[f].path || !n) return std::nullopt;
    std::filesystem::path dir = *files[f].path;
    dir.replace_extension();
    CheckDirectoryName(config, dir);
    const ExpectedPart expected{dir / PartFileName(index), index, count, PartRange(index, count, *n), *n,
                                StoredConfigYaml(config)};
    std::optional<PartFooter> footer = KeptPart(expected, overwrite);
    if (!footer) return std::nullopt;
    kept.push_back(std::move(*footer));
  }
  return kept;
}


}  // namespace

PartsBuildSummary RunShardBuild(const Config& config, const BuildOptions& options, int index, int count) {
  if (count < 1 || index < 0 || index >= count) {
    throw ConfigError(fmt::format("--shard {}/{}: expected r/R with 0 <= r < R", index, count));
  }
  RefusePartsOfBarsDataset(config);
  PartsBuildSummary summary;
  summary.scaler = ScalerPath(config);
  summary.parts = count;
  // With splits, the summary names every split's directory.
  const bool named_files = !config.splits.empty();
  if (const std::optional<std::vector<PartFooter>> kept = EveryPartKept(config, index, count, options.overwrite())) {
    // Shard 0 also owns the scaler JSON: every footer holds the same text.
    if (index == 0) {
      std::error_code ec;
      if (!std::filesystem::exists(summary.scaler, ec)) WriteScalerUnderLock(config, kept->front().scaler, false, false);
    }
    PartReport report{index, true, 0, 0, 0, PeakRssBytes()};
    for (const PartFooter& footer : *kept) {
      report.rows += footer.rows;
      report.bytes += FileBytes(footer.path);
      if (named_files) summary.split_directories.push_back(footer.path.parent_path());
    }
    summary.directory = kept->front().path.parent_path();
    summary.reports.push_back(report);
    return summary;
  }
  // Before loading anything, what one process checks (RunBuild), for this
  // shard's part: the raw files, a writable output folder with room for the
  // part, and (shard 0, which writes it) the scaler file.
  CheckShardRawFiles(config);
  CheckOutputFolder(PartShare(config, count));
  if (index == 0) CheckScalerBeforeWork(config, options);
  // Part `index` of every file (one without splits), each file's directory
  // prepared once the files are planned; shard 0 writes the scaler, fitted
  // here on the whole first file as every shard fits it.
  SplitParts parts(config, index, count, options.overwrite(), true);
  BuildRange range;
  range.scaler = index == 0 ? summary.scaler : std::filesystem::path();
  range.replace_scaler = options.overwrite();  // committed under the folder's lock, as one process does
  range.split_part = std::ref(parts);
  summary.local = RunBuildRange(config, WithFaultHook(options, index), range);
  if (named_files) summary.split_directories = parts.directories();
  summary.directory = parts.directories().front();
  summary.reports.push_back(parts.Report(summary.local));
  return summary;
}

PartsBuildSummary RunMpiBuild(const std::function<Config()>& load_config, const BuildOptions& options,
                              RankGroup& group) {
  Coordinator coordinator(group);
  const int rank = group.rank();
  const int ranks = group.size();
  const bool leader = rank == 0;

  // 1. Everyone loads the config and looks at what is on disk; nothing is
  // written until all agree. Parts of the files the config names are looked
  // at now; those of files the data names ({n} of a split of `all`), once
  // the data is planned (SplitParts).
  Config config;
  std::vector<Record> records = coordinator.Run([&](Record& own) {
    config = load_config();
    RefusePartsOfBarsDataset(config);
    own.config_hash = Fnv1a(std::string(kVersion) + "\n" + StoredConfigYaml(config));
    own.writes_part = EveryPartKept(config, rank, ranks, options.overwrite()) ? 0 : 1;
    if (!leader || options.overwrite()) return;
    for (const OutputFile& file : OutputFiles(config)) {
      if (!file.path) continue;
      std::filesystem::path dir = *file.path;
      dir.replace_extension();
      const std::vector<std::filesystem::path> stray = StrayParts(dir, ranks);
      if (!stray.empty()) {
        throw DistributedError(fmt::format("{}: from another build (this one has {} parts); use --overwrite to "
                                           "replace it",
                                           stray.front().string(), ranks));
      }
    }
  });
  for (int r = 1; r < ranks; ++r) {
    if (records[static_cast<size_t>(r)].config_hash != records[0].config_hash) {
      const std::string message = fmt::format(
          "ranks disagree on the config: rank {}'s effective config (or barforge version) differs from rank 0's; "
          "nothing was written",
          r);
      if (leader) throw JobFailed(message);
      throw ReportedElsewhere(message);
    }
  }
  const bool any_writes =
      std::any_of(records.begin(), records.end(), [](const Record& r) { return r.writes_part != 0; });

  PartsBuildSummary summary;
  summary.directory = DatasetDirectory(config);
  summary.scaler = ScalerPath(config);
  summary.parts = ranks;

  // 2. Rank 0 writes the synthetic raw files, so that ranks sharing a file
  // system do not all generate them. Before that, what one process checks
  // before loading anything (RunBuild): every rank can write in the output
  // folder, which has room for all the parts (they share one file system;
  // not needed when every part is kept), and the scaler file is one rank 0
  // may replace.
  coordinator.Run([&](Record&) {
    if (any_writes) CheckOutputFolder(leader ? config : PartShare(config, ranks));
    if (!leader) return;
    CheckScalerBeforeWork(config, options);
    if (config.source == DataSource::kSynthetic) RunSynth(config, options.overwrite());
  });

  // 3. Every rank sums its range; the sums are gathered and merged (exactly,
  // so in any order) into the scaler of all N samples; then each rank
  // writes its part unless it is kept.
  std::string scaler_json;
  Record done;
  SplitParts split_parts(config, rank, ranks, options.overwrite(), leader);
  coordinator.Run([&](Record& own) {
    // Part `rank` of every file (one without splits), each file's
    // directory prepared once the files are planned.
    BuildRange range;
    range.split_part = std::ref(split_parts);
    range.reduce_sums = [&](const MetaFeatureSums& mine) {
      Record record;
      const std::vector<double> wire = mine.Serialize();
      std::copy(wire.begin(), wire.end(), record.sums);
      MetaFeatureSums all;
      for (const Record& other : coordinator.Exchange(record)) {
        all.Merge(MetaFeatureSums::Deserialize(std::span<const double>(other.sums)));
      }
      return all;
    };
    range.before_writing = [&](const MetaScaler& scaler) {
      scaler_json = scaler.ToJson();
      coordinator.Run([&](Record&) {
        for (const PartFooter& footer : split_parts.kept()) {
          if (footer.scaler != scaler_json) {
            throw DistributedError(fmt::format("{}: from another build (its scaler differs); use --overwrite to "
                                               "replace it",
                                               footer.path.string()));
          }
        }
      });
    };
    BuildOptions rank_options = options;
    if (!leader) rank_options.on_progress = nullptr;  // one progress bar: rank 0's
    rank_options = WithFaultHook(rank_options, rank);
    summary.local = RunBuildRange(config, rank_options, range);
    own.report = split_parts.Report(summary.local);
    done = own;
  });

  // 4. Every rank succeeded: rank 0 writes the scaler and marks the
  // directory complete; the others learn whether that worked.
  std::vector<Record> final_records = coordinator.Run([&](Record& own) {
    own = done;
    if (!leader) return;
    WriteScalerUnderLock(config, scaler_json, options.overwrite());
    for (const auto& dir : split_parts.directories()) WriteSuccessMarker(dir);
  });
  // With splits, the summary names every split's directory.
  if (!config.splits.empty()) summary.split_directories = split_parts.directories();
  summary.directory = split_parts.directories().front();
  for (const Record& record : final_records) summary.reports.push_back(record.report);
  summary.complete = true;
  return summary;
}

}  // namespace barforge
