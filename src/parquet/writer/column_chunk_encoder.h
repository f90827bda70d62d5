#pragma once
// Encodes one column of one row group: plans pages at row boundaries of
// about page_size_bytes, builds a dictionary for strings when that is
// smaller, and encodes + compresses each page independently, so pages can be
// done on several threads and the bytes never depend on how many.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "barforge/parquet_writer.h"
#include "parquet/codec.h"
#include "parquet/writer/encoded_row_group.h"

namespace barforge::parquet {

/// One encoded page and what the chunk metadata needs to know of it.
struct EncodedPage {
  std::vector<uint8_t> bytes;        ///< header + compressed payload
  int64_t compressed_size = 0;       ///< bytes.size(), kept when the bytes are released after writing
  int64_t uncompressed_size = 0;     ///< header + uncompressed payload
  double fill_seconds = 0;           ///< time inside FloatPages::fill
  // Min/max of the page's values (numbers only); NaN makes them unusable.
  bool has_value = false;
  bool has_nan = false;
  int64_t int_min = 0, int_max = 0;
  double real_min = 0, real_max = 0;
};

class ColumnChunkEncoder {
 public:
  /// Checks `values` against `column` (ParquetUsageError naming the column) and
  /// plans the pages. Keeps views of `values`: they must outlive this.
  ColumnChunkEncoder(const ColumnSpec& column, const ColumnValues& values, int64_t num_rows,
                     const WriterOptions& options);

  /// Pages to encode, the dictionary page (if any) first.
  size_t num_pages() const { return page_first_row_.size() - 1 + (use_dictionary_ ? 1 : 0); }

  /// Encodes page `page` with `compressor`. Thread-safe for distinct pages.
  EncodedPage EncodePage(size_t page, PageCompressor& compressor) const;

  /// Assembles the chunk from its encoded pages (in page order); their
  /// bytes are moved in, and may already have been released.
  EncodedColumnChunk Finish(std::vector<EncodedPage> pages) const;

 private:
  void PlanFixedWidthPages(int64_t bytes_per_row);
  void PlanStrings();
  std::string_view StringAt(int64_t row) const;
  /// Encoding of the data pages' values.
  format::Encoding::type ValueEncoding() const;
  EncodedPage EncodeDataPage(size_t data_page, PageCompressor& compressor) const;
  EncodedPage EncodeDictionaryPage(PageCompressor& compressor) const;
  /// Appends the values of rows [first_row, first_row + rows) of a column
  /// other than a float one to `payload`, noting their min/max in `page`.
  void AppendValues(int64_t first_row, int64_t rows, std::vector<uint8_t>& payload, EncodedPage& page) const;
  /// A float column's page payload, `prefix` (its levels) then the values,
  /// in this thread's buffer (valid until its next call); min/max in `page`.
  std::span<const uint8_t> FloatPayload(int64_t first_row, int64_t rows, std::span<const uint8_t> prefix,
                                        EncodedPage& page) const;

  const ColumnSpec& column_;
  const ColumnValues& values_;
  const WriterOptions& options_;
  int64_t num_rows_;
  int64_t values_per_row_ = 1;
  /// page_first_row_[p]..page_first_row_[p+1] are data page p's rows.
  std::vector<int64_t> page_first_row_;

  // Strings.
  bool use_dictionary_ = false;
  std::vector<std::string_view> dictionary_;  ///< entries in first-use order
  std::vector<uint32_t> dictionary_index_;    ///< per row
  int dictionary_bit_width_ = 0;
  std::string string_min_, string_max_;
  bool has_string_stats_ = false;
};

}  // namespace barforge::parquet
