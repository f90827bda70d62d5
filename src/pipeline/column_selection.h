#pragma once
// Which of a dataset's columns a read asks for, by name: one rule for the
// samples file's reader and the bars dataset's.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "barforge/dataset_reader.h"

namespace barforge {

/// Indices into `columns` of `names`, in the order given; every column, in
/// order, for no names. Throws DataError naming `path`, the unknown name and
/// the known ones.
std::vector<size_t> SelectColumns(const std::vector<DatasetColumnInfo>& columns, const std::vector<std::string>& names,
                                  const std::filesystem::path& path);

}  // namespace barforge
