// `barforge validate FILE`.

#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/bars_dataset.h"
#include "barforge/error.h"
#include "cli/cli_main.h"
#include "cli/commands.h"
#include "text/human.h"
#include "pipeline/dataset_validation.h"

namespace barforge::cli {

namespace {

// A bars dataset: whole (every page read, its bars agree with its footer and
// give its row count) and every row it computes finite.
int ValidateBarsDataset(const std::filesystem::path& file, bool json) {
  const BarsDataset dataset(file);
  const int64_t float_values = dataset.CheckRows();
  int64_t bars = 0;
  for (const int64_t count : dataset.bars_per_ticker()) bars += count;
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"file", file.string()},
                                      {"valid", true},
                                      {"storage", "bars"},
                                      {"rows", dataset.num_rows()},
                                      {"bars", bars},
                                      {"window", dataset.config().window},
                                      {"split", dataset.split()},
                                      {"float_values", float_values}}
                           .dump());
  } else {
    fmt::print("{}: valid: bars dataset, {} computed from {}, window {}{}, {} checked\n", file.string(),
               text::Count(dataset.num_rows(), "row"), text::Count(bars, "bar"), dataset.config().window,
               dataset.split().empty() ? "" : fmt::format(", split '{}'", dataset.split()),
               text::Count(float_values, "float value"));
  }
  return kExitOk;
}

}  // namespace

int ValidateCommand(const std::filesystem::path& file, bool json) {
  // Said as open_dataset says it, rather than as the Parquet reader's open().
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::symlink_status(file, error))) {
    throw NotFoundError(fmt::format("{}: dataset not found", file.string()));
  }
  if (std::filesystem::is_directory(file)) return ValidateDatasetDirectory(file, json);
  if (IsBarsDataset(file)) return ValidateBarsDataset(file, json);
  const DatasetReport report = ValidateDataset(file);
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"file", file.string()},
                                      {"valid", true},
                                      {"rows", report.rows},
                                      {"row_groups", report.row_groups},
                                      {"window", report.window},
                                      {"split", report.split},
                                      {"float_values", report.float_values}}
                           .dump());
  } else {
    fmt::print("{}: valid: {} in {}, window {}{}, {} checked\n", file.string(), text::Count(report.rows, "row"),
               text::Count(report.row_groups, "row group"), report.window,
               report.split.empty() ? "" : fmt::format(", split '{}'", report.split),
               text::Count(report.float_values, "float value"));
  }
  return kExitOk;
}

}  // namespace barforge::cli
