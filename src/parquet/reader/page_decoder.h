#pragma once
// Decodes the pages of one column chunk, in order, appending their rows to
// a ColumnBuffer: the dictionary page, data pages v1 and v2 (levels, then
// values through value_decoders). How the pages are read is not its
// business (page_read_ahead).

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "barforge/parquet_reader.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/codec.h"
#include "parquet/reader/schema.h"

namespace barforge::parquet::reader {

/// The largest page (decompressed) a header may claim: real writers use
/// about 1 MiB, so a larger claim is corrupt rather than allocated.
inline constexpr int64_t kMaxPageBytes = int64_t{512} << 20;

class PageDecoder {
 public:
  /// Decodes a chunk of `leaf` compressed with `codec` whose metadata claims
  /// `num_values` values, appending to `out` (which must outlive it).
  PageDecoder(const LeafColumn& leaf, Codec codec, int64_t num_values, ColumnBuffer& out);
  ~PageDecoder();
  PageDecoder(const PageDecoder&) = delete;
  PageDecoder& operator=(const PageDecoder&) = delete;

  /// Values of the data pages decoded so far.
  int64_t values_seen() const;
  /// Decodes the page of `header` whose bytes after the header are
  /// `payload`; `ready`, when not null, is its compressed part already
  /// decompressed. Index pages are skipped. Throws
  /// ParquetError (without file or page context) for a bad page.
  void Decode(const format::PageHeader& header, std::span<const uint8_t> payload, const std::vector<uint8_t>* ready);
  /// After the last page: the last list offset, and the check that the
  /// chunk held the row group's `row_group_rows` rows.
  void Finish(int64_t row_group_rows);
  /// The caller took the first `rows` rows (`slots` value slots) out of
  /// the output: what follows is kept relative to what is left.
  void Consumed(int64_t rows, int64_t slots);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace barforge::parquet::reader
