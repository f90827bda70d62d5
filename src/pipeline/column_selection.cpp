#include "pipeline/column_selection.h"

#include <algorithm>

#include <fmt/format.h>

#include "barforge/error.h"

namespace barforge {

std::vector<size_t> SelectColumns(const std::vector<DatasetColumnInfo>& columns, const std::vector<std::string>& names,
                                  const std::filesystem::path& path) {
  std::vector<size_t> indices;
  if (names.empty()) {
    for (size_t c = 0; c < columns.size(); ++c) indices.push_back(c);
    return indices;
  }
  for (const std::string& name : names) {
    const auto it = std::find_if(columns.begin(), columns.end(), [&](const auto& c) { return c.name == name; });
    if (it == columns.end()) {
      std::string known;
      for (const DatasetColumnInfo& c : columns) known += (known.empty() ? "" : ", ") + c.name;
      throw DataError(fmt::format("{}: no column '{}' (columns: {})", path.string(), name, known));
    }
    indices.push_back(static_cast<size_t>(it - columns.begin()));
  }
  return indices;
}

}  // namespace barforge
