#pragma once
// The one table of configuration keys (SPEC §1). Parsing, validation,
// ConfigToYaml and docs/configuration.md are all driven by it.

#include <string>
#include <string_view>
#include <vector>

#include "barforge/config.h"

namespace YAML {
class Node;
}

namespace barforge {

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

/// Every key, in the order of SPEC §1.
const std::vector<ConfigKey>& ConfigKeys();

/// The Markdown reference of docs/configuration.md, generated from the table.
std::string ConfigReferenceMarkdown();

}  // namespace barforge
