#pragma once
// The one table of configuration keys (docs/configuration.md). Parsing, validation,
// ConfigToYaml and docs/configuration.md are all driven by it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "barforge/config.h"

namespace YAML {
class Node;
}

namespace barforge {

// Bounds of numeric keys: what a build on one machine can do, and what keeps
// every output value finite.
inline constexpr int64_t kMaxSamples = 10'000'000'000;
inline constexpr int64_t kMaxBars = 1'000'000'000;
inline constexpr double kMaxFeeBps = 10'000;
/// triple_barrier profit and stop, in units of sigma * sqrt(H).
inline constexpr double kMaxBarrierWidth = 1'000;
inline constexpr int kMaxJobs = 1024;
inline constexpr int kJobsPerCore = 4;
inline constexpr int64_t kMaxChunkRows = int64_t{1} << 24;
inline constexpr int64_t kMaxRowGroups = 4096;

struct ConfigKey {
  std::string_view name;         ///< dotted for nested maps: "synthetic.n_bars"
  std::string_view type;         ///< for the docs: "string", "integer", ...
  std::string_view description;  ///< one line
  std::string_view validation;   ///< what is accepted, for the docs
  /// Parses `value` into `config`; throws ConfigError (without location:
  /// the caller prefixes file/override and key).
  void (*set)(Config& config, const YAML::Node& value);
  /// The value in `config` as YAML flow text.
  std::string (*get)(const Config& config);
};

/// The name of a timestamp_unit value as the config spells it: "auto", "s",
/// "ms", "us", "ns".
std::string_view EpochUnitName(EpochUnit unit);

/// Every key, in the order of docs/configuration.md.
const std::vector<ConfigKey>& ConfigKeys();

/// The Markdown reference of docs/configuration.md, generated from the table.
std::string ConfigReferenceMarkdown();

}  // namespace barforge
