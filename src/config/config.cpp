#include "barforge/config.h"

#include <algorithm>
#include <limits>
#include <map>
#include <span>
#include <thread>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "barforge/error.h"
#include "config/column_positions.h"
#include "config/config_keys.h"
#include "config/iso8601.h"
#include "config/key_origin.h"
#include "io/file_kind.h"
#include "parquet/codec.h"
#include "text/suggest.h"

namespace barforge {

namespace {

const ConfigKey* FindKey(std::string_view name) {
  for (const ConfigKey& key : ConfigKeys()) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

bool IsGroup(std::string_view name) {
  const std::string prefix = std::string(name) + ".";
  return std::any_of(ConfigKeys().begin(), ConfigKeys().end(),
                     [&](const ConfigKey& key) { return key.name.substr(0, prefix.size()) == prefix; });
}

// YAML leaves duplicate keys to the reader, and yaml-cpp keeps both: the
// second would silently win. `where` names the file, `prefix` the group.
void CheckDuplicateKeys(const YAML::Node& map, const std::string& where, const std::string& prefix) {
  std::map<std::string, int> first_line;
  for (const auto& entry : map) {
    const std::string key = entry.first.as<std::string>();
    const int line = entry.first.Mark().line + 1;
    const auto [it, inserted] = first_line.emplace(key, line);
    if (!inserted) {
      throw ConfigError(fmt::format("{}: key '{}{}' is set twice, on line {} and line {}; keep one", where, prefix,
                                    key, it->second, line));
    }
  }
}

// Applies one key (a group's map is applied key by key). `where` names the
// origin for messages: the file, or the override text. `origins` records,
// per key, where its value came from (for checks across keys).
void Apply(Config& config, const std::string& name, const YAML::Node& value, const std::string& where,
           std::map<std::string, std::string>& origins) {
  if (IsGroup(name)) {
    if (!value.IsMap()) throw ConfigError(fmt::format("{}: key '{}': expected a map of keys", where, name));
    CheckDuplicateKeys(value, where, name + ".");
    for (const auto& entry : value) {
      Apply(config, name + "." + entry.first.as<std::string>(), entry.second, where, origins);
    }
    return;
  }
  const ConfigKey* key = FindKey(name);
  if (key == nullptr) {
    std::vector<std::string> names;
    for (const ConfigKey& known : ConfigKeys()) {
      names.emplace_back(known.name);
      // A nested key may be meant without its group ("n_bars"), or a group
      // named alone.
      const size_t dot = known.name.find('.');
      if (dot != std::string_view::npos && name.find('.') == std::string::npos) {
        if (known.name.substr(dot + 1) == name) {
          throw ConfigError(fmt::format("{}: unknown key '{}' (did you mean `{}`?)", where, name, known.name));
        }
      }
    }
    throw ConfigError(fmt::format("{}: unknown key '{}'{}", where, name, text::DidYouMean(name, names)));
  }
  try {
    key->set(config, value);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: key '{}': {}", where, name, e.what()));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: key '{}': {}", where, name, e.msg));
  }
  origins[name] = where;
}

YAML::Node LoadYamlFile(const std::filesystem::path& file);

// A config file must hold keys: an empty one (or one of comments only)
// would silently build every default, 1,000,000 samples.
YAML::Node LoadConfigFile(const std::filesystem::path& file) {
  YAML::Node root = LoadYamlFile(file);
  if (root.IsNull() || (root.IsMap() && root.size() == 0)) {
    throw ConfigError(fmt::format("{}: the config file has no keys (it is empty); write the keys to set "
                                  "(config/default.yaml lists them all), or leave out --config",
                                  file.string()));
  }
  return root;
}

YAML::Node LoadYamlFile(const std::filesystem::path& file) {
  const io::FileKind kind = io::KindOf(file);
  if (kind == io::FileKind::kMissing) throw NotFoundError(fmt::format("{}: config file not found", file.string()));
  // Refused before opening: opening a FIFO would wait for a writer.
  if (kind != io::FileKind::kRegular) {
    throw ConfigError(fmt::format("{}: is {}, not a config file", file.string(), io::KindName(kind)));
  }
  try {
    return YAML::LoadFile(file.string());
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}: line {}, column {}: invalid YAML: {}", file.string(), e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: cannot read: {}", file.string(), e.msg));
  }
}

std::string Replace(std::string text, std::string_view from, std::string_view to);

// With storage: bars, a file's name gets ".bars" before its extension, so a
// bars dataset (and its scaler) and the samples file of the same config sit
// side by side.
std::string StorageName(const Config& config, std::string name) {
  if (config.storage != Storage::kBars) return name;
  const size_t dot = name.rfind('.');
  name.insert(dot == std::string::npos || dot == 0 ? name.size() : dot, ".bars");
  return name;
}

std::string SplitSamplesName(const Config& config, const std::string& split, int64_t n_samples);
std::string ScalerName(const Config& config);

// The dataset (or every split's file), the scaler and the raw files are all
// in data_dir: two of them with one name would make a build destroy its own
// input or output. `split_counts`: each split's resolved count; a split
// whose count the data decides (and whose name has {n}) is left out while
// it is unknown (-1), and checked again once the data is planned.
// An output name key (samples_filename, scaler_filename,
// raw_data_filename) that the config or an override set to another value
// than its default.
bool ChangedFromDefault(const Config& config, const std::map<std::string, std::string>& origins,
                        std::string_view key) {
  if (origins.count(std::string(key)) == 0) return false;
  static const Config kDefaults;
  if (key == "samples_filename") return config.samples_filename != kDefaults.samples_filename;
  if (key == "scaler_filename") return config.scaler_filename != kDefaults.scaler_filename;
  return config.raw_data_filename != kDefaults.raw_data_filename;
}

void CheckOutputNames(const Config& config, const std::map<std::string, std::string>& origins,
                      std::span<const int64_t> split_counts, bool planned = false) {
  struct Named {
    std::string file;
    std::string what;
    const char* key;
  };
  std::vector<Named> names;
  for (const char* key : {"samples_filename", "scaler_filename"}) {
    const std::string& value = std::string_view(key) == "samples_filename" ? config.samples_filename
                                                                           : config.scaler_filename;
    if (config.splits.empty() && value.find("{split}") != std::string::npos) {
      throw ConfigError(fmt::format("{}: key '{}': '{}' has {{split}}, which only a build with splits replaces",
                                    KeyOrigin(origins, key), key, value));
    }
  }
  if (config.splits.empty()) {
    names.push_back(
        {StorageName(config, Replace(config.samples_filename, "{n}", FormatSampleCount(config.n_samples))), "the dataset",
         "samples_filename"});
  }
  for (size_t s = 0; s < config.splits.size(); ++s) {
    if (split_counts[s] < 0) continue;
    names.push_back({SplitSamplesName(config, config.splits[s].name, split_counts[s]),
                     fmt::format("the file of split '{}'", config.splits[s].name), "samples_filename"});
  }
  names.push_back({ScalerName(config), "the scaler", "scaler_filename"});
  for (const std::string& ticker : config.tickers) {
    names.push_back({Replace(config.raw_data_filename, "{ticker}", ticker),
                     fmt::format("the raw file of ticker '{}'", ticker), "raw_data_filename"});
  }
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (names[i].file != names[j].file) continue;
      // Blame the output key the user changed: one set to another value
      // than its default (a config file such as config/default.yaml sets
      // every key, so being set says little); if both or neither were, the
      // one set at all, the later one if both were.
      const bool changed_i = ChangedFromDefault(config, origins, names[i].key);
      const bool changed_j = ChangedFromDefault(config, origins, names[j].key);
      const bool blame_i = changed_i != changed_j ? changed_i
                                                  : origins.count(names[i].key) != 0 || origins.count(names[j].key) == 0;
      const Named& blamed = blame_i ? names[i] : names[j];
      const Named& other = &blamed == &names[i] ? names[j] : names[i];
      // Once the data is planned, the key alone is named.
      const auto origin = origins.find(blamed.key);
      const std::string where = origin != origins.end() ? origin->second + ": " : planned ? "" : "defaults: ";
      throw ConfigError(fmt::format("{}key '{}': '{}' would be both {} and {} in {}; give them different names", where,
                                    blamed.key, blamed.file, blamed.what, other.what, config.data_dir.string()));
    }
  }
}

// With csv_header: false the raw files are CSV files without names.
void CheckHeaderlessCsv(const Config& config, const std::map<std::string, std::string>& origins) {
  if (config.csv_header) return;
  if (config.source == DataSource::kSynthetic) {
    throw ConfigError(fmt::format("{}: key 'csv_header': false describes CSV raw files, but source is synthetic "
                                  "(set source: files and a raw_data_filename ending in .csv)",
                                  KeyOrigin(origins, "csv_header")));
  }
  CsvColumnPositions(config.columns, origins);
}

// A split's count before the data is read: known, or -1 when the data
// decides it (every valid pair once).
std::vector<int64_t> SplitCountsBeforeData(const Config& config) {
  std::vector<int64_t> counts;
  for (size_t s = 0; s < config.splits.size(); ++s) {
    const bool named = config.samples_filename.find("{n}") == std::string::npos;
    counts.push_back(named ? 0 : SplitSampleCount(config, s).value_or(-1));
  }
  return counts;
}

// cross_section and min_present against each other and the tickers (any storage).
void CheckCrossSection(const Config& config, const std::map<std::string, std::string>& origins) {
  if (!config.cross_section) {
    if (config.min_present != 1) {
      throw ConfigError(fmt::format("{}: key 'min_present': {} counts the tickers of a cross-section, but "
                                    "cross_section is false (set cross_section: true, or leave min_present at 1)",
                                    KeyOrigin(origins, "min_present"), config.min_present));
    }
    return;
  }
  if (config.min_present > std::ssize(config.tickers)) {
    throw ConfigError(fmt::format("{}: key 'min_present': {} is more than the {} tickers of key 'tickers', so no "
                                  "timestamp could have that many present",
                                  KeyOrigin(origins, "min_present"), config.min_present, config.tickers.size()));
  }
}

void CheckAcrossKeys(const Config& config, const std::map<std::string, std::string>& origins) {
  // The last synthetic timestamp, start + (n_bars - 1) * bar_seconds in ns,
  // must fit in int64 (about year 2262).
  int64_t step_ns = 0, span_ns = 0, last_ns = 0;
  if (__builtin_mul_overflow(config.synthetic.bar_seconds, int64_t{1000000000}, &step_ns) ||
      __builtin_mul_overflow(config.synthetic.n_bars - 1, step_ns, &span_ns) ||
      __builtin_add_overflow(config.synthetic.start_ns, span_ns, &last_ns)) {
    // Named after the key the user set (start, else n_bars).
    const char* key = origins.count("synthetic.start") != 0 ? "synthetic.start" : "synthetic.n_bars";
    throw ConfigError(fmt::format("{}: key '{}': {} bars of {} s from {} end after the last timestamp a dataset "
                                  "can hold ({})",
                                  KeyOrigin(origins, key), key, config.synthetic.n_bars,
                                  config.synthetic.bar_seconds, config.synthetic.start, kLastInstant));
  }
  CheckOutputNames(config, origins, SplitCountsBeforeData(config));
  CheckHeaderlessCsv(config, origins);
  const int64_t row_groups = (config.n_samples + config.chunk_rows - 1) / config.chunk_rows;
  if (row_groups > kMaxRowGroups) {
    throw ConfigError(fmt::format(
        "{}: key 'chunk_rows': {} samples in row groups of {} rows make {} row groups, more than {} (each keeps "
        "about 10 KB of footer in memory until the end); use chunk_rows >= {}",
        KeyOrigin(origins, "chunk_rows"), config.n_samples, config.chunk_rows, row_groups,
        kMaxRowGroups, (config.n_samples + kMaxRowGroups - 1) / kMaxRowGroups));
  }
  for (const int h : config.extra_horizons) {
    if (h < 1 || h > config.horizon) {
      throw ConfigError(fmt::format("{}: key 'extra_horizons': horizon {} is outside 1..{} (horizon)",
                                    KeyOrigin(origins, "extra_horizons"), h, config.horizon));
    }
  }
  // tb_bars is int16.
  if (config.triple_barrier && config.horizon > std::numeric_limits<int16_t>::max()) {
    const char* key = origins.count("horizon") != 0 ? "horizon" : "triple_barrier";
    throw ConfigError(fmt::format("{}: key '{}': triple_barrier needs horizon <= {} (tb_bars is int16), got horizon {}",
                                  KeyOrigin(origins, key), key,
                                  std::numeric_limits<int16_t>::max(), config.horizon));
  }
  CheckCrossSection(config, origins);
  const std::string level_problem =
      parquet::CompressionLevelProblem(config.parquet_compression, config.compression_level);
  if (!level_problem.empty()) {
    const std::string where = KeyOrigin(origins, "compression_level");
    throw ConfigError(fmt::format("{}: key 'compression_level': {} (parquet_compression: {})", where, level_problem,
                                  parquet::CodecName(config.parquet_compression)));
  }
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

void ApplyRoot(Config& config, const YAML::Node& root, const std::string& where,
               std::map<std::string, std::string>& origins) {
  if (root.IsNull()) return;
  if (!root.IsMap()) throw ConfigError(fmt::format("{}: expected a map of keys at the top level", where));
  CheckDuplicateKeys(root, where, "");
  for (const auto& entry : root) Apply(config, entry.first.as<std::string>(), entry.second, where, origins);
}

}  // namespace

int Config::EffectiveJobs() const {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // More threads than this only cost memory and scheduling (and oneTBB
  // fails outright near 65,536).
  if (n_jobs >= 1) return std::min(n_jobs, kJobsPerCore * cores);
  return cores;
}

Config LoadConfig(const std::filesystem::path& config_file, const std::vector<std::string>& overrides,
                  const std::vector<std::string>& override_origins) {
  Config config;
  std::map<std::string, std::string> origins;
  if (!config_file.empty()) ApplyRoot(config, LoadConfigFile(config_file), config_file.string(), origins);
  for (size_t i = 0; i < overrides.size(); ++i) {
    const std::string& item = overrides[i];
    const std::string where = i < override_origins.size() && !override_origins[i].empty()
                                  ? override_origins[i]
                                  : fmt::format("override '{}'", item);
    const size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw ConfigError(fmt::format("{}: expected key=value", where));
    }
    const std::string name = item.substr(0, equals);
    const std::string text = item.substr(equals + 1);
    const ConfigKey* key = FindKey(name);
    // A string key takes the text as it is when it is not a YAML scalar, so
    // that "raw_data_filename={ticker}.csv" needs no quoting on a shell line.
    const bool verbatim_fallback = key != nullptr && (key->type == "string" || key->type == "path");
    YAML::Node value;
    try {
      value = YAML::Load(text);
      if (verbatim_fallback && !value.IsScalar() && !value.IsNull()) value = YAML::Node(text);
    } catch (const YAML::Exception& e) {
      if (!verbatim_fallback) {
        throw ConfigError(fmt::format("{}: key '{}': invalid YAML value: {}", where, name, e.msg));
      }
      value = YAML::Node(text);
    }
    // "key=" sets the empty string, which the key's own check then judges.
    if (value.IsNull() && equals + 1 == item.size()) value = YAML::Node(std::string());
    Apply(config, name, value, where, origins);
  }
  CheckAcrossKeys(config, origins);
  return config;
}

namespace {

// Keys added after datasets were first written: the stored config leaves
// them out while they hold their default, so that files of configs without
// them keep their bytes.
constexpr std::string_view kOptionalKeys[] = {"splits",         "embargo_bars",    "max_gap",    "extra_horizons",
                                              "triple_barrier", "on_short_series", "csv_header", "synthetic.seed",
                                              "storage",        "cross_section",   "min_present"};

template <class Keep>
std::string KeysToYaml(const Config& config, Keep keep) {
  std::string out;
  std::string group;
  for (const ConfigKey& key : ConfigKeys()) {
    if (!keep(key)) continue;
    const size_t dot = key.name.find('.');
    const std::string_view leaf = dot == std::string_view::npos ? key.name : key.name.substr(dot + 1);
    const std::string_view key_group = dot == std::string_view::npos ? std::string_view() : key.name.substr(0, dot);
    if (key_group != group) {
      group = std::string(key_group);
      if (!group.empty()) out += group + ":\n";
    }
    const std::string line = fmt::format("{}{}: {}", group.empty() ? "" : "  ", leaf, key.get(config));
    out += fmt::format("{:<44}# {}\n", line, key.description);
  }
  return out;
}

}  // namespace

std::string ConfigToYaml(const Config& config) {
  return KeysToYaml(config, [](const ConfigKey&) { return true; });
}

std::string StoredConfigYaml(const Config& config) {
  static const Config defaults;
  return KeysToYaml(config, [&](const ConfigKey& key) {
    if (key.name == "n_jobs") return false;
    const bool optional = std::find(std::begin(kOptionalKeys), std::end(kOptionalKeys), key.name) !=
                          std::end(kOptionalKeys);
    return !optional || key.get(config) != key.get(defaults);
  });
}

Config LoadConfigText(const std::string& yaml, const std::string& where) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}: line {}, column {}: invalid YAML: {}", where, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  }
  Config config;
  std::map<std::string, std::string> origins;
  ApplyRoot(config, root, where, origins);
  CheckAcrossKeys(config, origins);
  return config;
}

std::string FormatSampleCount(int64_t n) {
  if (n != 0 && n % 1000000 == 0) return fmt::format("{}M", n / 1000000);
  if (n != 0 && n % 1000 == 0) return fmt::format("{}K", n / 1000);
  return std::to_string(n);
}

std::filesystem::path RawDataPath(const Config& config, std::string_view ticker) {
  return config.data_dir / Replace(config.raw_data_filename, "{ticker}", ticker);
}

std::filesystem::path SamplesPath(const Config& config) {
  return config.data_dir /
         StorageName(config, Replace(config.samples_filename, "{n}", FormatSampleCount(config.n_samples)));
}

namespace {

std::string SplitSamplesName(const Config& config, const std::string& split, int64_t n_samples) {
  std::string name = Replace(config.samples_filename, "{n}", FormatSampleCount(n_samples));
  if (name.find("{split}") != std::string::npos) {
    name = Replace(name, "{split}", split);
  } else {
    const size_t dot = name.rfind('.');
    name.insert(dot == std::string::npos || dot == 0 ? name.size() : dot, "_" + split);
  }
  return StorageName(config, name);
}

std::string ScalerName(const Config& config) {
  std::string name = Replace(config.scaler_filename, "{n}", FormatSampleCount(config.n_samples));
  if (!config.splits.empty()) name = Replace(name, "{split}", config.splits.front().name);
  // Its own scaler file (the same bytes as the samples file's), so the
  // samples file of the same config can be built beside it.
  return StorageName(config, name);
}

}  // namespace

std::filesystem::path SplitSamplesPath(const Config& config, const std::string& split, int64_t n_samples) {
  return config.data_dir / SplitSamplesName(config, split, n_samples);
}

std::filesystem::path ScalerPath(const Config& config) { return config.data_dir / ScalerName(config); }

std::optional<int64_t> SplitSampleCount(const Config& config, size_t split) {
  const SplitConfig& s = config.splits.at(split);
  if (s.all) return std::nullopt;
  if (s.n_samples > 0) return s.n_samples;
  if (split == 0) return config.n_samples;
  return std::nullopt;
}

std::optional<std::filesystem::path> KnownSplitSamplesPath(const Config& config, size_t split) {
  const std::optional<int64_t> count = SplitSampleCount(config, split);
  if (!count && config.samples_filename.find("{n}") != std::string::npos) return std::nullopt;
  return SplitSamplesPath(config, config.splits.at(split).name, count.value_or(0));
}

std::vector<OutputFile> OutputFiles(const Config& config) {
  if (config.splits.empty()) return {{"", SamplesPath(config), config.n_samples}};
  std::vector<OutputFile> files;
  for (size_t s = 0; s < config.splits.size(); ++s) {
    files.push_back({config.splits[s].name, KnownSplitSamplesPath(config, s), SplitSampleCount(config, s)});
  }
  return files;
}

std::filesystem::path OutputFilePath(const Config& config, size_t file, int64_t n_samples) {
  if (config.splits.empty()) {
    return config.data_dir / Replace(config.samples_filename, "{n}", FormatSampleCount(n_samples));
  }
  return SplitSamplesPath(config, config.splits.at(file).name, n_samples);
}

void CheckSplitFileNames(const Config& config, std::span<const int64_t> split_counts) {
  CheckOutputNames(config, {}, split_counts, true);
}

}  // namespace barforge
