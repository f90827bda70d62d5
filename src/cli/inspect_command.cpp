// `barforge inspect FILE`: schema, row groups, codecs, sizes, key-value metadata.
// Every string that comes from the file is printed escaped (text::Escaped).

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "barforge/bars_dataset.h"
#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "cli/cli_main.h"
#include "cli/commands.h"
#include "cli/inspect_statistics.h"
#include "text/terminal_text.h"

namespace barforge::cli {

namespace {

std::string Megabytes(int64_t bytes) { return fmt::format("{:.2f} MB", static_cast<double>(bytes) / 1e6); }

std::string Joined(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// A cross-sectional dataset: its M tickers and the shape of each column's
// row (nothing for any other file).
void PrintCrossSection(const std::filesystem::path& file, const parquet::ParquetReader& reader) {
  DatasetLayout layout;
  try {
    layout = DatasetLayout::FromKeyValueMetadata(reader.key_value_metadata(), file);
  } catch (const DataError&) {
    return;  // not a dataset barforge can describe; the rest is printed as is
  }
  if (!layout.cross_section()) return;
  fmt::print("cross-section: M = {} tickers ({}), a row per timestamp\n", layout.cross_section_tickers.size(),
             text::Escaped(Joined(layout.cross_section_tickers, ", ")));
  std::vector<std::string> shapes;
  for (const DatasetColumn& column : layout.Columns()) {
    std::vector<std::string> dims;
    for (const int32_t d : column.spec.shape) dims.push_back(std::to_string(d));
    shapes.push_back(fmt::format("{} [{}]", column.spec.name, Joined(dims, ", ")));
  }
  fmt::print("shape:       {}\n", text::Escaped(Joined(shapes, "; ")));
}

}  // namespace

int InspectCommand(const std::filesystem::path& file) {
  if (std::filesystem::is_directory(file)) return InspectDatasetDirectory(file);
  const parquet::ParquetReader reader(file);
  fmt::print("file:        {}\n", file.string());
  if (IsBarsDataset(file)) {
    // Its Parquet rows are bars; its dataset rows are computed when read.
    const BarsDataset dataset(file);
    int64_t bars = 0;
    for (const int64_t count : dataset.bars_per_ticker()) bars += count;
    fmt::print("storage:     bars: {} rows of {} columns computed when read from {} of {}\n", dataset.num_rows(),
               dataset.columns().size(), text::Escaped(fmt::format("{} bars", bars)),
               text::Escaped(fmt::format("{} tickers", dataset.bars_per_ticker().size())));
  }
  fmt::print("size:        {} bytes\n", std::filesystem::file_size(file));
  fmt::print("created by:  {}\n", text::Escaped(reader.created_by()));
  fmt::print("rows:        {}\n", reader.num_rows());
  fmt::print("row groups:  {}\n", reader.num_row_groups());
  PrintCrossSection(file, reader);
  fmt::print("\nschema ({} columns):\n", reader.columns().size());
  for (const parquet::ColumnInfo& column : reader.columns()) {
    fmt::print("  {:<14} {:<32} {}\n", text::Escaped(column.name), text::Escaped(parquet::TypeName(column)),
               text::Escaped(Joined(column.path, ".")));
  }
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    const parquet::RowGroupMetadata group = reader.row_group_metadata(g);
    fmt::print("\nrow group {}: {} rows, {} compressed, {} uncompressed\n", g, group.num_rows,
               Megabytes(group.total_compressed_size.value_or(0)), Megabytes(group.total_byte_size));
    for (const parquet::ColumnChunkMetadata& column : group.columns) {
      fmt::print("  {:<22} {:<12} {:<32} {:>12} -> {:>12}  values {}\n", text::Escaped(Joined(column.path, ".")),
                 column.codec, Joined(column.encodings, ","), Megabytes(column.total_uncompressed_size),
                 Megabytes(column.total_compressed_size), column.num_values);
    }
  }
  PrintStatistics(reader);
  const auto key_values = reader.key_value_metadata();
  fmt::print("\nkey-value metadata ({} entries):\n", key_values.size());
  for (const auto& [key, value] : key_values) {
    if (value.find('\n') == std::string::npos) {
      fmt::print("  {}: {}\n", text::Escaped(key), text::Escaped(value));
      continue;
    }
    fmt::print("  {}:\n", text::Escaped(key));
    size_t start = 0;
    while (start < value.size()) {
      const size_t end = value.find('\n', start);
      fmt::print("    {}\n",
                 text::Escaped(value.substr(start, end == std::string::npos ? std::string::npos : end - start)));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return kExitOk;
}

}  // namespace barforge::cli
