#pragma once
// Where the bar columns are in a CSV file without a header row
// (csv_header: false): each `columns.*` is then a field position.

#include <array>
#include <cstddef>
#include <map>
#include <string>

#include "barforge/config.h"

namespace barforge {

/// The field positions (0 = the first field) of timestamp, open, high, low,
/// close and volume, in that order: a column set to digits is that field, a
/// column left at its default name takes its usual place (timestamp 0,
/// open 1, high 2, low 3, close 4, volume 5). Anything else, or two columns
/// on one field, is a ConfigError naming the key and where it was set
/// (`origins`: key -> "config.yaml", "--set ...", as the config loader
/// records them).
std::array<size_t, 6> CsvColumnPositions(const ColumnNames& columns,
                                         const std::map<std::string, std::string>& origins = {});

}  // namespace barforge
