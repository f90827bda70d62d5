// `barforge transform`: the features of a dataset row computed from a raw
// bars file and a scaler (inference), for one window or, with --all, for
// every end bar of the file written to Parquet (backtests); with
// --cross-section, a cross-sectional dataset's row at a timestamp from the
// raw files of its tickers.

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
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
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
  std::filesystem::path bars;        ///< the one --bars FILE (not --cross-section)
  std::vector<std::string> bar_args;  ///< --bars as given
  bool cross_section = false;
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

// --cross-section: the scaler, tickers and max_gap of a cross-sectional
// dataset (a Parquet file or a directory of parts), or a scaler JSON with
// the tickers and max_gap of the config.
bool IsParquetPath(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path)) return true;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;  // FromFile names the missing file
  char magic[4] = {};
  const size_t got = std::fread(magic, 1, sizeof magic, file);
  std::fclose(file);
  return got == 4 && std::string_view(magic, 4) == "PAR1";
}

CrossSectionTransform LoadCrossSection(const TransformFlags& flags, const Config& config, int expected_window) {
  if (IsParquetPath(flags.scaler)) {
    CrossSectionTransform cross = CrossSectionTransform::FromDataset(flags.scaler);
    if (expected_window > 0 && cross.window() != expected_window) {
      throw DataError(fmt::format("{}: the scaler was fitted with window {}, not {}", flags.scaler.string(),
                                  cross.window(), expected_window));
    }
    return cross;
  }
  return CrossSectionTransform(FeatureTransform::FromFile(flags.scaler, expected_window), config.tickers,
                               config.max_gap_ns);
}

// --bars TICKER=FILE of --cross-section, in the order given; without any,
// the raw file of each ticker as the config names it (data_dir,
// raw_data_filename).
std::vector<std::pair<std::string, std::filesystem::path>> CrossSectionFiles(const TransformFlags& flags,
                                                                             const Config& config,
                                                                             const CrossSectionTransform& cross) {
  std::vector<std::pair<std::string, std::filesystem::path>> files;
  if (flags.bar_args.empty()) {
    for (const std::string& ticker : cross.tickers()) files.emplace_back(ticker, RawDataPath(config, ticker));
    return files;
  }
  for (const std::string& arg : flags.bar_args) {
    const size_t equals = arg.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == arg.size()) {
      throw ConfigError(fmt::format("--bars '{}': with --cross-section, give TICKER=FILE (one per ticker)", arg));
    }
    std::string ticker = arg.substr(0, equals);
    if (std::any_of(files.begin(), files.end(), [&](const auto& f) { return f.first == ticker; })) {
      throw ConfigError(fmt::format("--bars: ticker {} is given twice", ticker));
    }
    files.emplace_back(std::move(ticker), arg.substr(equals + 1));
  }
  return files;
}

void PrintCrossSection(const TransformFlags& flags, const CrossSectionTransform& cross,
                       const std::vector<std::pair<std::string, std::filesystem::path>>& files,
                       const CrossSectionFeatures& f) {
  const auto w = static_cast<size_t>(f.window);
  const size_t m = cross.tickers().size();
  if (flags.json) {
    nlohmann::ordered_json out;
    out["scaler"] = flags.scaler.string();
    out["window"] = f.window;
    out["timestamp"] = FormatTimestampNs(f.timestamp_ns);
    out["timestamp_ns"] = f.timestamp_ns;
    out["position"] = flags.position;
    out["tickers"] = cross.tickers();
    nlohmann::ordered_json bars = nlohmann::ordered_json::object();
    for (const std::string& ticker : cross.tickers()) {
      const auto file = std::find_if(files.begin(), files.end(), [&](const auto& e) { return e.first == ticker; });
      bars[ticker] = file == files.end() ? std::string() : file->second.string();
    }
    out["bars"] = bars;
    nlohmann::ordered_json present = nlohmann::ordered_json::array(), end = nlohmann::ordered_json::array(),
                           status = nlohmann::ordered_json::array(), ohlc = nlohmann::ordered_json::array(),
                           volume = nlohmann::ordered_json::array(), meta = nlohmann::ordered_json::array();
    for (size_t k = 0; k < m; ++k) {
      present.push_back(f.present[k] != 0);
      end.push_back(f.end[k]);
      status.push_back(CrossSectionStatusText(f.status[k]));
      nlohmann::ordered_json ticker_ohlc = nlohmann::ordered_json::array(),
                             ticker_volume = nlohmann::ordered_json::array(),
                             ticker_meta = nlohmann::ordered_json::array();
      for (size_t j = 0; j < w; ++j) {
        const float* bar = &f.ohlc[(k * w + j) * 4];
        ticker_ohlc.push_back(
            {ShortestDouble(bar[0]), ShortestDouble(bar[1]), ShortestDouble(bar[2]), ShortestDouble(bar[3])});
        ticker_volume.push_back(ShortestDouble(f.volume[k * w + j]));
      }
      for (size_t i = 0; i < kMetaFeatureCount; ++i) ticker_meta.push_back(ShortestDouble(f.meta[k * kMetaFeatureCount + i]));
      ohlc.push_back(ticker_ohlc);
      volume.push_back(ticker_volume);
      meta.push_back(ticker_meta);
    }
    out["present"] = present;
    out["end_bar"] = end;
    out["status"] = status;
    out["ohlc"] = ohlc;
    out["volume"] = volume;
    out["meta"] = meta;
    out["meta_features"] = std::vector<std::string>(kMetaFeatureNames.begin(), kMetaFeatureNames.end());
    fmt::print("{}\n", out.dump());
    return;
  }
  const auto present = static_cast<size_t>(std::count(f.present.begin(), f.present.end(), 1));
  fmt::print("cross-section of {} tickers at {}, window {}, position {}: {} present\n", m,
             FormatTimestampNs(f.timestamp_ns), f.window, flags.position, present);
  size_t width = 6;
  for (const std::string& ticker : cross.tickers()) width = std::max(width, ticker.size());
  fmt::print("  {:<{}}  {:<33} {:>8}", "ticker", width, "status", "end bar");
  for (const auto name : kMetaFeatureNames) fmt::print(" {:>12}", name);
  fmt::print("\n");
  for (size_t k = 0; k < m; ++k) {
    const bool here = f.present[k] != 0;
    fmt::print("  {:<{}}  {:<33} {:>8}", cross.tickers()[k], width, CrossSectionStatusText(f.status[k]),
               here ? std::to_string(f.end[k]) : std::string("-"));
    for (size_t i = 0; i < kMetaFeatureCount; ++i) {
      if (here) {
        fmt::print(" {:>12}", f.meta[k * kMetaFeatureCount + i]);
      } else {
        fmt::print(" {:>12}", "-");
      }
    }
    fmt::print("\n");
  }
}

int RunCrossSection(const TransformFlags& flags, const Config& config, int expected_window) {
  if (flags.all) {
    throw ConfigError("--all writes one ticker's end bars; with --cross-section, ask for one timestamp (--end)");
  }
  if (!flags.out.empty()) throw ConfigError("--out is only used with --all");
  const CrossSectionTransform cross = LoadCrossSection(flags, config, expected_window);
  const auto files = CrossSectionFiles(flags, config, cross);
  // The raw loader with its rules and messages, as for one ticker.
  Config load_config = config;
  load_config.window = 1;
  load_config.horizon = 0;
  std::vector<BarSeries> series;
  series.reserve(files.size());
  std::map<std::string, BarColumns, std::less<>> bars;
  for (const auto& [ticker, file] : files) {
    if (!std::filesystem::is_regular_file(file)) {
      throw NotFoundError(fmt::format("{}: bars file of ticker {} not found", file.string(), ticker));
    }
    series.push_back(LoadBars(file, ticker, load_config));
    BarColumns columns = ColumnsOf(series.back(), config.columns);
    columns.source = file.string();
    bars.emplace(ticker, columns);
  }
  // Default t: the latest bar of any ticker (serving: now).
  int64_t t = 0;
  if (!flags.end.empty()) {
    t = ParseEnd(flags.end);
  } else {
    bool any = false;
    for (const BarSeries& s : series) {
      if (s.size() == 0) continue;
      t = any ? std::max(t, s.timestamp_ns.back()) : s.timestamp_ns.back();
      any = true;
    }
  }
  const int positions[] = {flags.position};
  const CrossSectionFeatures features = cross.Transform(bars, t, positions);
  PrintCrossSection(flags, cross, files, features);
  return 0;
}

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

int RunTransform(TransformFlags flags) {
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
  if (flags.cross_section) return RunCrossSection(flags, config, window_given ? config.window : 0);
  if (flags.bar_args.size() != 1) {
    throw ConfigError(flags.bar_args.empty() ? "--bars FILE is required (the raw bars file)"
                                             : "--bars is given more than once (one raw file, or --cross-section "
                                               "with TICKER=FILE per ticker)");
  }
  flags.bars = flags.bar_args.front();
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
  command->add_option("--bars", flags->bar_args,
                      "Raw bars file (Parquet or CSV), read as `build` reads raw files; with --cross-section, "
                      "TICKER=FILE once per ticker of the cross-section (default: each ticker's raw file as the "
                      "config names it, data_dir / raw_data_filename)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
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
      "last bar; with --cross-section, the latest bar of any ticker)");
  command->add_option("--position", flags->position, "The agent's position: -1, 0 or 1 (default 0)")
      ->check(CLI::Range(-1, 1));
  command->add_flag("--json", flags->json, "Print the features (or, with --all, the summary) as one JSON object");
  command->add_flag("--cross-section", flags->cross_section,
                    "The row of a cross-sectional dataset (cross_section: true) at --end: the window ending there "
                    "of each of its tickers, in its order; a ticker without a bar at exactly --end, with fewer "
                    "than W bars up to it, or (with max_gap) with a gap in its window is absent (zeros). "
                    "--scaler: the dataset (its scaler, tickers and max_gap), or a scaler JSON with the tickers "
                    "and max_gap of --config / --set. Default --end: the latest bar of any ticker");
  CLI::Option* all = command->add_flag("--all", flags->all, "Every valid end bar of the file, written to --out");
  command->add_option("--out", flags->out,
                      "Parquet file written by --all (a feature file that validate and open_dataset read)");
  command->add_flag("--overwrite", flags->overwrite,
                    "Replace an existing --out file (never one of the inputs: --bars, --scaler, --config)");
  all->excludes(end);
  return [flags] { return RunTransform(*flags); };
}

}  // namespace barforge::cli
