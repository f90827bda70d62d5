#pragma once
// Encodes one column of one row group: plans pages at row boundaries of
// about page_size_bytes and encodes + compresses each page independently, so
// pages can be done on several threads and the bytes never depend on how
// many. What varies by column kind (how values become a page's payload, a
// dictionary, the statistics) lives in one encoder per kind:
// fixed_width_encoder (integers, timestamps, doubles and integer lists),
// float_encoder (floats and float lists), bool_encoder (bools and bool
// lists), string_encoder; ColumnChunkEncoder::Make picks it.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "barforge/parquet_writer.h"
#include "parquet/codec.h"
#include "parquet/writer/encoded_row_group.h"
#include "parquet/writer/page_assembly.h"

namespace barforge::parquet {

class ColumnChunkEncoder {
 public:
  /// The encoder for `column`'s kind. Checks `values` against `column`
  /// (ParquetUsageError naming the column) and plans the pages. Keeps views
  /// of all four arguments: they must outlive it.
  static std::unique_ptr<ColumnChunkEncoder> Make(const ColumnSpec& column, const ColumnValues& values,
                                                  int64_t num_rows, const WriterOptions& options);
  virtual ~ColumnChunkEncoder() = default;
  ColumnChunkEncoder(const ColumnChunkEncoder&) = delete;
  ColumnChunkEncoder& operator=(const ColumnChunkEncoder&) = delete;

  /// Pages to encode, the dictionary page (if any) first.
  size_t num_pages() const { return page_first_row_.size() - 1 + (has_dictionary() ? 1 : 0); }

  /// Encodes page `page` with `compressor`. Thread-safe for distinct pages.
  EncodedPage EncodePage(size_t page, PageCompressor& compressor) const;

  /// Assembles the chunk from its encoded pages (in page order); their
  /// bytes are moved in, and may already have been released.
  EncodedColumnChunk Finish(std::vector<EncodedPage> pages) const;

 protected:
  ColumnChunkEncoder(const ColumnSpec& column, int64_t num_rows, int64_t values_per_row,
                     const WriterOptions& options);

  /// Never more rows than this in one page, whatever the value width.
  static constexpr int64_t kMaxRowsPerPage = 1 << 20;

  /// Plans data pages of about page_size_bytes for rows of `bytes_per_row`.
  void PlanFixedWidthPages(int64_t bytes_per_row);

  /// The uncompressed payload of the data page of rows [first_row, first_row
  /// + rows): levels (if any), then values. Its bytes stay valid until this
  /// thread's next call; the values' min/max go to `page.values`.
  virtual std::span<const uint8_t> DataPagePayload(int64_t first_row, int64_t rows, EncodedPage& page) const = 0;
  /// Encoding of the data pages' values.
  virtual format::Encoding::type ValueEncoding() const { return format::Encoding::PLAIN; }
  /// Every encoding the chunk uses, for its metadata.
  virtual std::vector<format::Encoding::type> Encodings() const { return {ValueEncoding()}; }
  virtual bool has_dictionary() const { return false; }
  /// The dictionary page; only called when has_dictionary().
  virtual EncodedPage EncodeDictionaryPage(PageCompressor& compressor) const;
  /// The chunk's statistics, given the min/max of all its pages' values.
  virtual format::Statistics Statistics(const ValueRange& values) const;

  /// Appends the levels of `rows` rows of a list column (values_per_row_
  /// values each) to `payload`, as a v1 data page starts.
  void AppendListLevels(int64_t rows, std::vector<uint8_t>& payload) const;

  /// This thread's buffer for page payloads, emptied.
  static std::vector<uint8_t>& PayloadBuffer();

  const ColumnSpec& column_;
  const WriterOptions& options_;
  int64_t num_rows_;
  int64_t values_per_row_;
  /// page_first_row_[p]..page_first_row_[p+1] are data page p's rows.
  std::vector<int64_t> page_first_row_;

 private:
  EncodedPage EncodeDataPage(size_t data_page, PageCompressor& compressor) const;
};

/// The encoders of each column kind, made by ColumnChunkEncoder::Make.
std::unique_ptr<ColumnChunkEncoder> MakeFixedWidthEncoder(const ColumnSpec& column, const ColumnValues& values,
                                                          int64_t num_rows, const WriterOptions& options);
std::unique_ptr<ColumnChunkEncoder> MakeFloatEncoder(const ColumnSpec& column, const ColumnValues& values,
                                                     int64_t num_rows, const WriterOptions& options);
std::unique_ptr<ColumnChunkEncoder> MakeBoolEncoder(const ColumnSpec& column, const ColumnValues& values,
                                                    int64_t num_rows, const WriterOptions& options);
std::unique_ptr<ColumnChunkEncoder> MakeStringEncoder(const ColumnSpec& column, const ColumnValues& values,
                                                      int64_t num_rows, const WriterOptions& options);

/// Checks that `values` holds a span of T (ParquetUsageError naming the
/// column and `type` otherwise) and returns it.
template <class T>
std::span<const T> ExpectValues(const ColumnSpec& column, const ColumnValues& values, const char* type);
/// Checks that `got` values are the `want` the row group needs.
void ExpectCount(const ColumnSpec& column, size_t got, int64_t want);

}  // namespace barforge::parquet
