#pragma once
// `barforge validate` of a cross-sectional samples file (cross_section:
// true): what ValidateDataset checks of every file, per slot of the
// [M, ...] columns, plus the rules of absent tickers.

#include <cstdint>
#include <filesystem>

#include "barforge/dataset_layout.h"
#include "pipeline/dataset_validation.h"

namespace barforge {

/// Checks `file`, whose footer gave `layout` (a cross-section): every
/// column of the layout with its type and shape; sample_id running from
/// `first_sample_id` in order; in each row at least min_present (the
/// footer's config) tickers present; a present slot's bar_index >= W - 1,
/// its floats finite, its tb_label in -1..1 and tb_bars in 1..H (H where
/// tb_label is 0); an absent slot's values all 0 (bar_index, every float
/// and label). One row group at a time. Throws DataError naming the file,
/// column, row and ticker of the first problem.
DatasetReport ValidateCrossSection(const std::filesystem::path& file, const DatasetLayout& layout,
                                   int64_t min_present, int64_t first_sample_id);

}  // namespace barforge
