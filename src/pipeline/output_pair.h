#pragma once
// The dataset and its meta scaler are one result. A build commits the
// dataset first (its footer holds the scaler too), then the scaler file, so
// an interruption leaves the old pair, the new pair, or a dataset whose
// scaler file is missing or stale; the next run finds that and rewrites the
// scaler file from the dataset's footer.

#include <filesystem>
#include <functional>
#include <string>

#include "barforge/config.h"

namespace barforge {

using NoticeFn = std::function<void(const std::string&)>;

/// Before a build or a skipped build: removes the temporaries that dead
/// runs left beside every output (and, with source: synthetic, beside every
/// raw file), then brings the scaler file in line with an existing dataset.
/// Each thing done is told to `notice`, and a scaler file left without its
/// dataset (by an interrupted build of an older version) is noted: the
/// build replaces it. Never throws for an unreadable
/// dataset: that is for the "already exists" check to report.
void CheckOutputs(const Config& config, const NoticeFn& notice);

/// Before any work: data_dir exists (it is created) and a file can be
/// created in it, and its file system has room for the dataset (at least
/// half its float32 bytes: compression does not do better on these values).
/// Throws IoError saying which and why.
void CheckOutputFolder(const Config& config);

}  // namespace barforge
