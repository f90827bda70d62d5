// `barforge inspect FILE`: schema, row groups, codecs, sizes, key-value metadata.

#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "barforge/parquet_reader.h"
#include "cli/cli_main.h"
#include "cli/commands.h"
#include "cli/inspect_statistics.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/reader/reader_access.h"

namespace barforge::cli {

namespace {

namespace format = parquet::format;

std::string Megabytes(int64_t bytes) { return fmt::format("{:.2f} MB", static_cast<double>(bytes) / 1e6); }

std::string Encodings(const format::ColumnMetaData& meta) {
  std::string out;
  for (const auto encoding : meta.encodings) {
    if (!out.empty()) out += ",";
    out += format::to_string(encoding);
  }
  return out;
}

}  // namespace

int InspectCommand(const std::filesystem::path& file) {
  if (std::filesystem::is_directory(file)) return InspectDatasetDirectory(file);
  const parquet::ParquetReader reader(file);
  const format::FileMetaData& meta = parquet::detail::ReaderAccess::Footer(reader);
  fmt::print("file:        {}\n", file.string());
  fmt::print("size:        {} bytes\n", std::filesystem::file_size(file));
  fmt::print("created by:  {}\n", reader.created_by());
  fmt::print("rows:        {}\n", reader.num_rows());
  fmt::print("row groups:  {}\n", reader.num_row_groups());
  fmt::print("\nschema ({} columns):\n", reader.columns().size());
  for (const parquet::ColumnInfo& column : reader.columns()) {
    std::string path;
    for (const std::string& part : column.path) path += (path.empty() ? "" : ".") + part;
    fmt::print("  {:<14} {:<32} {}\n", column.name, parquet::TypeName(column), path);
  }
  for (size_t g = 0; g < meta.row_groups.size(); ++g) {
    const format::RowGroup& group = meta.row_groups[g];
    fmt::print("\nrow group {}: {} rows, {} compressed, {} uncompressed\n", g, group.num_rows,
               Megabytes(group.__isset.total_compressed_size ? group.total_compressed_size : 0),
               Megabytes(group.total_byte_size));
    for (const format::ColumnChunk& chunk : group.columns) {
      if (!chunk.__isset.meta_data) continue;
      const format::ColumnMetaData& column = chunk.meta_data;
      std::string path;
      for (const std::string& part : column.path_in_schema) path += (path.empty() ? "" : ".") + part;
      fmt::print("  {:<22} {:<12} {:<32} {:>12} -> {:>12}  values {}\n", path, format::to_string(column.codec),
                 Encodings(column), Megabytes(column.total_uncompressed_size),
                 Megabytes(column.total_compressed_size), column.num_values);
    }
  }
  PrintStatistics(reader);
  const auto key_values = reader.key_value_metadata();
  fmt::print("\nkey-value metadata ({} entries):\n", key_values.size());
  for (const auto& [key, value] : key_values) {
    if (value.find('\n') == std::string::npos) {
      fmt::print("  {}: {}\n", key, value);
      continue;
    }
    fmt::print("  {}:\n", key);
    size_t start = 0;
    while (start < value.size()) {
      const size_t end = value.find('\n', start);
      fmt::print("    {}\n", value.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return kExitOk;
}

}  // namespace barforge::cli
