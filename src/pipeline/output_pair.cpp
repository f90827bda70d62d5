#include "pipeline/output_pair.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <fstream>
#include <iterator>
#include <optional>

#include <fmt/format.h>

#include "barforge/error.h"
#include "dataset/dataset_footer.h"
#include "features/meta_scaler.h"
#include "features/window_features.h"
#include "io/atomic_file.h"

namespace barforge {

namespace {

void RemoveLeftovers(const std::filesystem::path& path, const NoticeFn& notice) {
  for (const std::filesystem::path& leftover : io::RemoveStaleTemporaries(path)) {
    if (notice) notice(fmt::format("removed {}, left by an interrupted run", leftover.string()));
  }
}

bool IsRegularFile(const std::filesystem::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::optional<std::string> ReadSmallFile(const std::filesystem::path& path) {
  if (!IsRegularFile(path)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The scaler JSON held in a barforge dataset's footer, if it is one.
std::optional<std::string> FooterScaler(const std::filesystem::path& dataset) {
  if (!IsRegularFile(dataset)) return std::nullopt;
  try {
    return DatasetFooter::Read(dataset).scaler;
  } catch (const Error&) {
  }
  return std::nullopt;
}

// Brings `scaler` in line with `dataset`, whose footer holds its scaler.
void CheckScalerPair(const std::filesystem::path& dataset, const std::filesystem::path& scaler,
                     const NoticeFn& notice) {
  std::error_code ec;
  if (std::filesystem::exists(dataset, ec)) {
    const std::optional<std::string> footer = FooterScaler(dataset);
    if (!footer) return;
    const std::optional<std::string> current = ReadSmallFile(scaler);
    const bool exists = std::filesystem::exists(std::filesystem::symlink_status(scaler, ec));
    if (current == footer || (exists && !current)) return;  // in line, or not a file we may replace
    // Checked before it replaces anything: the footer's copy must be a scaler.
    try {
      MetaScaler::FromJson(*footer);
    } catch (const Error&) {
      return;
    }
    io::WriteFileAtomically(scaler, *footer, true);
    if (notice) {
      notice(fmt::format("{} {} from the footer of {} (an earlier build stopped before writing it)",
                         current ? "replaced the stale" : "restored", scaler.string(), dataset.string()));
    }
    return;
  }
  const std::optional<std::string> current = ReadSmallFile(scaler);
  if (!current || !notice) return;
  try {
    MetaScaler::FromJson(*current);
  } catch (const Error&) {
    return;
  }
  notice(fmt::format("{} has no dataset beside it (an earlier build stopped before writing {}); it will be replaced",
                     scaler.string(), dataset.string()));
}

}  // namespace

void CheckOutputs(const Config& config, const NoticeFn& notice) {
  const std::filesystem::path scaler = ScalerPath(config);
  RemoveLeftovers(scaler, notice);
  if (config.source == DataSource::kSynthetic) {
    for (const std::string& ticker : config.tickers) RemoveLeftovers(RawDataPath(config, ticker), notice);
  }
  if (config.splits.empty()) {
    const std::filesystem::path dataset = SamplesPath(config);
    RemoveLeftovers(dataset, notice);
    CheckScalerPair(dataset, scaler, notice);
    return;
  }
  // With splits, the scaler belongs to the first (training) split's file,
  // whose footer holds it as every split's does. Files the data names are
  // seen to once the data is planned.
  for (size_t s = 0; s < config.splits.size(); ++s) {
    if (const auto path = KnownSplitSamplesPath(config, s)) RemoveLeftovers(*path, notice);
  }
  if (const auto first = KnownSplitSamplesPath(config, 0)) CheckScalerPair(*first, scaler, notice);
}

void CheckOutputFolder(const Config& config) {
  const std::filesystem::path dir = config.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("{}: cannot create the output folder: {}", dir.string(), ec.message()));
  try {
    io::AtomicFile probe(config.splits.empty() ? SamplesPath(config)
                                                : SplitSamplesPath(config, config.splits.front().name, 0));
    probe.Abandon();
  } catch (const IoError& e) {
    throw IoError(fmt::format("{}: cannot write the outputs in this folder ({})", dir.string(), e.what()));
  }
  struct statvfs disk {};
  if (::statvfs(dir.c_str(), &disk) != 0) return;
  const double free_bytes = static_cast<double>(disk.f_bavail) * static_cast<double>(disk.f_frsize);
  const double float_bytes_per_sample = 4.0 * (5.0 * config.window + kMetaFeatureCount + 3 + 1);
  // With splits: the counts given, and n_samples for the splits that take a
  // share of it (`all` is unknown until the data is read).
  int64_t samples = config.splits.empty() ? config.n_samples : 0;
  bool shares = false;
  for (const SplitConfig& split : config.splits) {
    samples += split.n_samples;
    shares = shares || (!split.all && split.n_samples == 0);
  }
  if (shares) samples += config.n_samples;
  const double needed = 0.5 * float_bytes_per_sample * static_cast<double>(samples);
  if (needed > free_bytes) {
    throw IoError(fmt::format("{}: {} samples need at least {:.1f} GB of disk ({:.0f} bytes of float32 values per "
                              "sample at window {}, compressed to no less than half), and {:.1f} GB are free",
                              dir.string(), samples, needed / 1e9, float_bytes_per_sample, config.window,
                              free_bytes / 1e9));
  }
}

}  // namespace barforge
