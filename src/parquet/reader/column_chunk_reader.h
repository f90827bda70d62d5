#pragma once
// Reads one column chunk into a ColumnBuffer, whole or page by page for a
// stream: checks where the chunk lies, then hands the pages that
// page_read_ahead reads to the page_decoder, with the file, column, row
// group and page offset in every error.

#include <cstdint>
#include <memory>
#include <string>

#include "barforge/parquet_reader.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/reader/file_source.h"
#include "parquet/reader/schema.h"

namespace barforge::parquet::reader {

class PageDecoder;
class PageReadAhead;

/// Decodes the chunk `meta` of `leaf` (a row group of `row_group_rows`
/// rows) page by page, appending to `out`, which it first empties (keeping
/// its memory). The chunk's bytes must lie before `data_end` (the footer's
/// start). `context` prefixes every error ("file: column 'x', row group 3").
/// Appends nothing to `valid` / `list_valid` unless there are nulls.
class ColumnChunkDecoder {
 public:
  ColumnChunkDecoder(const FileSource& file, uint64_t data_end, const LeafColumn& leaf,
                     const format::ColumnMetaData& meta, int64_t row_group_rows, std::string context,
                     ColumnBuffer& out);
  ~ColumnChunkDecoder();
  ColumnChunkDecoder(const ColumnChunkDecoder&) = delete;
  ColumnChunkDecoder& operator=(const ColumnChunkDecoder&) = delete;

  /// Decodes the next data page (and the dictionary or index pages before
  /// it). After the last one, closes `out`: the last list offset, and the
  /// check that the chunk held the row group's rows. False once that is done.
  bool NextPage();
  /// The caller took the first `rows` rows (`slots` value slots) out of
  /// `out`, rebasing what is left; later pages append after that.
  void Consumed(int64_t rows, int64_t slots);

 private:
  int64_t num_values_;
  int64_t row_group_rows_;
  std::string context_;
  bool finished_ = false;
  std::unique_ptr<PageReadAhead> pages_;
  std::unique_ptr<PageDecoder> decoder_;
};

/// Reads the chunk `meta` of `leaf` (a row group of `row_group_rows` rows),
/// whose bytes must lie before `data_end` (the footer's start). `context`
/// prefixes every error ("file: column 'x', row group 3"). Appends nothing to
/// `valid` / `list_valid` unless there are nulls. The result is `reuse`,
/// emptied and filled: its vectors keep their memory.
ColumnBuffer ReadColumnChunkData(const FileSource& file, uint64_t data_end, const LeafColumn& leaf,
                                 const format::ColumnMetaData& meta, int64_t row_group_rows,
                                 const std::string& context, ColumnBuffer reuse);

/// Empties the validity vectors of a buffer without nulls, as
/// ColumnBuffer promises.
void DropAllValid(ColumnBuffer& buffer);

}  // namespace barforge::parquet::reader
