#pragma once
// The pages of one row group in file order (column by column, a column's
// dictionary page first), each encoded and compressed on its own: in any
// order, on any thread, with the same bytes.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "barforge/parquet_writer.h"
#include "parquet/writer/column_chunk_encoder.h"
#include "parquet/writer/encoded_row_group.h"

namespace barforge::parquet {

class RowGroupEncoder {
 public:
  /// Checks `data` against `schema` (ParquetUsageError) and plans every page.
  /// Keeps views of all three: they must outlive this.
  RowGroupEncoder(std::span<const ColumnSpec> schema, const RowGroupData& data, const WriterOptions& options);

  size_t num_pages() const { return jobs_.size(); }
  /// The column page `index` (file order) belongs to.
  size_t column_of(size_t index) const { return jobs_[index].column; }

  /// Encodes and compresses page `index` with this thread's compressor and
  /// returns it. Thread-safe for distinct pages.
  EncodedPage& EncodePage(size_t index);
  /// Page `index` as last encoded.
  EncodedPage& page(size_t index) { return pages_[jobs_[index].column][jobs_[index].page]; }

  /// After every page is encoded: the column chunks, with the pages' bytes
  /// moved in (empty for pages whose bytes the caller released).
  std::vector<EncodedColumnChunk> Finish();

  /// Time spent in EncodePage summed over threads, minus FloatPages::fill.
  double encode_thread_seconds() const { return static_cast<double>(encode_ns_.load()) * 1e-9; }

 private:
  struct PageJob {
    size_t column;
    size_t page;
  };
  const WriterOptions& options_;
  std::vector<std::unique_ptr<ColumnChunkEncoder>> encoders_;
  std::vector<PageJob> jobs_;
  std::vector<std::vector<EncodedPage>> pages_;
  std::atomic<int64_t> encode_ns_{0};
};

}  // namespace barforge::parquet
