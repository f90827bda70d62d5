// `barforge transform`: the features of a dataset row computed from a raw
// bars file and a scaler (inference), for one window or, with --all, for
// every end bar of the file written to Parquet (backtests).

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "barforge/config.h"
#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/feature_transform.h"
#include "barforge/parquet_writer.h"
#include "barforge/version.h"
#include "cli/commands.h"
#include "dataset/dataset_footer.h"
#include "features/bar_series_columns.h"
#include "io/atomic_file.h"
#include "rawdata/bar_loader.h"
#include "pipeline/writer_options.h"
#include "rawdata/timestamp_text.h"

namespace barforge::cli {

namespace {

struct TransformFlags {
  std::filesystem::path scaler;
  std::filesystem::path bars;
  std::filesystem::path config_file;
  std::vector<std::string> overrides;
  std::string end;
  int position = 0;
  bool json = false;
  bool all = false;
  std::filesystem::path out;
  bool overwrite = false;
};

// A float as the shortest decimal that reads back to the same float32.
double ShortestDouble(float value) {
  const std::string text = fmt::format("{}", value);
  double shortest = 0;
  std::from_chars(text.data(), text.data() + text.size(), shortest);
  return shortest;
}

int64_t ParseEnd(const std::string& text) {
  const bool integer = !text.empty() && std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
  const std::optional<int64_t> ns =
      integer ? ParseEpochTimestamp(text, EpochUnit::kNanos) : ParseIsoTimestamp(text);
  if (!ns || (integer && text == "-")) {
    throw ConfigError(fmt::format("--end '{}': expected an ISO-8601 timestamp (2020-01-02T03:04:05Z) or epoch "
                                  "nanoseconds",
                                  text));
  }
  return *ns;
}

void PrintWindow(const TransformFlags& flags, const FeatureTransform& transform, const BarSeries& bars,
                 int64_t end, const WindowFeatures& features) {
  const auto w = static_cast<size_t>(transform.window());
  const auto first = static_cast<size_t>(end + 1) - w;
  const int64_t end_ns = bars.timestamp_ns[static_cast<size_t>(end)];
  if (flags.json) {
    nlohmann::ordered_json out;
    out["bars"] = flags.bars.string();
    out["scaler"] = flags.scaler.string();
    out["window"] = transform.window();
    out["end_bar"] = end;
    out["timestamp"] = FormatTimestampNs(end_ns);
    out["timestamp_ns"] = end_ns;
    out["position"] = flags.position;
    nlohmann::ordered_json ohlc = nlohmann::ordered_json::array();
    nlohmann::ordered_json volume = nlohmann::ordered_json::array();
    for (size_t j = 0; j < w; ++j) {
      ohlc.push_back({ShortestDouble(features.ohlc[4 * j]), ShortestDouble(features.ohlc[4 * j + 1]),
                      ShortestDouble(features.ohlc[4 * j + 2]), ShortestDouble(features.ohlc[4 * j + 3])});
      volume.push_back(ShortestDouble(features.volume[j]));
    }
    out["ohlc"] = ohlc;
    out["volume"] = volume;
    nlohmann::ordered_json meta = nlohmann::ordered_json::array();
    for (const float value : features.meta) meta.push_back(ShortestDouble(value));
    out["meta"] = meta;
    out["meta_features"] = std::vector<std::string>(kMetaFeatureNames.begin(), kMetaFeatureNames.end());
    fmt::print("{}\n", out.dump());
    return;
  }
  fmt::print("window of {} bars ending at bar {} ({}) of {}, position {}\n", w, end, FormatTimestampNs(end_ns),
             flags.bars.string(), flags.position);
  fmt::print("meta (scaled):\n");
  for (size_t f = 0; f < kMetaFeatureCount; ++f) fmt::print("  {:<11} {}\n", kMetaFeatureNames[f], features.meta[f]);
  fmt::print("{:>5}  {:<24} {:>14} {:>14} {:>14} {:>14} {:>14}\n", "j", "timestamp", "open", "high", "low", "close",
             "volume");
  for (size_t j = 0; j < w; ++j) {
    fmt::print("{:>5}  {:<24} {:>14} {:>14} {:>14} {:>14} {:>14}\n", j,
               FormatTimestampNs(bars.timestamp_ns[first + j]), features.ohlc[4 * j], features.ohlc[4 * j + 1],
               features.ohlc[4 * j + 2], features.ohlc[4 * j + 3], features.volume[j]);
  }
}

// The rows of one row group of --all: end bars first_end.., each window's
// ohlc and volume computed page by page while the writer encodes.
struct AllChunk {
  const FeatureTransform* transform = nullptr;
  const PreparedBars* prepared = nullptr;
  int position = 0;
  int64_t first_end = 0;
  std::vector<int64_t> timestamp, bar_index, positions;
  std::vector<float> meta;

  void Compute(std::span<const int64_t> bar_timestamps, int64_t first, int64_t rows) {
    first_end = first;
    bar_index.resize(static_cast<size_t>(rows));
    std::iota(bar_index.begin(), bar_index.end(), first);
    timestamp.assign(bar_timestamps.begin() + first, bar_timestamps.begin() + first + rows);
    positions.assign(static_cast<size_t>(rows), position);
    meta.resize(static_cast<size_t>(rows) * kMetaFeatureCount);
    const int one[] = {position};
    transform->TransformInto(*prepared, bar_index, one, {{}, {}, meta});
  }

  template <bool kOhlc>
  static void Fill(const void* source, int64_t first_row, int64_t rows, std::span<float> out) {
    const auto& chunk = *static_cast<const AllChunk*>(source);
    const std::span<const int64_t> ends(chunk.bar_index.data() + first_row, static_cast<size_t>(rows));
    const int one[] = {chunk.position};
    chunk.transform->TransformInto(*chunk.prepared, ends, one, kOhlc ? FeatureOutput{out, {}, {}}
                                                                     : FeatureOutput{{}, out, {}});
  }

  parquet::RowGroupData View() const {
    parquet::RowGroupData data;
    data.num_rows = static_cast<int64_t>(bar_index.size());
    data.columns = {
        std::span<const int64_t>(timestamp), std::span<const int64_t>(bar_index),
        std::span<const int64_t>(positions), parquet::FloatPages{&Fill<true>, this},
        parquet::FloatPages{&Fill<false>, this}, std::span<const float>(meta),
    };
    return data;
  }
};

// Whether `a` and `b` are one file (device and inode), whatever the names.
bool SameFile(const std::filesystem::path& a, const std::filesystem::path& b) {
  struct stat sa {}, sb {};
  return !b.empty() && ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// `config_file`: the config read (--config, or config/default.yaml by default).
int WriteAll(const TransformFlags& flags, const std::filesystem::path& config_file, const Config& config,
             const FeatureTransform& transform, const BarSeries& bars, const BarColumns& columns) {
  const auto start = std::chrono::steady_clock::now();
  if (flags.out.empty()) throw ConfigError("--all needs --out FILE.parquet");
  // --overwrite replaces an earlier output, never an input of this run
  // (by another name, a link or a path through another folder).
  const std::pair<const char*, const std::filesystem::path*> inputs[] = {
      {"--bars", &flags.bars}, {"--scaler", &flags.scaler}, {"--config", &config_file}};
  for (const auto& [flag, input] : inputs) {
    if (SameFile(flags.out, *input)) {
      throw ConfigError(fmt::format("--out {} is the {} file {}: transform never replaces its own input; choose "
                                    "another --out",
                                    flags.out.string(), flag, input->string()));
    }
  }
  // Leftovers of killed runs (a transform --all, a build) in --out's folder.
  io::RemoveStaleTemporariesIn(flags.out.has_parent_path() ? flags.out.parent_path() : ".");
  if (!flags.overwrite && std::filesystem::exists(flags.out)) {
    throw AlreadyExistsError(fmt::format("{}: already exists (use --overwrite to replace it)", flags.out.string()));
  }
  const int window = transform.window();
  const int64_t n = bars.size();
  if (n < window) {
    throw DataError(fmt::format("{}: {} bars, fewer than the window of {} bars", columns.source, n, window));
  }
  // The layout validate and open_dataset read back (DatasetLayout::FeatureFile).
  const std::vector<parquet::ColumnSpec> schema = DatasetLayout::FeatureFile(window).Schema();
  parquet::WriterOptions options = WriterOptionsFor(config, config.EffectiveJobs());
  DatasetFooter footer;
  footer.version = kVersion;
  footer.bars = flags.bars.string();
  footer.scaler = transform.ToJson();
  options.key_value_metadata = footer.ToKeyValues();
  const PreparedBars prepared = transform.Prepare(columns);
  parquet::ParquetWriter writer(flags.out, schema, options);
  AllChunk chunk;
  chunk.transform = &transform;
  chunk.prepared = &prepared;
  chunk.position = flags.position;
  for (int64_t first = window - 1; first < n; first += config.chunk_rows) {
    chunk.Compute(bars.timestamp_ns, first, std::min(config.chunk_rows, n - first));
    writer.WriteRowGroup(chunk.View());
  }
  writer.Close();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (flags.json) {
    nlohmann::ordered_json out = {{"output", flags.out.string()}, {"rows", writer.rows_written()},
                                  {"bytes", writer.bytes_written()}, {"window", window},
                                  {"first_end_bar", window - 1}, {"last_end_bar", n - 1},
                                  {"seconds", seconds}};
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("wrote {}: {} rows (end bars {}..{}), {:.1f} MB in {:.2f} s\n", flags.out.string(),
               writer.rows_written(), window - 1, n - 1, static_cast<double>(writer.bytes_written()) / 1e6, seconds);
  }
  return 0;
}

int RunTransform(const TransformFlags& flags) {
  std::filesystem::path config_file = flags.config_file;
  if (config_file.empty() && std::filesystem::exists("config/default.yaml")) config_file = "config/default.yaml";
  const Config config = LoadConfig(config_file, flags.overrides);
  // The config's window binds only when the user writes it out (in the
  // --config file or a --set): a config given for its columns mapping, or
  // config/default.yaml picked up by default, says nothing of this scaler.
  bool window_given = std::any_of(flags.overrides.begin(), flags.overrides.end(),
                                  [](const std::string& o) { return o.rfind("window=", 0) == 0; });
  if (!flags.config_file.empty()) {
    window_given = window_given || YAML::LoadFile(flags.config_file.string())["window"].IsDefined();
  }
  const FeatureTransform transform = FeatureTransform::FromFile(flags.scaler, window_given ? config.window : 0);
  if (!flags.all && !flags.out.empty()) throw ConfigError("--out is only used with --all");
  if (!std::filesystem::is_regular_file(flags.bars)) {
    throw NotFoundError(fmt::format("{}: bars file not found", flags.bars.string()));
  }

  // The raw loader with its rules and messages; the window is checked below
  // with the scaler's, and no horizon is needed.
  Config load_config = config;
  load_config.window = 1;
  load_config.horizon = 0;
  const BarSeries bars = LoadBars(flags.bars, flags.bars.stem().string(), load_config);
  const BarColumns columns = ColumnsOf(bars, config.columns);
  if (flags.all) return WriteAll(flags, config_file, config, transform, bars, columns);

  const int64_t end = flags.end.empty() ? bars.size() - 1 : FeatureTransform::FindBar(columns, ParseEnd(flags.end));
  const WindowFeatures features = transform.Transform(columns, end, flags.position);
  PrintWindow(flags, transform, bars, end, features);
  return 0;
}

}  // namespace

std::function<int()> AddTransformCommand(CLI::App& app) {
  auto flags = std::make_shared<TransformFlags>();
  CLI::App* command = app.add_subcommand(
      "transform", "Compute a dataset row's features (ohlc, volume, scaled meta) from raw bars and a scaler");
  command->add_option("--scaler", flags->scaler, "Meta scaler JSON, or a dataset .parquet (its footer's scaler)")
      ->required();
  command->add_option("--bars", flags->bars, "Raw bars file (Parquet or CSV), read as `build` reads raw files")
      ->required();
  command->add_option("--config", flags->config_file,
                      "YAML config for columns, on_bad_bar, CSV options and output settings (default: "
                      "config/default.yaml if it exists); its window must be the scaler's");
  command->add_option("--set", flags->overrides, "Override a config key: --set key=value (repeatable)")
      ->take_last()
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  CLI::Option* end = command->add_option(
      "--end", flags->end,
      "Timestamp of the window's last bar: ISO-8601 (2020-01-02T03:04:05Z) or epoch nanoseconds (default: the "
      "last bar)");
  command->add_option("--position", flags->position, "The agent's position: -1, 0 or 1 (default 0)")
      ->check(CLI::Range(-1, 1));
  command->add_flag("--json", flags->json, "Print the features (or, with --all, the summary) as one JSON object");
  CLI::Option* all = command->add_flag("--all", flags->all, "Every valid end bar of the file, written to --out");
  command->add_option("--out", flags->out,
                      "Parquet file written by --all (a feature file that validate and open_dataset read)");
  command->add_flag("--overwrite", flags->overwrite,
                    "Replace an existing --out file (never one of the inputs: --bars, --scaler, --config)");
  all->excludes(end);
  return [flags] { return RunTransform(*flags); };
}

}  // namespace barforge::cli
