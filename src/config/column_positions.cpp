#include "config/column_positions.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "barforge/error.h"
#include "config/key_origin.h"

namespace barforge {

namespace {

// A field position: at most 4 digits (no CSV of bars has 10,000 fields).
std::optional<size_t> ParsePosition(const std::string& text) {
  if (text.empty() || text.size() > 4 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return static_cast<size_t>(std::stoul(text));
}

}  // namespace

std::array<size_t, 6> CsvColumnPositions(const ColumnNames& columns, const std::map<std::string, std::string>& origins) {
  static const ColumnNames defaults;
  const std::pair<const std::string*, const std::string*> named[] = {
      {&columns.timestamp, &defaults.timestamp}, {&columns.open, &defaults.open},   {&columns.high, &defaults.high},
      {&columns.low, &defaults.low},             {&columns.close, &defaults.close}, {&columns.volume, &defaults.volume}};
  std::array<size_t, 6> positions{};
  std::map<size_t, std::string> taken;
  for (size_t i = 0; i < positions.size(); ++i) {
    const std::string& value = *named[i].first;
    const std::string key = "columns." + *named[i].second;
    const std::string where = KeyOrigin(origins, key);
    const std::optional<size_t> position = value == *named[i].second ? std::optional<size_t>(i) : ParsePosition(value);
    if (!position) {
      throw ConfigError(fmt::format("{}: key '{}': with csv_header: false, columns are field positions (0 = the "
                                    "first field), got '{}'",
                                    where, key, value));
    }
    const auto [other, inserted] = taken.emplace(*position, key);
    if (!inserted) {
      throw ConfigError(fmt::format("{}: key '{}': field {} is already {}", where, key, *position, other->second));
    }
    positions[i] = *position;
  }
  return positions;
}

}  // namespace barforge
