#include "dataset/dataset_footer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"

namespace barforge {

namespace {

// Each field with its key, in the order a footer is written.
template <typename Footer, typename Fn>
void ForEachField(Footer& footer, Fn&& fn) {
  fn(DatasetFooter::kVersionKey, footer.version);
  fn(DatasetFooter::kSeedKey, footer.seed);
  fn(DatasetFooter::kBarsKey, footer.bars);
  fn(DatasetFooter::kConfigKey, footer.config);
  fn(DatasetFooter::kTickersKey, footer.tickers);
  fn(DatasetFooter::kScalerKey, footer.scaler);
  fn(DatasetFooter::kArrowSchemaKey, footer.arrow_schema);
  fn(DatasetFooter::kSplitKey, footer.split);
  fn(DatasetFooter::kPartKey, footer.part);
}

}  // namespace

DatasetFooter DatasetFooter::FromKeyValues(const FooterKeyValues& key_values) {
  DatasetFooter footer;
  for (const auto& [key, value] : key_values) {
    bool known = false;
    ForEachField(footer, [&](const char* name, std::optional<std::string>& field) {
      if (key != name) return;
      known = true;
      if (!field) field = value;
    });
    if (!known) footer.others.emplace_back(key, value);
  }
  return footer;
}

DatasetFooter DatasetFooter::Read(const std::filesystem::path& file) {
  return FromKeyValues(parquet::ParquetReader(file).key_value_metadata());
}

FooterKeyValues DatasetFooter::ToKeyValues() const {
  FooterKeyValues out;
  ForEachField(*this, [&](const char* name, const std::optional<std::string>& field) {
    if (field) out.emplace_back(name, *field);
  });
  out.insert(out.end(), others.begin(), others.end());
  return out;
}

const std::string& DatasetFooter::RequireConfig(const std::filesystem::path& file) const {
  if (!config) {
    throw DataError(fmt::format("{}: not a barforge dataset (its footer has no {})", file.string(), kConfigKey));
  }
  return *config;
}

std::vector<std::string> DatasetFooter::Tickers(const std::filesystem::path& file) const {
  if (!tickers) {
    throw DataError(fmt::format("{}: a cross-sectional dataset without '{}' metadata (its tickers)", file.string(),
                                kTickersKey));
  }
  const auto json = nlohmann::json::parse(*tickers, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (json.is_array()) {
    for (const auto& item : json) {
      if (!item.is_string()) break;
      out.push_back(item.get<std::string>());
    }
  }
  if (!json.is_array() || out.size() != json.size() || out.empty()) {
    throw DataError(fmt::format("{}: metadata '{}' is not a non-empty JSON list of ticker names", file.string(),
                                kTickersKey));
  }
  return out;
}

std::string DatasetFooter::TickersJson(const std::vector<std::string>& tickers) {
  return nlohmann::json(tickers).dump();
}

PartInfo DatasetFooter::Part(const std::filesystem::path& file) const {
  if (!part) {
    throw DataError(
        fmt::format("{}: not a part of a distributed build: no '{}' metadata", file.string(), kPartKey));
  }
  const auto json = nlohmann::json::parse(*part, nullptr, /*allow_exceptions=*/false);
  const auto integer = [&](const char* key) -> int64_t {
    if (!json.is_object() || !json.contains(key) || !json[key].is_number_integer()) {
      throw DataError(fmt::format("{}: metadata '{}' has no integer '{}'", file.string(), kPartKey, key));
    }
    return json[key].get<int64_t>();
  };
  PartInfo info;
  info.index = static_cast<int>(integer("part"));
  info.count = static_cast<int>(integer("parts"));
  info.first_sample_id = integer("first_sample_id");
  info.end_sample_id = integer("end_sample_id");
  info.n_samples = integer("n_samples");
  return info;
}

std::string DatasetFooter::PartJson(const PartInfo& part) {
  nlohmann::ordered_json json;
  json["part"] = part.index;
  json["parts"] = part.count;
  json["first_sample_id"] = part.first_sample_id;
  json["end_sample_id"] = part.end_sample_id;
  json["n_samples"] = part.n_samples;
  return json.dump();
}

}  // namespace barforge
