#include "parquet/reader/page_read_ahead.h"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <span>
#include <utility>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/reader/chunk_bytes.h"
#include "parquet/reader/page_decoder.h"
#include "parquet/enum_names.h"
#include "parquet/page_crc.h"
#include "parquet/reader/raw_enum.h"
#include "parquet/thrift_io.h"

namespace barforge::parquet::reader {
namespace {

// Parses the page header at chunk offset `pos` into `header` and returns its
// size. Headers are tens of bytes (statistics can add some): parsing starts
// on the next 64 KiB of the chunk and looks further only if that is not
// enough.
size_t ReadPageHeader(ChunkBytes& bytes, uint64_t pos, format::PageHeader& header) {
  constexpr uint64_t kFirstLook = uint64_t{64} << 10;
  const uint64_t left = bytes.size() - pos;
  uint64_t look = std::min(left, kFirstLook);
  while (true) {
    const std::span<const uint8_t> span = bytes.Get(pos, look);
    header = format::PageHeader();
    try {
      return ReadThrift(span.data(), span.size(), &header, "page header");
    } catch (const ParquetError&) {
      if (look == left) throw;
      look = std::min(left, look * 16);
    }
  }
}

// A value the format does not define must never be loaded as its enum
// type, and copying the header would load every field: so before the copy,
// a page type the format does not define is replaced by INDEX_PAGE (such a
// page is skipped by its size, as readers do with page types they do not
// know, and as an index page is), and an encoding it does not define makes
// the header corrupt.
void CheckDefinedEnums(format::PageHeader& header) {
  if (!IsDefinedPageType(RawEnum(header.type))) {
    const format::PageType::type skipped = format::PageType::INDEX_PAGE;
    std::memcpy(&header.type, &skipped, sizeof skipped);  // stored over, never loaded
  }
  const auto check = [](const format::Encoding::type& encoding, const char* what) {
    const int32_t raw = RawEnum(encoding);
    if (!IsDefinedEncoding(raw)) throw ParquetError(fmt::format("{} {} is not one the format defines", what, raw));
  };
  if (header.__isset.data_page_header) {
    check(header.data_page_header.encoding, "encoding");
    check(header.data_page_header.definition_level_encoding, "definition level encoding");
    check(header.data_page_header.repetition_level_encoding, "repetition level encoding");
  }
  if (header.__isset.data_page_header_v2) check(header.data_page_header_v2.encoding, "encoding");
  if (header.__isset.dictionary_page_header) check(header.dictionary_page_header.encoding, "dictionary encoding");
}

// What ReadAhead gathers at most before decompressing the lot in parallel:
// a few pages of the ~1 MiB writers use, so that one large column (a
// window's prices) keeps every core busy. Their sizes count as the headers
// claim them once decompressed, and a page claiming more than
// kLargestPageAhead is decompressed only in its turn (as before reading
// ahead), so that hostile headers cannot make the read ahead allocate more
// than a few such pages at once.
constexpr size_t kPagesAhead = 4;
constexpr size_t kBytesAhead = size_t{4} << 20;
constexpr size_t kLargestPageAhead = size_t{16} << 20;

// The part of a page that is compressed and its size once decompressed, or
// nothing when the page is stored as is or its header is inconsistent (the
// page's own decoding then reports that).
std::optional<std::pair<std::span<const uint8_t>, size_t>> CompressedPart(const format::PageHeader& header,
                                                                          std::span<const uint8_t> payload,
                                                                          Codec codec) {
  if (codec == Codec::kUncompressed || header.uncompressed_page_size < 0 ||
      header.uncompressed_page_size > kMaxPageBytes) {
    return std::nullopt;
  }
  const auto size = static_cast<size_t>(header.uncompressed_page_size);
  switch (RawEnum(header.type)) {
    case format::PageType::DICTIONARY_PAGE:
    case format::PageType::DATA_PAGE:
      return std::make_pair(payload, size);
    case format::PageType::DATA_PAGE_V2: {
      const format::DataPageHeaderV2& page = header.data_page_header_v2;
      if (!header.__isset.data_page_header_v2 || (page.__isset.is_compressed && !page.is_compressed)) break;
      const int64_t levels = int64_t{page.repetition_levels_byte_length} + page.definition_levels_byte_length;
      if (page.repetition_levels_byte_length < 0 || page.definition_levels_byte_length < 0 ||
          levels > static_cast<int64_t>(payload.size()) || levels > header.uncompressed_page_size) {
        break;
      }
      return std::make_pair(payload.subspan(static_cast<size_t>(levels)), size - static_cast<size_t>(levels));
    }
    default:
      break;
  }
  return std::nullopt;
}

// Values a data page claims, to know when the chunk's data pages end.
int64_t PageValues(const format::PageHeader& header) {
  switch (RawEnum(header.type)) {
    case format::PageType::DATA_PAGE: return std::max(header.data_page_header.num_values, 0);
    case format::PageType::DATA_PAGE_V2: return std::max(header.data_page_header_v2.num_values, 0);
    default: return 0;
  }
}

}  // namespace

PageReadAhead::PageReadAhead(const FileSource& file, uint64_t begin, uint64_t length, Codec codec,
                             int64_t num_values)
    : begin_(begin), codec_(codec), num_values_(num_values), bytes_(std::make_unique<ChunkBytes>(file, begin, length)) {}

PageReadAhead::~PageReadAhead() {
  try {
    reader_.wait();
  } catch (...) {  // ReadAhead keeps its errors in its batch: nothing is lost
  }
}

void PageReadAhead::ReadAhead(Batch& batch) {
  ChunkBytes& bytes = *bytes_;
  batch.count = 0;
  batch.error = nullptr;
  size_t page_bytes = 0;
  while (batch.count < kPagesAhead && page_bytes < kBytesAhead && values_ahead_ < num_values_ &&
         pos_ < bytes.size()) {
    format::PageHeader header;
    try {
      const size_t header_size = ReadPageHeader(bytes, pos_, header);
      CheckDefinedEnums(header);
      const uint64_t left = bytes.size() - pos_ - header_size;
      if (header.compressed_page_size < 0 || static_cast<uint64_t>(header.compressed_page_size) > left) {
        throw ParquetError(fmt::format("page of {} bytes runs past the end of the column chunk ({} bytes left)",
                                       header.compressed_page_size, left));
      }
      if (batch.pages.size() == batch.count) batch.pages.emplace_back();
      PageAhead& page = batch.pages[batch.count];
      page.payload.resize(static_cast<size_t>(header.compressed_page_size));
      bytes.CopyTo(pos_ + header_size, page.payload);
      page.offset = begin_ + pos_;
      page.header = std::move(header);
      page.decompressed = false;
      ++batch.count;
      values_ahead_ += PageValues(page.header);
      page_bytes += std::max(page.payload.size(),
                                static_cast<size_t>(std::max(page.header.uncompressed_page_size, 0)));
      pos_ += header_size + page.payload.size();
    } catch (...) {
      // Raised once the pages before this one are decoded; pos_ stays here,
      // so nothing after it is read.
      batch.error = std::current_exception();
      batch.error_offset = begin_ + pos_;
      break;
    }
  }
  // Decompressing is most of the work: the pages' bodies in parallel. A page
  // that fails here is decompressed again when its turn comes, which then
  // reports the error in order.
  tbb::parallel_for(size_t{0}, batch.count, [&](size_t i) {
    PageAhead& page = batch.pages[i];
    if (page.header.__isset.crc) {
      page.crc = PageCrc(page.payload);
      if (page.crc != page.header.crc) return;  // corrupt: reported in its turn, never decompressed
    }
    const auto part = CompressedPart(page.header, page.payload, codec_);
    if (!part || part->second > kLargestPageAhead) return;
    try {
      page.body.resize(part->second);
      DecompressPage(codec_, part->first, page.body);
      page.decompressed = true;
    } catch (const ParquetError&) {
    }
  });
}

void PageReadAhead::StartReadAhead() {
  Batch& next = batches_[1 - current_];
  next.count = 0;
  next.error = nullptr;
  // A batch that stopped at an error is the last: nothing after it is read.
  if (batches_[current_].error || values_ahead_ >= num_values_ || pos_ >= bytes_->size()) return;
  reading_ = true;
  reader_.run([this, &next] { ReadAhead(next); });
}

void PageReadAhead::TakeReadAhead() {
  if (reading_) {
    reader_.wait();
    reading_ = false;
  } else {
    ReadAhead(batches_[1 - current_]);  // the first batch
  }
  current_ = 1 - current_;
  next_page_ = 0;
}

const PageAhead* PageReadAhead::Next() {
  if (next_page_ == batches_[current_].count) {
    // A batch's error comes once the pages before it are taken.
    if (!batches_[current_].error) TakeReadAhead();
    const Batch& batch = batches_[current_];
    if (batch.count == 0 || next_page_ == batch.count) {
      if (!batch.error) return nullptr;
      try {
        std::rethrow_exception(batch.error);
      } catch (const ParquetError& e) {
        throw ParquetError(fmt::format("page at byte offset {}: {}", batch.error_offset, e.what()));
      }
    }
    StartReadAhead();
  }
  const PageAhead& page = batches_[current_].pages[next_page_++];
  if (page.header.__isset.crc && page.crc != page.header.crc) {
    throw ParquetError(fmt::format(
        "page at byte offset {}: its {} stored bytes have the CRC-32 {:08x}, its header says {:08x}: the page is "
        "corrupt",
        page.offset, page.payload.size(), std::bit_cast<uint32_t>(page.crc), std::bit_cast<uint32_t>(page.header.crc)));
  }
  return &page;
}

}  // namespace barforge::parquet::reader
