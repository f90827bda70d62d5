#include "barforge/parquet_reader.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "barforge/error.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/reader/column_chunk_reader.h"
#include "parquet/reader/column_chunk_stream.h"
#include "parquet/reader/file_source.h"
#include "parquet/enum_names.h"
#include "parquet/reader/raw_enum.h"
#include "parquet/reader/schema.h"
#include "parquet/thrift_io.h"

namespace barforge::parquet {

size_t ColumnBuffer::size() const {
  if (!string_offsets.empty()) return string_offsets.size() - 1;
  return int32s.size() + int64s.size() + floats.size() + doubles.size();
}

struct ParquetReader::State {
  explicit State(std::filesystem::path p) : path(std::move(p)), file(path) {}

  std::filesystem::path path;
  reader::FileSource file;
  uint64_t footer_begin = 0;  // column data lies before it
  format::FileMetaData metadata;
  std::vector<reader::LeafColumn> leaves;
  std::vector<ColumnInfo> columns;

  [[noreturn]] void Fail(std::string_view what) const {
    throw ParquetError(fmt::format("{}: {}", path.string(), what));
  }

  // A column chunk and the prefix of its errors.
  struct Chunk {
    const reader::LeafColumn& leaf;
    const format::ColumnMetaData& meta;
    int64_t rows;
    std::string context;
  };
  Chunk FindChunk(size_t index, int row_group, int64_t rows) const;
};

namespace {

constexpr uint8_t kMagic[4] = {'P', 'A', 'R', '1'};
constexpr uint8_t kEncryptedMagic[4] = {'P', 'A', 'R', 'E'};
// The largest footer read. A footer is a few hundred bytes per column chunk:
// this allows files of over a million of them, and keeps a corrupt or hostile
// length (up to 4 GiB) from being read into memory.
constexpr uint32_t kMaxFooterBytes = 256u << 20;

}  // namespace

ParquetReader::ParquetReader(std::filesystem::path path) : state_(std::make_unique<State>(std::move(path))) {
  State& s = *state_;
  const uint64_t size = s.file.size();
  if (size < 12) s.Fail(fmt::format("file is {} bytes, too short for Parquet (at least 12)", size));
  const std::vector<uint8_t> head = s.file.Read(0, 4);
  const std::vector<uint8_t> tail = s.file.Read(size - 8, 8);
  if (std::memcmp(tail.data() + 4, kEncryptedMagic, 4) == 0) s.Fail("encrypted Parquet files are not supported");
  if (std::memcmp(head.data(), kMagic, 4) != 0) s.Fail("no PAR1 magic at byte offset 0: not a Parquet file");
  if (std::memcmp(tail.data() + 4, kMagic, 4) != 0) {
    s.Fail(fmt::format("no PAR1 magic at the end (byte offset {}): truncated or not Parquet", size - 4));
  }
  uint32_t footer_length;
  std::memcpy(&footer_length, tail.data(), 4);
  if (footer_length == 0 || footer_length > size - 12) {
    s.Fail(fmt::format("footer length {} (at byte offset {}) does not fit in a {}-byte file", footer_length, size - 8,
                       size));
  }
  if (footer_length > kMaxFooterBytes) {
    s.Fail(fmt::format("footer length {} (at byte offset {}) is over the {} MiB this reader accepts", footer_length,
                       size - 8, kMaxFooterBytes >> 20));
  }
  s.footer_begin = size - 8 - footer_length;
  const std::vector<uint8_t> footer = s.file.Read(s.footer_begin, footer_length);
  try {
    // Bytes after the struct are tolerated, as other readers do.
    ReadThrift(footer.data(), footer.size(), &s.metadata, "footer (FileMetaData)");
    s.leaves = reader::BuildLeafColumns(s.metadata.schema);
  } catch (const ParquetError& e) {
    s.Fail(fmt::format("{} (footer at byte offset {})", e.what(), s.footer_begin));
  }
  for (const reader::LeafColumn& leaf : s.leaves) s.columns.push_back(leaf.info);
  int64_t rows = 0;
  for (size_t g = 0; g < s.metadata.row_groups.size(); ++g) {
    const format::RowGroup& group = s.metadata.row_groups[g];
    if (group.columns.size() != s.leaves.size()) {
      s.Fail(fmt::format("row group {} has {} column chunks, the schema {} leaf columns", g, group.columns.size(),
                         s.leaves.size()));
    }
    if (group.num_rows < 0 || group.num_rows > (int64_t{1} << 48)) {
      s.Fail(fmt::format("row group {} has an invalid row count {}", g, group.num_rows));
    }
    for (size_t c = 0; c < group.columns.size(); ++c) {
      const format::ColumnChunk& chunk = group.columns[c];
      if (!chunk.__isset.meta_data) {
        s.Fail(fmt::format("row group {}, column '{}' has no ColumnMetaData", g, s.leaves[c].info.name));
      }
      for (const auto& encoding : chunk.meta_data.encodings) {
        if (!IsDefinedEncoding(reader::RawEnum(encoding))) {
          s.Fail(fmt::format("row group {}, column '{}': its encodings list holds {}, which is not an encoding the "
                             "format defines", g, s.leaves[c].info.name, reader::RawEnum(encoding)));
        }
      }
      if (chunk.__isset.file_path) {
        s.Fail(fmt::format("row group {}, column '{}' lives in another file ({})", g, s.leaves[c].info.name,
                           chunk.file_path));
      }
    }
    rows += group.num_rows;
  }
  if (rows != s.metadata.num_rows) {
    s.Fail(fmt::format("footer says {} rows but its row groups hold {}", s.metadata.num_rows, rows));
  }
}

ParquetReader::~ParquetReader() = default;
ParquetReader::ParquetReader(ParquetReader&&) noexcept = default;
ParquetReader& ParquetReader::operator=(ParquetReader&&) noexcept = default;

const std::filesystem::path& ParquetReader::path() const { return state_->path; }
int64_t ParquetReader::num_rows() const { return state_->metadata.num_rows; }
int ParquetReader::num_row_groups() const { return static_cast<int>(state_->metadata.row_groups.size()); }

int64_t ParquetReader::row_group_num_rows(int row_group) const {
  if (row_group < 0 || row_group >= num_row_groups()) {
    state_->Fail(fmt::format("row group {} does not exist (the file has {})", row_group, num_row_groups()));
  }
  return state_->metadata.row_groups[static_cast<size_t>(row_group)].num_rows;
}

const std::vector<ColumnInfo>& ParquetReader::columns() const { return state_->columns; }

std::optional<size_t> ParquetReader::FindColumn(std::string_view name) const {
  for (size_t i = 0; i < state_->columns.size(); ++i) {
    if (state_->columns[i].name == name) return i;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ParquetReader::key_value_metadata() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const format::KeyValue& kv : state_->metadata.key_value_metadata) out.emplace_back(kv.key, kv.value);
  return out;
}

std::string ParquetReader::created_by() const { return state_->metadata.created_by; }

RowGroupMetadata ParquetReader::row_group_metadata(int row_group) const {
  row_group_num_rows(row_group);  // checks that it exists
  const format::RowGroup& group = state_->metadata.row_groups[static_cast<size_t>(row_group)];
  RowGroupMetadata out;
  out.num_rows = group.num_rows;
  out.total_byte_size = group.total_byte_size;
  if (group.__isset.total_compressed_size) out.total_compressed_size = group.total_compressed_size;
  for (const format::ColumnChunk& chunk : group.columns) {
    const format::ColumnMetaData& meta = chunk.meta_data;  // present: checked on opening
    ColumnChunkMetadata& column = out.columns.emplace_back();
    column.path = meta.path_in_schema;
    column.codec = CompressionCodecName(reader::RawEnum(meta.codec));
    for (const auto& encoding : meta.encodings) column.encodings.push_back(EncodingName(reader::RawEnum(encoding)));
    column.num_values = meta.num_values;
    column.total_compressed_size = meta.total_compressed_size;
    column.total_uncompressed_size = meta.total_uncompressed_size;
    column.data_page_offset = meta.data_page_offset;
    if (meta.__isset.dictionary_page_offset) column.dictionary_page_offset = meta.dictionary_page_offset;
    if (meta.__isset.statistics) {
      const format::Statistics& stats = meta.statistics;
      ChunkStatistics& statistics = column.statistics.emplace();
      if (stats.__isset.null_count) statistics.null_count = stats.null_count;
      if (stats.__isset.min_value && stats.__isset.max_value) {
        statistics.min = stats.min_value;
        statistics.max = stats.max_value;
      } else if (stats.__isset.min && stats.__isset.max) {
        statistics.min = stats.min;
        statistics.max = stats.max;
      }
    }
  }
  return out;
}

ParquetReader::State::Chunk ParquetReader::State::FindChunk(size_t index, int row_group, int64_t rows) const {
  if (index >= leaves.size()) {
    Fail(fmt::format("column index {} does not exist (the file has {} columns)", index, leaves.size()));
  }
  const reader::LeafColumn& leaf = leaves[index];
  const format::ColumnMetaData& meta = metadata.row_groups[static_cast<size_t>(row_group)].columns[index].meta_data;
  std::string context =
      fmt::format("{}: column '{}', row group {}", path.string(), fmt::join(leaf.info.path, "."), row_group);
  if (reader::RawEnum(meta.type) != static_cast<int>(leaf.info.physical_type)) {
    throw ParquetError(fmt::format("{}: chunk type {} differs from the schema's {}", context,
                                   reader::RawEnum(meta.type), reader::PhysicalTypeName(leaf.info.physical_type)));
  }
  return {leaf, meta, rows, std::move(context)};
}

ColumnBuffer ParquetReader::ReadColumnChunk(size_t index, int row_group, ColumnBuffer reuse) const {
  const State& s = *state_;
  const State::Chunk chunk = s.FindChunk(index, row_group, row_group_num_rows(row_group));
  ColumnBuffer out = reader::ReadColumnChunkData(s.file, s.footer_begin, chunk.leaf, chunk.meta, chunk.rows,
                                                 chunk.context, std::move(reuse));
  out.num_rows = chunk.rows;
  reader::DropAllValid(out);
  return out;
}

ColumnChunkStream ParquetReader::StreamColumnChunk(size_t index, int row_group) const {
  const State& s = *state_;
  State::Chunk chunk = s.FindChunk(index, row_group, row_group_num_rows(row_group));
  return ColumnChunkStream(std::make_unique<ColumnChunkStream::State>(s.file, s.footer_begin, chunk.leaf, chunk.meta,
                                                                      chunk.rows, std::move(chunk.context)));
}

ColumnBuffer ParquetReader::ReadColumn(size_t index) const {
  if (index >= state_->leaves.size()) {
    state_->Fail(fmt::format("column index {} does not exist (the file has {} columns)", index,
                             state_->leaves.size()));
  }
  ColumnBuffer out;
  out.info = state_->leaves[index].info;
  const bool bytes = out.info.physical_type == PhysicalType::kByteArray ||
                     out.info.physical_type == PhysicalType::kFixedLenByteArray;
  if (bytes) out.string_offsets.push_back(0);
  if (out.info.max_repetition_level > 0) out.list_offsets.push_back(0);
  for (int g = 0; g < num_row_groups(); ++g) {
    ColumnBuffer part = ReadColumnChunk(index, g);
    const size_t slots_before = out.size();
    const size_t rows_before = static_cast<size_t>(out.num_rows);
    // Validity is kept only when a part has nulls; re-expand around it.
    auto merge_valid = [](std::vector<uint8_t>& into, size_t before, const std::vector<uint8_t>& from,
                          size_t count) {
      if (into.empty() && from.empty()) return;
      if (into.empty()) into.assign(before, 1);
      if (from.empty()) {
        into.insert(into.end(), count, 1);
      } else {
        into.insert(into.end(), from.begin(), from.end());
      }
    };
    merge_valid(out.valid, slots_before, part.valid, part.size());
    if (out.info.max_repetition_level > 0) {
      merge_valid(out.list_valid, rows_before, part.list_valid, static_cast<size_t>(part.num_rows));
      const int64_t base = out.list_offsets.back();
      for (size_t r = 1; r < part.list_offsets.size(); ++r) out.list_offsets.push_back(base + part.list_offsets[r]);
    }
    out.int32s.insert(out.int32s.end(), part.int32s.begin(), part.int32s.end());
    out.int64s.insert(out.int64s.end(), part.int64s.begin(), part.int64s.end());
    out.floats.insert(out.floats.end(), part.floats.begin(), part.floats.end());
    out.doubles.insert(out.doubles.end(), part.doubles.begin(), part.doubles.end());
    if (bytes) {
      const auto base = static_cast<int64_t>(out.string_bytes.size());
      out.string_bytes.insert(out.string_bytes.end(), part.string_bytes.begin(), part.string_bytes.end());
      for (size_t i = 1; i < part.string_offsets.size(); ++i) {
        out.string_offsets.push_back(base + part.string_offsets[i]);
      }
    }
    out.num_rows += part.num_rows;
  }
  return out;
}

ColumnBuffer ParquetReader::ReadColumn(std::string_view name) const {
  const std::optional<size_t> index = FindColumn(name);
  if (!index) state_->Fail(fmt::format("no column named '{}'", name));
  return ReadColumn(*index);
}

}  // namespace barforge::parquet
