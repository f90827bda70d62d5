#include "parquet/reader/column_chunk_reader.h"

#include <sys/mman.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/codec.h"
#include "parquet/reader/page_decoder.h"
#include "parquet/reader/page_read_ahead.h"
#include "parquet/reader/raw_enum.h"

namespace barforge::parquet::reader {
namespace {

// Asks for transparent huge pages over a large, untouched buffer: filling a
// column of hundreds of MB then takes one page fault per 2 MiB instead of
// one per 4 KiB, which otherwise costs as much as decompressing it.
void AdviseHugePages(void* data, size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  const auto begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a hint: failure is fine
}

// Reserves the value vector a chunk of `num_values` fills (of `rows` rows),
// so that it is allocated once rather than regrown (each regrowth copies,
// and faults in fresh pages). num_values comes from the file: the hint is
// skipped when it claims more than 64 bytes of values per byte of the
// chunk.
void ReserveValues(ColumnBuffer& out, int64_t num_values, int64_t rows, uint64_t chunk_bytes) {
  const auto reserve = [&](auto& values) {
    // A flat column has one value per row.
    const auto n = static_cast<uint64_t>(out.info.max_repetition_level > 0 ? num_values : std::min(num_values, rows));
    using T = typename std::remove_reference_t<decltype(values)>::value_type;
    if (n <= chunk_bytes * 64 / sizeof(T)) {
      values.reserve(static_cast<size_t>(n));
      AdviseHugePages(values.data(), values.capacity() * sizeof(T));
    }
  };
  switch (out.info.physical_type) {
    case PhysicalType::kBoolean:
    case PhysicalType::kInt32: reserve(out.int32s); break;
    case PhysicalType::kInt64:
    case PhysicalType::kInt96: reserve(out.int64s); break;
    case PhysicalType::kFloat: reserve(out.floats); break;
    case PhysicalType::kDouble: reserve(out.doubles); break;
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: break;
  }
}

}  // namespace

ColumnChunkDecoder::ColumnChunkDecoder(const FileSource& file, uint64_t data_end, const LeafColumn& leaf,
                                       const format::ColumnMetaData& meta, int64_t row_group_rows,
                                       std::string context, ColumnBuffer& out)
    : num_values_(meta.num_values), row_group_rows_(row_group_rows), context_(std::move(context)) {
  out.int32s.clear();
  out.int64s.clear();
  out.floats.clear();
  out.doubles.clear();
  out.string_offsets.clear();
  out.string_bytes.clear();
  out.valid.clear();
  out.list_offsets.clear();
  out.list_valid.clear();
  out.info = leaf.info;
  out.num_rows = 0;
  if (leaf.info.physical_type == PhysicalType::kByteArray || leaf.info.physical_type == PhysicalType::kFixedLenByteArray) {
    out.string_offsets.push_back(0);
  }
  if (leaf.info.max_repetition_level > 1) {
    throw ParquetError(fmt::format("{}: nested column with repetition level {} is not supported", context_,
                                   leaf.info.max_repetition_level));
  }
  if (meta.num_values < 0) {
    throw ParquetError(fmt::format("{}: negative num_values {}", context_, meta.num_values));
  }
  int64_t begin = meta.data_page_offset;
  if (meta.__isset.dictionary_page_offset && meta.dictionary_page_offset > 0 &&
      meta.dictionary_page_offset < begin) {
    begin = meta.dictionary_page_offset;
  }
  const int64_t length = meta.total_compressed_size;
  if (begin < 4 || length < 0 || static_cast<uint64_t>(begin) > data_end ||
      static_cast<uint64_t>(length) > data_end - static_cast<uint64_t>(begin)) {
    throw ParquetError(fmt::format(
        "{}: column chunk at byte offset {} of {} bytes lies outside the file's data (which ends at byte {})", context_,
        begin, length, data_end));
  }
  if (meta.data_page_offset < begin || meta.data_page_offset - begin >= std::max<int64_t>(length, 1)) {
    throw ParquetError(fmt::format("{}: data_page_offset {} lies outside the column chunk [{}, {})", context_,
                                   meta.data_page_offset, begin, begin + length));
  }
  if (meta.num_values > 0 && length == 0) {
    throw ParquetError(fmt::format("{}: column chunk of {} values has no bytes", context_, meta.num_values));
  }
  const auto codec = static_cast<Codec>(RawEnum(meta.codec));
  pages_ = std::make_unique<PageReadAhead>(file, static_cast<uint64_t>(begin), static_cast<uint64_t>(length), codec,
                                           meta.num_values);
  decoder_ = std::make_unique<PageDecoder>(leaf, codec, meta.num_values, out);
}

ColumnChunkDecoder::~ColumnChunkDecoder() = default;

bool ColumnChunkDecoder::NextPage() {
  if (finished_) return false;
  PageDecoder& decoder = *decoder_;
  const int64_t values_before = decoder.values_seen();
  // Dictionary and index pages hold no values: go on to the next data page.
  while (decoder.values_seen() < num_values_ && decoder.values_seen() == values_before) {
    const PageAhead* page = nullptr;
    try {
      page = pages_->Next();
    } catch (const ParquetError& e) {
      throw ParquetError(fmt::format("{}, {}", context_, e.what()));
    }
    if (page == nullptr) {
      throw ParquetError(fmt::format("{}: column chunk ends at byte offset {} after {} of its {} values", context_,
                                     pages_->offset(), decoder.values_seen(), num_values_));
    }
    try {
      decoder.Decode(page->header, page->payload, page->decompressed ? &page->body : nullptr);
    } catch (const ParquetError& e) {
      throw ParquetError(fmt::format("{}, page at byte offset {}: {}", context_, page->offset, e.what()));
    }
  }
  if (decoder.values_seen() == num_values_) {
    try {
      decoder.Finish(row_group_rows_);
    } catch (const ParquetError& e) {
      throw ParquetError(fmt::format("{}: {}", context_, e.what()));
    }
    finished_ = true;
  }
  return true;
}

void ColumnChunkDecoder::Consumed(int64_t rows, int64_t slots) { decoder_->Consumed(rows, slots); }

void DropAllValid(ColumnBuffer& buffer) {
  const auto all_set = [](const std::vector<uint8_t>& v) {
    return std::all_of(v.begin(), v.end(), [](uint8_t b) { return b != 0; });
  };
  if (all_set(buffer.valid)) buffer.valid.clear();
  if (all_set(buffer.list_valid)) buffer.list_valid.clear();
}

ColumnBuffer ReadColumnChunkData(const FileSource& file, uint64_t data_end, const LeafColumn& leaf,
                                 const format::ColumnMetaData& meta, int64_t row_group_rows,
                                 const std::string& context, ColumnBuffer reuse) {
  ColumnBuffer out = std::move(reuse);
  ColumnChunkDecoder decoder(file, data_end, leaf, meta, row_group_rows, context, out);
  ReserveValues(out, meta.num_values, row_group_rows, static_cast<uint64_t>(meta.total_compressed_size));  // checked >= 0
  while (decoder.NextPage()) {
  }
  return out;
}

}  // namespace barforge::parquet::reader
