#pragma once
// The dataset and its meta scaler are one result; so are the raw files a
// build regenerates with it. Rules (README "What a build never does"):
//
// - A scaler file is replaced without --overwrite only if it is a barforge
//   scaler that no dataset in its folder holds (its dataset is gone). One
//   that an existing dataset's footer holds (key barforge.scaler) is that
//   dataset's: refused, naming the dataset. A file that is not a barforge
//   scaler is never replaced without --overwrite.
// - The pair is committed under the folder's lock (io::FolderLock), so two
//   builds never interleave: the scaler file is removed first, then the raw
//   files, the dataset files and the new scaler are renamed into place. An
//   interruption thus leaves the old pair, the new pair, or a dataset whose
//   scaler file is missing (never another build's); the next run restores
//   it from the dataset's footer (CheckOutputs).

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/parquet_writer.h"
#include "barforge/pipeline.h"

namespace barforge {

struct RawData;

using NoticeFn = std::function<void(const std::string&)>;

/// Refuses (ConfigError) a raw file, dataset or scaler name of barforge's
/// temporary pattern (io::IsTemporaryName): a build would remove such a file
/// once the PID in its name is dead.
void RefuseTemporaryNames(const Config& config);

/// Before a build or a skipped build: refuses raw file names inside
/// barforge's temporary namespace, removes the temporaries dead runs left in
/// data_dir (whatever output they were for) and beside every synthetic raw
/// file, then brings the scaler file in line with an existing dataset: a
/// missing one is restored from the footer, a barforge scaler of no dataset
/// replaced. Without `overwrite`, a scaler file the build may not replace
/// (see above) throws AlreadyExistsError. Each thing done is told to
/// `notice`. Never throws for an unreadable dataset: that is for the
/// "already exists" check to report.
void CheckOutputs(const Config& config, bool overwrite, const NoticeFn& notice);

/// Before any work: data_dir exists (it is created) and a file can be
/// created in it, and its file system has room for the dataset (per sample,
/// its float32 bytes times DiskBytesPerFloatByte of the codec, plus 40 bytes
/// of the other columns). Throws IoError saying which and why, in decimal
/// units ("1.09 GB").
void CheckOutputFolder(const Config& config);

/// What a dataset of `codec` keeps of its float32 bytes on disk (measured on
/// the default synthetic data, rounded up): 0.83 for zstd and gzip, 1.02 for
/// snappy and lz4, 1 uncompressed.
double DiskBytesPerFloatByte(parquet::Codec codec);

/// Why the file at `scaler` may not be replaced by a build of `config`
/// without --overwrite, or "" when it may: no file, a barforge scaler that
/// no dataset in its folder holds, one that only datasets built from the
/// same effective config hold (this build writes the same scaler), or one
/// equal to `new_scaler` (when known). E.g. "data/meta_scaler.json: exists,
/// not a barforge scaler; pass --overwrite to replace it".
std::string ScalerRefusal(const std::filesystem::path& scaler, const Config& config,
                          const std::string& new_scaler = "");

/// CheckExistingDataset for the file at `path` (existing_dataset.cpp);
/// `check_raw_files` false skips the raw files' generator check.
ExistingDataset CheckExistingFile(const Config& config, const std::filesystem::path& path, bool check_raw_files);

/// The rule of OnExisting::kReuseSameConfig (pipeline.h), before a build:
/// nullopt when the build is to run (another policy, or no file exists);
/// the summary of a reused build when every file was built from the same
/// effective config (the scaler restored, CheckOutputs done). Throws
/// AlreadyExistsError for a file of another config or a partial set.
std::optional<BuildSummary> ReuseExisting(const Config& config, const BuildOptions& options);

/// One build's result, finished but not yet visible.
struct OutputCommit {
  RawData* raw = nullptr;                            ///< generated raw files (may be null)
  std::vector<parquet::ParquetWriter*> datasets;     ///< finished dataset files, in order
  bool replace_datasets = false;                     ///< false: one that exists by now is refused
  std::filesystem::path scaler;                      ///< empty: no scaler file
  std::string scaler_json;
  bool replace_scaler = false;                       ///< false: ScalerRefusal applies
  const Config* config = nullptr;                    ///< the build's (for ScalerRefusal)
};

/// Commits `commit` under the lock of the scaler's folder (the datasets'
/// without a scaler): checks, without any replace flag, that nothing has
/// appeared that may not be replaced, removes the old scaler file, renames
/// the raw files, the datasets and the new scaler into place. A failure
/// before any dataset is visible puts the old scaler file back. Throws
/// AlreadyExistsError or IoError.
///
/// Test hook: BARFORGE_FAULT_COMMIT=STEP kills the process (SIGKILL) right
/// after STEP, one of before-lock, scaler-removed, raw-committed,
/// dataset-committed; STEP:MS sleeps MS milliseconds there instead.
void CommitOutputs(OutputCommit& commit);

}  // namespace barforge
