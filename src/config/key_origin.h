#pragma once
// Where a key's value came from, as messages name it.

#include <map>
#include <string>

namespace barforge {

/// The file or override that set `key` (`origins` maps dotted key names to
/// it, as LoadConfig records them), or "defaults" when nothing set it.
inline std::string KeyOrigin(const std::map<std::string, std::string>& origins, const std::string& key) {
  const auto origin = origins.find(key);
  return origin == origins.end() ? "defaults" : origin->second;
}

}  // namespace barforge
