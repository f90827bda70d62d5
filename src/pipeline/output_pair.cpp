#include "pipeline/output_pair.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "dataset/dataset_footer.h"
#include "features/meta_scaler.h"
#include "io/atomic_file.h"
#include "io/folder_lock.h"
#include "io/signal_cleanup.h"
#include "parquet/codec.h"
#include "pipeline/raw_data_stage.h"
#include "text/human.h"

namespace barforge {

namespace {

namespace fs = std::filesystem;

// Larger than any scaler JSON (a few kB with many splits); a bigger file at
// the scaler path is not read, and not a scaler.
constexpr uintmax_t kMaxScalerBytes = 1 << 24;
constexpr char kPerDatasetScaler[] = "scaler_filename: meta_scaler_{n}.json";
// Bytes per row of a dataset besides its float32 values, at most (its int64
// columns, page headers, the footer's share), uncompressed: measured 30 to 35.
constexpr double kOtherBytesPerRow = 40;

fs::path FolderOf(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

void NoteRemoved(const std::vector<fs::path>& removed, const NoticeFn& notice) {
  for (const fs::path& leftover : removed) {
    if (notice) notice(fmt::format("removed {}, left by an interrupted run", leftover.string()));
  }
}

bool IsRegularFile(const fs::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool Exists(const fs::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

std::optional<std::string> ReadSmallFile(const fs::path& path) {
  std::error_code ec;
  if (!IsRegularFile(path) || fs::file_size(path, ec) > kMaxScalerBytes || ec) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool IsScaler(const std::string& text) {
  try {
    MetaScaler::FromJson(text);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// The same scaler: the same text, or the same JSON written another way.
bool SameScaler(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const nlohmann::json x = nlohmann::json::parse(a, nullptr, false);
  const nlohmann::json y = nlohmann::json::parse(b, nullptr, false);
  return !x.is_discarded() && !y.is_discarded() && x == y;
}

// The scaler JSON held in a barforge dataset's footer, if it is one.
std::optional<std::string> FooterScaler(const fs::path& dataset) {
  if (!IsRegularFile(dataset)) return std::nullopt;
  try {
    return DatasetFooter::Read(dataset).scaler;
  } catch (const Error&) {
  }
  return std::nullopt;
}

bool IsParquetName(const fs::path& path) {
  return path.extension() == ".parquet" && !io::IsTemporaryName(path.filename().string());
}

// A directory of parts' first Parquet file (every part holds the scaler and
// the config); empty when it has none.
fs::path DatasetsHoldingFile(const fs::path& dir) {
  std::vector<fs::path> parts;
  std::error_code ec;
  for (fs::directory_iterator p(dir, ec), end; !ec && p != end; p.increment(ec)) {
    if (IsParquetName(p->path())) parts.push_back(p->path());
  }
  return parts.empty() ? fs::path() : *std::min_element(parts.begin(), parts.end());
}

// The datasets in `folder` whose footer holds `scaler`: its Parquet files,
// and a directory of parts by its first part (every part holds the scaler).
std::vector<fs::path> DatasetsHolding(const fs::path& folder, const std::string& scaler) {
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path path = it->path();
    std::error_code kind_ec;
    if (IsParquetName(path) && it->is_regular_file(kind_ec)) {
      candidates.push_back(path);
    } else if (it->is_directory(kind_ec) && !it->is_symlink(kind_ec)) {
      const fs::path first = DatasetsHoldingFile(path);
      if (!first.empty()) candidates.push_back(first);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  std::vector<fs::path> holders;
  for (const fs::path& candidate : candidates) {
    const std::optional<std::string> footer = FooterScaler(candidate);
    if (footer && SameScaler(*footer, scaler)) {
      holders.push_back(candidate.parent_path() == folder ? candidate : candidate.parent_path());
    }
  }
  return holders;
}

void Refuse(const std::string& refusal) {
  if (!refusal.empty()) throw AlreadyExistsError(refusal);
}

// Brings `scaler` in line with `dataset`, the build's own dataset (with
// splits, the first split's file), whose footer holds its scaler.
void CheckScalerPair(const Config& config, const fs::path& dataset, const fs::path& scaler, bool overwrite,
                     const NoticeFn& notice) {
  const std::optional<std::string> footer = FooterScaler(dataset);
  if (footer && IsScaler(*footer)) {
    if (!Exists(scaler)) {
      io::WriteFileAtomically(scaler, *footer, false);
      if (notice) {
        notice(fmt::format("restored {} from the footer of {} (an earlier build stopped before writing it)",
                           scaler.string(), dataset.string()));
      }
      return;
    }
    const std::optional<std::string> current = ReadSmallFile(scaler);
    if (current && SameScaler(*current, *footer)) return;  // in line
    if (overwrite) return;  // the build replaces both
    Refuse(ScalerRefusal(scaler, config));
    // A barforge scaler of no dataset beside this dataset: left by a build
    // that stopped between its dataset and its scaler.
    io::WriteFileAtomically(scaler, *footer, true);
    if (notice) {
      notice(fmt::format("replaced the stale {} from the footer of {} (an earlier build stopped before writing it; "
                         "no dataset in {} holds the scaler it had)",
                         scaler.string(), dataset.string(), FolderOf(scaler).string()));
    }
    return;
  }
  if (!Exists(scaler) || overwrite) return;
  Refuse(ScalerRefusal(scaler, config));
  if (notice) {
    notice(fmt::format("{} belongs to no dataset in {} (its dataset was deleted, or a build stopped before writing "
                       "{}); the build replaces it",
                       scaler.string(), FolderOf(scaler).string(),
                       dataset.empty() ? "its dataset" : dataset.string()));
  }
}

void RefuseTemporaryName(const fs::path& path, const std::string& key) {
  if (!io::IsTemporaryName(path.filename().string())) return;
  throw ConfigError(fmt::format("{}: {} is named like a barforge temporary (<name>.tmp-<pid>-<16 hex digits>), "
                                "which a build removes once the process in its name is dead; rename it",
                                key, path.string()));
}

// BARFORGE_FAULT_COMMIT=STEP or STEP:MS (see CommitOutputs).
void FaultPoint(const char* step) {
  const char* spec = std::getenv("BARFORGE_FAULT_COMMIT");
  if (spec == nullptr) return;
  const std::string text = spec;
  const std::string name = text.substr(0, text.find(':'));
  if (name != step) return;
  if (text.size() == name.size()) ::raise(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(std::atoll(text.c_str() + name.size() + 1)));
}

}  // namespace

std::string ScalerRefusal(const fs::path& scaler, const Config& config, const std::string& new_scaler) {
  if (!Exists(scaler)) return "";
  const std::optional<std::string> current = ReadSmallFile(scaler);
  if (!current || !IsScaler(*current)) {
    return fmt::format("{}: exists, not a barforge scaler; pass --overwrite to replace it", scaler.string());
  }
  if (!new_scaler.empty() && SameScaler(*current, new_scaler)) return "";
  std::vector<fs::path> holders = DatasetsHolding(FolderOf(scaler), *current);
  // A dataset of the same effective config holds the scaler this build
  // writes (the fit is reproducible): replacing the file changes nothing.
  std::erase_if(holders, [&](const fs::path& holder) {
    const fs::path file = fs::is_directory(holder) ? DatasetsHoldingFile(holder) : holder;
    try {
      return CheckExistingFile(config, file, false).state == ExistingDataset::State::kSameConfig;
    } catch (const std::exception&) {
      return false;
    }
  });
  if (holders.empty()) return "";
  std::vector<std::string> names;
  for (const fs::path& holder : holders) names.push_back(holder.string());
  return fmt::format("{}: is the scaler of {} ({} footer holds it), which still {}; give each dataset its own "
                     "scaler ({}) or pass --overwrite to replace it",
                     scaler.string(), fmt::join(names, ", "), holders.size() == 1 ? "its" : "their",
                     holders.size() == 1 ? "exists" : "exist", kPerDatasetScaler);
}

void RefuseTemporaryNames(const Config& config) {
  for (const std::string& ticker : config.tickers) RefuseTemporaryName(RawDataPath(config, ticker), "raw_data_filename");
  RefuseTemporaryName(ScalerPath(config), "scaler_filename");
  for (const OutputFile& file : OutputFiles(config)) {
    if (file.path) RefuseTemporaryName(*file.path, "samples_filename");
  }
}

void CheckOutputs(const Config& config, bool overwrite, const NoticeFn& notice) {
  const fs::path scaler = ScalerPath(config);
  RefuseTemporaryNames(config);
  // Every leftover in the output folder, whatever the output it was for (a
  // build of another sample count, a killed transform --all --out).
  NoteRemoved(io::RemoveStaleTemporariesIn(config.data_dir), notice);
  if (config.source == DataSource::kSynthetic) {
    for (const std::string& ticker : config.tickers) {
      const fs::path raw = RawDataPath(config, ticker);
      if (FolderOf(raw) != FolderOf(scaler)) NoteRemoved(io::RemoveStaleTemporaries(raw), notice);
    }
  }
  // The scaler belongs to the first file (with splits, the training
  // split's), whose footer holds it as every file's does.
  const std::optional<fs::path> dataset = OutputFiles(config).front().path;
  CheckScalerPair(config, dataset.value_or(fs::path()), scaler, overwrite, notice);
}

double DiskBytesPerFloatByte(parquet::Codec codec) {
  // Measured with `barforge build --config config/default.yaml --samples
  // 200000 --jobs 1 --set parquet_compression=C --json` (bytes over
  // raw_float_bytes, the other columns included): zstd 0.824, gzip 0.823,
  // snappy 1.008, lz4 1.001, none 1.026; at window 8, 16 and 256 and with
  // byte_stream_split the float part keeps no more (the other columns weigh
  // more at small windows: kOtherBytesPerRow).
  switch (codec) {
    case parquet::Codec::kZstd:
    case parquet::Codec::kGzip: return 0.83;
    case parquet::Codec::kUncompressed: return 1.0;
    default: return 1.02;
  }
}

void CheckOutputFolder(const Config& config) {
  const fs::path dir = config.data_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("{}: cannot create the output folder: {}", dir.string(), ec.message()));
  try {
    io::AtomicFile probe(OutputFiles(config).front().path.value_or(OutputFilePath(config, 0, 0)));
    probe.Abandon();
  } catch (const IoError& e) {
    throw IoError(fmt::format("{}: cannot write the outputs in this folder ({})", dir.string(), e.what()));
  }
  struct statvfs disk {};
  if (::statvfs(dir.c_str(), &disk) != 0) return;
  const double free_bytes = static_cast<double>(disk.f_bavail) * static_cast<double>(disk.f_frsize);
  const double float_bytes_per_sample = static_cast<double>(DatasetLayout::FromConfig(config).RawFloatBytesPerRow());
  // With splits: the counts given, and n_samples for the splits that take a
  // share of it (`all` is unknown until the data is read).
  int64_t samples = config.splits.empty() ? config.n_samples : 0;
  bool shares = false;
  for (const SplitConfig& split : config.splits) {
    samples += split.n_samples;
    shares = shares || (!split.all && split.n_samples == 0);
  }
  if (shares) samples += config.n_samples;
  const double ratio = DiskBytesPerFloatByte(config.parquet_compression);
  const double bytes_per_sample = ratio * float_bytes_per_sample + kOtherBytesPerRow;
  const double needed = bytes_per_sample * static_cast<double>(samples);
  if (needed > free_bytes) {
    throw IoError(fmt::format("{}: {} need about {} of disk (about {} per sample with parquet_compression: {}), and "
                              "{} {} free",
                              dir.string(), text::Count(samples, "sample"), text::Bytes(static_cast<int64_t>(needed)),
                              text::Bytes(static_cast<int64_t>(bytes_per_sample)),
                              parquet::CodecName(config.parquet_compression),
                              text::Bytes(static_cast<int64_t>(free_bytes)), free_bytes == 1 ? "is" : "are"));
  }
}

void CommitOutputs(OutputCommit& commit) {
  const fs::path folder = !commit.scaler.empty()   ? FolderOf(commit.scaler)
                          : !commit.datasets.empty() ? FolderOf(commit.datasets.front()->path())
                                                     : fs::path();
  FaultPoint("before-lock");
  std::optional<io::FolderLock> lock;
  if (!commit.scaler.empty()) lock.emplace(folder);
  // Under the lock, before anything is renamed: what appeared while this
  // build ran and may not be replaced stops it with nothing changed.
  if (!commit.replace_datasets) {
    for (const parquet::ParquetWriter* dataset : commit.datasets) {
      if (Exists(dataset->path())) {
        throw AlreadyExistsError(
            fmt::format("{}: already exists (use --overwrite to replace it)", dataset->path().string()));
      }
    }
  }
  if (!commit.scaler.empty() && !commit.replace_scaler && commit.config != nullptr) {
    Refuse(ScalerRefusal(commit.scaler, *commit.config, commit.scaler_json));
  }
  // The old scaler goes first: from now until the new one is renamed into
  // place, no scaler file is visible, so none can disagree with the dataset.
  std::optional<std::string> old_scaler;
  if (!commit.scaler.empty() && IsRegularFile(commit.scaler)) {
    old_scaler = ReadSmallFile(commit.scaler);
    if (old_scaler && ::unlink(commit.scaler.c_str()) == 0) {
      io::SyncParentFolder(commit.scaler);
    } else {
      old_scaler.reset();  // left for the rename to replace
    }
  }
  FaultPoint("scaler-removed");
  size_t committed = 0;
  try {
    if (commit.raw != nullptr) CommitRawFiles(*commit.raw);
    FaultPoint("raw-committed");
    for (parquet::ParquetWriter* dataset : commit.datasets) {
      dataset->Commit();
      ++committed;
    }
  } catch (...) {
    // No dataset of this build is visible: the old scaler file goes back
    // beside the old dataset (unless one appeared meanwhile).
    if (committed == 0 && old_scaler) {
      try {
        io::WriteFileAtomically(commit.scaler, *old_scaler, false);
      } catch (const Error&) {
      }
    }
    throw;
  }
  FaultPoint("dataset-committed");
  if (!commit.scaler.empty()) io::WriteFileAtomically(commit.scaler, commit.scaler_json, true);
}

}  // namespace barforge
