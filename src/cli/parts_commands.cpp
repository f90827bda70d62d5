// `barforge build` in parts (under mpirun, or --shard r/R) and
// `barforge finalize DIR`.

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "barforge/config.h"
#include "barforge/error.h"
#include "barforge/pipeline.h"
#include "cli/cli_main.h"
#include "cli/commands.h"
#include "text/human.h"
#include "cli/progress_bar.h"
#include "distributed/dataset_parts.h"
#include "distributed/distributed_build.h"
#include "distributed/rank_group.h"
#include "pipeline/dataset_validation.h"

namespace barforge::cli {

namespace {

std::pair<int, int> ParseShard(const std::string& text) {
  const auto slash = text.find('/');
  int index = -1, count = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const bool parsed = slash != std::string::npos &&
                      std::from_chars(begin, begin + slash, index).ptr == begin + slash &&
                      std::from_chars(begin + slash + 1, end, count).ptr == end && slash > 0 && slash + 1 < text.size();
  if (!parsed || count < 1 || index < 0 || index >= count) {
    throw ConfigError(fmt::format("--shard: expected r/R with 0 <= r < R (e.g. 3/16), got '{}'", text));
  }
  return {index, count};
}

nlohmann::json ReportsJson(const PartsBuildSummary& s) {
  nlohmann::json parts = nlohmann::json::array();
  for (const PartReport& r : s.reports) {
    parts.push_back({{"part", r.index},
                     {"file", (s.directory / PartFileName(r.index)).string()},
                     {"kept", r.kept},
                     {"rows", r.rows},
                     {"bytes", r.bytes},
                     {"seconds", r.seconds},
                     {"peak_rss_bytes", r.peak_rss_bytes}});
  }
  return parts;
}

void Print(const PartsBuildSummary& s, bool json, bool quiet) {
  int64_t rows = 0, bytes = 0;
  int kept = 0;
  for (const PartReport& r : s.reports) {
    rows += r.rows;
    bytes += r.bytes;
    kept += r.kept;
  }
  if (json) {
    nlohmann::json out{{"output", s.directory.string()},
                       {"scaler", s.scaler.string()},
                       {"parts", s.parts},
                       {"complete", s.complete},
                       {"rows", rows},
                       {"bytes", bytes},
                       {"seconds", s.local.seconds},
                       {"jobs", s.local.jobs},
                       {"written", ReportsJson(s)}};
    if (!s.split_directories.empty()) {
      out["split_directories"] = nlohmann::json::array();
      for (const auto& dir : s.split_directories) out["split_directories"].push_back(dir.string());
    }
    fmt::print("{}\n", out.dump());
    return;
  }
  if (quiet) return;
  if (!s.split_directories.empty()) {
    // With splits: part r of every split's directory.
    for (const PartReport& r : s.reports) {
      const std::string file = PartFileName(r.index);
      if (r.kept) {
        fmt::print("kept {} of {} split directories ({} rows, complete from an earlier run)\n", file,
                   s.split_directories.size(), r.rows);
      } else {
        fmt::print("wrote {} of {} split directories ({} rows, {:.1f} MB) in {:.2f} s, peak memory {:.0f} MB\n",
                   file, s.split_directories.size(), r.rows, static_cast<double>(r.bytes) / 1e6, r.seconds,
                   static_cast<double>(r.peak_rss_bytes) / 1e6);
      }
    }
    std::vector<std::string> dirs;
    for (const auto& dir : s.split_directories) dirs.push_back(dir.string());
    if (s.complete) {
      fmt::print("{}: complete, {} parts each ({} kept), {} rows, {:.1f} MB; scaler {}\n", fmt::join(dirs, ", "),
                 s.parts, kept, rows, static_cast<double>(bytes) / 1e6, s.scaler.string());
    } else {
      fmt::print("{} are incomplete until all {} parts are written and `barforge finalize {}` has run\n",
                 fmt::join(dirs, ", "), s.parts, fmt::join(dirs, " "));
    }
    return;
  }
  for (const PartReport& r : s.reports) {
    const std::string file = (s.directory / PartFileName(r.index)).string();
    if (r.kept) {
      fmt::print("kept {} ({} rows, complete from an earlier run)\n", file, r.rows);
    } else {
      fmt::print("wrote {} ({} rows, {:.1f} MB) in {:.2f} s, peak memory {:.0f} MB\n", file, r.rows,
                 static_cast<double>(r.bytes) / 1e6, r.seconds, static_cast<double>(r.peak_rss_bytes) / 1e6);
    }
  }
  if (s.complete) {
    fmt::print("{}: complete, {} parts ({} kept), {} rows, {:.1f} MB; scaler {}\n", s.directory.string(), s.parts,
               kept, rows, static_cast<double>(bytes) / 1e6, s.scaler.string());
  } else {
    fmt::print("{} is incomplete until all {} parts are written and `barforge finalize {}` has run\n",
               s.directory.string(), s.parts, s.directory.string());
  }
}

}  // namespace

int PartsBuildCommand(const RunFlags& flags, std::unique_ptr<RankGroup> group) {
  BuildOptions options;
  options.on_existing = flags.overwrite ? OnExisting::kOverwrite : OnExisting::kRefuse;
  if (group == nullptr) {
    if (LaunchedByMpi()) {
      throw ConfigError("--shard: not for a process started by mpirun (the MPI ranks are the parts)");
    }
    const auto [index, count] = ParseShard(flags.shard);
    const Config config = LoadRunConfig(flags);
    ProgressBar progress(stderr, !flags.quiet && !flags.json);
    if (progress.active()) options.on_progress = [&progress](const BuildProgress& p) { progress.Update(p); };
    const PartsBuildSummary summary = RunShardBuild(config, options, index, count);
    progress.Finish();
    Print(summary, flags.json, flags.quiet);
    return kExitOk;
  }
  const bool leader = group->rank() == 0;
  ProgressBar progress(stderr, leader && !flags.quiet && !flags.json);
  if (progress.active()) options.on_progress = [&progress](const BuildProgress& p) { progress.Update(p); };
  PartsBuildSummary summary;
  try {
    summary = RunMpiBuild([&flags] { return LoadRunConfig(flags); }, options, *group);
  } catch (const JobFailed& e) {
    // Every rank learnt of the failure in the same exchange. Rank 0 prints
    // it, and one more exchange keeps the other ranks from returning first:
    // mpirun aborts the job when one rank exits non-zero, which could kill
    // rank 0 before its message was out.
    if (leader) PrintError(e.what());
    group->AllGather(std::string());
    return kExitError;
  }
  progress.Finish();
  if (leader) Print(summary, flags.json, flags.quiet);
  return kExitOk;
}

int FinalizeCommand(const std::filesystem::path& dir, bool json) {
  std::vector<PartFooter> parts;
  try {
    parts = CheckParts(dir);
  } catch (const Error&) {
    // A _SUCCESS left from before would now claim a complete directory.
    if (std::filesystem::is_directory(dir)) RemoveSuccessMarker(dir);
    throw;
  }
  WriteSuccessMarker(dir);
  const int64_t rows = parts.back().range.end;
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"directory", dir.string()},
                                      {"parts", parts.size()},
                                      {"rows", rows},
                                      {"success", (dir / kSuccessFileName).string()}}
                           .dump());
  } else {
    fmt::print("{}: {} parts, {} rows, all from one build; wrote {}\n", dir.string(), parts.size(), rows,
               (dir / kSuccessFileName).string());
  }
  return kExitOk;
}

int InspectDatasetDirectory(const std::filesystem::path& dir) {
  const auto listed = ListParts(dir);
  const bool success = HasSuccessMarker(dir);
  fmt::print("directory:   {}\n", dir.string());
  fmt::print("status:      {}\n", success ? "complete (_SUCCESS)" : "incomplete (no _SUCCESS)");
  int64_t rows = 0, bytes = 0;
  for (const auto& [index, path] : listed) {
    const PartFooter part = ReadPartFooter(path);
    const auto size = static_cast<int64_t>(std::filesystem::file_size(path));
    rows += part.rows;
    bytes += size;
    fmt::print("  {}  part {} of {}  sample ids [{}, {})  {} rows  {:.2f} MB\n", path.filename().string(), part.index,
               part.count, part.range.first, part.range.end, part.rows, static_cast<double>(size) / 1e6);
  }
  fmt::print("parts:       {} ({} rows, {} bytes)\n", listed.size(), rows, bytes);
  try {
    CheckParts(dir);
  } catch (const DistributedError& e) {
    fmt::print("problem:     {}\n", e.what());
  }
  if (listed.empty()) return kExitOk;
  fmt::print("\nfirst part:\n");
  return InspectCommand(listed.front().second);
}

int ValidateDatasetDirectory(const std::filesystem::path& dir, bool json) {
  if (!HasSuccessMarker(dir)) {
    throw DistributedError(fmt::format("{}: incomplete: no {} (parts still being written, or `barforge finalize` "
                                       "not run)",
                                       dir.string(), kSuccessFileName));
  }
  DatasetReport total;
  const std::vector<PartFooter> parts = CheckParts(dir);
  for (const PartFooter& part : parts) {
    const DatasetReport report = ValidateDataset(part.path, part.range.first);
    total.rows += report.rows;
    total.row_groups += report.row_groups;
    total.float_values += report.float_values;
    total.window = report.window;
  }
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"file", dir.string()},
                                      {"valid", true},
                                      {"parts", parts.size()},
                                      {"rows", total.rows},
                                      {"row_groups", total.row_groups},
                                      {"window", total.window},
                                      {"float_values", total.float_values}}
                           .dump());
  } else {
    fmt::print("{}: valid: {} in {}, {}, window {}, {} checked\n", dir.string(), text::Count(total.rows, "row"),
               text::Count(static_cast<int64_t>(parts.size()), "part"), text::Count(total.row_groups, "row group"),
               total.window, text::Count(total.float_values, "float value"));
  }
  return kExitOk;
}

}  // namespace barforge::cli
