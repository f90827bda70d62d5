// Whether an existing dataset was built from the config at hand: the footer
// records the effective config (barforge.config) and the scaler
// (barforge.scaler).

#include <fstream>
#include <map>
#include <string>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "barforge/error.h"
#include "barforge/pipeline.h"
#include "dataset/dataset_footer.h"
#include "features/meta_scaler.h"

namespace barforge {

namespace {

// Keys that change no value of a dataset: the thread count, and where the
// files are (a dataset moved with its folder is still the same dataset).
bool IgnoredKey(const std::string& key) {
  return key == "n_jobs" || key == "data_dir" || key == "samples_filename" || key == "scaler_filename";
}

// "key" or "group.key" -> the value as YAML text.
void Flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (const auto& entry : node) {
    const std::string key = prefix + entry.first.as<std::string>();
    if (entry.second.IsMap()) {
      Flatten(entry.second, key + ".", out);
    } else {
      YAML::Emitter emitter;
      emitter << YAML::Flow << entry.second;
      out[key] = emitter.c_str();
    }
  }
}

std::map<std::string, std::string> FlatConfig(const std::string& yaml) {
  std::map<std::string, std::string> out;
  const YAML::Node root = YAML::Load(yaml);
  if (root.IsMap()) Flatten(root, "", out);
  return out;
}

ExistingDataset CheckExistingFile(const Config& config, const std::filesystem::path& path) {
  ExistingDataset existing;
  existing.path = path;
  if (!std::filesystem::exists(existing.path)) return existing;
  const std::string stored = DatasetFooter::Read(existing.path).config.value_or("");
  existing.state = ExistingDataset::State::kOtherConfig;
  if (stored.empty()) {
    existing.difference = "the file has no barforge.config metadata: it was not written by barforge build";
    return existing;
  }
  std::map<std::string, std::string> in_file;
  try {
    in_file = FlatConfig(stored);
  } catch (const YAML::Exception& e) {
    existing.difference = fmt::format("the file's barforge.config metadata is not valid YAML ({})", e.msg);
    return existing;
  }
  const std::map<std::string, std::string> wanted = FlatConfig(ConfigToYaml(config));
  const std::map<std::string, std::string> defaults = FlatConfig(ConfigToYaml(Config{}));
  std::string difference;
  for (const auto& [key, value] : wanted) {
    if (IgnoredKey(key)) continue;
    const auto it = in_file.find(key);
    // A key newer than the file: the file was built with its default.
    const auto default_value = defaults.find(key);
    const std::string file_value =
        it != in_file.end() ? it->second : default_value != defaults.end() ? default_value->second : "(none)";
    if (file_value == value) continue;
    difference += fmt::format("{}{}: {} in the file, {} in the config", difference.empty() ? "" : "; ", key,
                              file_value, value);
  }
  for (const auto& [key, value] : in_file) {
    if (!IgnoredKey(key) && wanted.count(key) == 0) {
      difference += fmt::format("{}{}: {} in the file, unknown to this barforge", difference.empty() ? "" : "; ",
                                key, value);
    }
  }
  if (difference.empty()) existing.state = ExistingDataset::State::kSameConfig;
  existing.difference = std::move(difference);
  return existing;
}

}  // namespace

ExistingDataset CheckExistingDataset(const Config& config) { return CheckExistingFile(config, SamplesPath(config)); }

std::vector<ExistingDataset> CheckExistingSplits(const Config& config) {
  std::vector<ExistingDataset> out;
  for (const std::filesystem::path& path : SplitOutputPaths(config)) out.push_back(CheckExistingFile(config, path));
  return out;
}

bool RestoreScalerFromDataset(const Config& config) {
  const std::filesystem::path scaler_path = ScalerPath(config);
  if (std::filesystem::exists(scaler_path)) return false;
  // With splits, every file's footer holds the scaler: the first's is read.
  const std::filesystem::path dataset = config.splits.empty() ? SamplesPath(config) : SplitOutputPaths(config).front();
  const std::string json = DatasetFooter::Read(dataset).scaler.value_or("");
  if (json.empty()) {
    throw DataError(fmt::format("{}: no barforge.scaler metadata to restore {} from", dataset.string(),
                                scaler_path.string()));
  }
  // Parsed and written as a build writes it (same bytes, temporary + rename).
  SaveMetaScaler(MetaScaler::FromJson(json), scaler_path, false);
  return true;
}

}  // namespace barforge
