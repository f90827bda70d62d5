// ParquetWriter: parallel prepare (Encode), serial flush (Append), and a
// temporary file that only becomes the final file on a successful Close().

#include "barforge/parquet_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "barforge/error.h"
#include "barforge/version.h"
#include "io/atomic_file.h"
#include "parquet/codec.h"
#include "parquet/thrift_io.h"
#include "parquet/writer/column_chunk_encoder.h"
#include "parquet/writer/encoded_row_group.h"
#include "parquet/writer/row_group_encoder.h"
#include "parquet/writer/schema_builder.h"
#include "parquet/writer/write_behind_file.h"

namespace barforge::parquet {

EncodedRowGroup::EncodedRowGroup() : impl_(std::make_unique<Impl>()) {}
EncodedRowGroup::~EncodedRowGroup() = default;
EncodedRowGroup::EncodedRowGroup(EncodedRowGroup&&) noexcept = default;
EncodedRowGroup& EncodedRowGroup::operator=(EncodedRowGroup&&) noexcept = default;
int64_t EncodedRowGroup::num_rows() const { return impl_ ? impl_->num_rows : 0; }
int64_t EncodedRowGroup::byte_size() const {
  int64_t size = 0;
  if (impl_) {
    for (const auto& column : impl_->columns) size += column.byte_size();
  }
  return size;
}

namespace {

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};
// Compressed bytes that may wait for the write-behind thread: enough to
// ride out a blocking write or writeback request (tens of milliseconds of
// compression output), small next to a row group.
constexpr int64_t kMaxQueuedBytes = 32 << 20;

}  // namespace

struct ParquetWriter::State {
  std::vector<ColumnSpec> schema;
  WriterOptions options;
  std::unique_ptr<io::AtomicFile> output;  ///< the temporary, until Close() commits it
  int fd = -1;                             ///< output->fd() while writable
  std::unique_ptr<WriteBehindFile> file;  ///< writes to fd on its own thread
  bool finished = false;  ///< footer written, file flushed: only Commit() is left
  bool closed = false;    ///< committed
  bool failed = false;
  std::vector<format::RowGroup> row_groups;
  std::map<std::string, std::string> extra_key_values;

  /// Adds the row group whose pages were written from `group_start`, column
  /// c from column_starts[c], to the footer.
  void RecordRowGroup(const std::vector<EncodedColumnChunk>& columns, std::span<const int64_t> column_starts,
                      int64_t num_rows, int64_t group_start);
};

ParquetWriter::ParquetWriter(std::filesystem::path path, std::vector<ColumnSpec> schema, WriterOptions options)
    : path_(std::move(path)), state_(std::make_unique<State>()) {
  CheckSchema(schema);
  if (options.page_size_bytes < 1) throw ParquetUsageError("parquet writer: page_size_bytes must be >= 1");
  if (options.threads < 1) throw ParquetUsageError("parquet writer: threads must be >= 1");
  // Fails early (ParquetUsageError) for a bad codec or level.
  PageCompressor probe(options.codec, options.compression_level);
  state_->schema = std::move(schema);
  state_->options = std::move(options);
  state_->output = std::make_unique<io::AtomicFile>(path_);
  temporary_path_ = state_->output->temporary_path();
  state_->output->Write(std::string_view(kMagic, 4));
  state_->fd = state_->output->fd();
  bytes_written_ = 4;
  state_->file = std::make_unique<WriteBehindFile>(state_->fd, temporary_path_, bytes_written_, kMaxQueuedBytes);
}

ParquetWriter::~ParquetWriter() {
  if (state_ && !state_->closed) {
    if (state_->file) state_->file->Stop();
    if (state_->output) state_->output->Abandon();
  }
}

EncodedRowGroup ParquetWriter::Encode(const RowGroupData& data) const {
  const State& state = *state_;
  RowGroupEncoder encoder(state.schema, data, state.options);
  auto encode = [&encoder](size_t page) { encoder.EncodePage(page); };
  if (state.options.threads > 1 && encoder.num_pages() > 1) {
    tbb::task_arena arena(state.options.threads);
    arena.execute([&] { tbb::parallel_for(size_t{0}, encoder.num_pages(), encode); });
  } else {
    for (size_t page = 0; page < encoder.num_pages(); ++page) encode(page);
  }
  EncodedRowGroup group;
  group.impl_->num_rows = data.num_rows;
  group.impl_->columns = encoder.Finish();
  return group;
}


void ParquetWriter::CheckWritable() const {
  if (state_->closed || state_->finished || state_->failed || state_->fd < 0) {
    throw IoError(fmt::format("{}: writer is closed", path_.string()));
  }
}

void ParquetWriter::WritePage(std::vector<uint8_t>&& page) {
  bytes_written_ += static_cast<int64_t>(page.size());
  state_->file->Write(std::move(page));
}

void ParquetWriter::FailAndRemove() {
  state_->failed = true;
  state_->file->Stop();
  state_->fd = -1;
  state_->output->Abandon();
}

void ParquetWriter::State::RecordRowGroup(const std::vector<EncodedColumnChunk>& columns,
                                          std::span<const int64_t> column_starts, int64_t num_rows,
                                          int64_t group_start) {
  State& state = *this;
  format::RowGroup row_group;
  row_group.__set_num_rows(num_rows);
  row_group.__set_file_offset(group_start);
  // ordinal is an i16: left out past 32767 row groups rather than wrapped.
  if (state.row_groups.size() <= static_cast<size_t>(std::numeric_limits<int16_t>::max())) {
    row_group.__set_ordinal(static_cast<int16_t>(state.row_groups.size()));
  }
  int64_t total_uncompressed = 0, total_compressed = 0;
  std::vector<format::ColumnChunk> chunks;
  for (size_t c = 0; c < columns.size(); ++c) {
    format::ColumnMetaData meta = columns[c].meta;
    meta.__set_data_page_offset(column_starts[c] + meta.data_page_offset);
    if (columns[c].has_dictionary) meta.__set_dictionary_page_offset(column_starts[c] + meta.dictionary_page_offset);
    total_uncompressed += meta.total_uncompressed_size;
    total_compressed += meta.total_compressed_size;
    format::ColumnChunk chunk;
    chunk.__set_file_offset(0);
    chunk.__set_meta_data(meta);
    chunks.push_back(std::move(chunk));
  }
  row_group.__set_columns(chunks);
  row_group.__set_total_byte_size(total_uncompressed);
  row_group.__set_total_compressed_size(total_compressed);
  state.row_groups.push_back(std::move(row_group));
}

void ParquetWriter::Append(EncodedRowGroup&& group) {
  CheckWritable();
  if (!group.impl_) throw ParquetUsageError("parquet writer: Append() of a moved-from row group");
  EncodedRowGroup::Impl& impl = *group.impl_;
  if (impl.columns.size() != state_->schema.size()) {
    throw ParquetUsageError("parquet writer: row group does not match schema");
  }
  try {
    const int64_t group_start = bytes_written_;
    std::vector<int64_t> column_starts;
    for (EncodedColumnChunk& column : impl.columns) {
      column_starts.push_back(bytes_written_);
      for (auto& page : column.pages) WritePage(std::move(page));
    }
    state_->RecordRowGroup(impl.columns, column_starts, impl.num_rows, group_start);
    rows_written_ += impl.num_rows;
  } catch (...) {
    FailAndRemove();
    throw;
  }
}

RowGroupWriteTimes ParquetWriter::WriteRowGroup(const RowGroupData& data) {
  CheckWritable();
  const State& state = *state_;
  RowGroupEncoder encoder(state.schema, data, state.options);  // schema errors: nothing written yet
  RowGroupWriteTimes times;
  try {
    const int64_t group_start = bytes_written_;
    std::vector<int64_t> column_starts(state.schema.size(), -1);
    auto write = [&](size_t index, EncodedPage& page) {
      const auto start = std::chrono::steady_clock::now();
      int64_t& column_start = column_starts[encoder.column_of(index)];
      if (column_start < 0) column_start = bytes_written_;
      WritePage(std::move(page.bytes));
      times.write_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (state.options.threads > 1 && encoder.num_pages() > 1) {
      // A serial stage hands out pages in file order, a parallel one
      // encodes them, a serial in-order one writes them: at most
      // `tokens` pages are held at once.
      const auto tokens = static_cast<size_t>(2 * state.options.threads);
      size_t next = 0;
      tbb::task_arena arena(state.options.threads);
      arena.execute([&] {
        tbb::parallel_pipeline(
            tokens,
            tbb::make_filter<void, size_t>(tbb::filter_mode::serial_in_order,
                                           [&](tbb::flow_control& control) -> size_t {
                                             if (next == encoder.num_pages()) control.stop();
                                             return next++;
                                           }) &
                tbb::make_filter<size_t, size_t>(tbb::filter_mode::parallel,
                                                 [&](size_t index) {
                                                   encoder.EncodePage(index);
                                                   return index;
                                                 }) &
                tbb::make_filter<size_t, void>(tbb::filter_mode::serial_in_order,
                                               [&](size_t index) { write(index, encoder.page(index)); }));
      });
    } else {
      for (size_t index = 0; index < encoder.num_pages(); ++index) write(index, encoder.EncodePage(index));
    }
    std::vector<EncodedColumnChunk> columns = encoder.Finish();
    state_->RecordRowGroup(columns, column_starts, data.num_rows, group_start);
    rows_written_ += data.num_rows;
  } catch (...) {
    FailAndRemove();
    throw;
  }
  times.encode_thread_seconds = encoder.encode_thread_seconds();
  return times;
}

void ParquetWriter::SetKeyValue(std::string key, std::string value) {
  state_->extra_key_values[std::move(key)] = std::move(value);
}

void ParquetWriter::Close() {
  if (state_->closed) return;
  Finish();
  Commit();
}

void ParquetWriter::Commit() {
  State& state = *state_;
  if (state.closed) return;
  if (!state.finished) throw IoError(fmt::format("{}: Commit() before Finish()", path_.string()));
  state.closed = true;
  // fsync, rename (refused if the name appeared meanwhile, unless
  // replacing), fsync of the folder; a failure removes the temporary.
  state.output->Commit(state.options.replace_existing);
}

void ParquetWriter::Finish() {
  State& state = *state_;
  if (state.finished) return;
  if (state.failed || state.fd < 0) throw IoError(fmt::format("{}: writer failed earlier", path_.string()));
  try {
    format::FileMetaData meta;
    meta.__set_version(1);
    meta.__set_schema(BuildSchemaElements(state.schema));
    meta.__set_num_rows(rows_written_);
    meta.__set_row_groups(state.row_groups);
    // Options first, then SetKeyValue entries (which replace same keys).
    std::vector<format::KeyValue> key_values;
    for (const auto& [key, value] : state.options.key_value_metadata) {
      if (state.extra_key_values.count(key) != 0) continue;
      format::KeyValue kv;
      kv.__set_key(key);
      kv.__set_value(value);
      key_values.push_back(kv);
    }
    for (const auto& [key, value] : state.extra_key_values) {
      format::KeyValue kv;
      kv.__set_key(key);
      kv.__set_value(value);
      key_values.push_back(kv);
    }
    if (!key_values.empty()) meta.__set_key_value_metadata(key_values);
    meta.__set_created_by(state.options.created_by.empty() ? fmt::format("barforge version {}", kVersion)
                                                           : state.options.created_by);
    format::ColumnOrder order;
    order.__set_TYPE_ORDER(format::TypeDefinedOrder());
    meta.__set_column_orders(std::vector<format::ColumnOrder>(state.schema.size(), order));

    std::vector<uint8_t> footer;
    AppendThrift(meta, footer);
    const auto footer_size = static_cast<uint32_t>(footer.size());
    for (int i = 0; i < 4; ++i) footer.push_back(static_cast<uint8_t>(footer_size >> (8 * i)));
    footer.insert(footer.end(), kMagic, kMagic + 4);
    WritePage(std::move(footer));
    state.file->Flush();
    state.file->Stop();
    state.fd = -1;
    state.finished = true;
  } catch (...) {
    FailAndRemove();
    throw;
  }
}

}  // namespace barforge::parquet
