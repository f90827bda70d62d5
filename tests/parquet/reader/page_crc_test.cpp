// Page checksums (PageHeader.crc): the writer puts the CRC-32 of each page's
// stored bytes in its header, unless told not to, and the reader refuses a
// page whose bytes do not match, naming the file, column, row group and page.

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "barforge/parquet_writer.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/thrift_io.h"
#include "support/barforge_cli.h"

namespace barforge::parquet {
namespace {

using barforge::testing::ReadFile;
using barforge::testing::TempDir;

const std::vector<ColumnSpec> kSchema = {{"id", ColumnType::kInt64},
                                         {"window", ColumnType::kFloatList, TimeUnit::kNanos, 4},
                                         {"price", ColumnType::kDouble},
                                         {"ticker", ColumnType::kString}};
constexpr int64_t kRows = 3000;

// Two row groups of several pages per column; `ticker` has a dictionary page.
void WriteSample(const std::filesystem::path& path, bool checksums) {
  std::vector<int64_t> ids;
  std::vector<float> window;
  std::vector<double> prices;
  const std::vector<std::string> names = {"AAA", "BBB", "CCC"};
  std::vector<int32_t> ticker;
  for (int64_t i = 0; i < kRows; ++i) {
    ids.push_back(i * 7 - 3);
    for (int k = 0; k < 4; ++k) window.push_back(std::sin(static_cast<float>(i * 4 + k)));
    prices.push_back(100.0 + 0.25 * static_cast<double>(i % 97));
    ticker.push_back(static_cast<int32_t>(i % 3));
  }
  WriterOptions options;
  options.page_size_bytes = 4096;
  options.page_checksums = checksums;
  ParquetWriter writer(path, kSchema, options);
  for (int64_t first = 0; first < kRows; first += 2000) {
    const auto n = static_cast<size_t>(std::min<int64_t>(2000, kRows - first));
    const auto at = static_cast<size_t>(first);
    writer.WriteRowGroup({static_cast<int64_t>(n),
                          {std::span<const int64_t>(ids).subspan(at, n),
                           std::span<const float>(window).subspan(at * 4, n * 4),
                           std::span<const double>(prices).subspan(at, n),
                           DictionaryStrings{names, std::span<const int32_t>(ticker).subspan(at, n)}}});
  }
  writer.Close();
}

struct Page {
  std::string column;  // its path, as errors name it
  int row_group = 0;
  uint64_t offset = 0;          // of its header
  uint64_t payload_offset = 0;  // of its stored bytes
  uint64_t payload_size = 0;
  format::PageHeader header;
};

// Every page of the file, found by walking each chunk's headers.
std::vector<Page> Pages(const std::filesystem::path& path) {
  const std::string bytes = ReadFile(path);
  const ParquetReader reader(path);
  std::vector<Page> pages;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    const RowGroupMetadata group = reader.row_group_metadata(g);
    for (const ColumnChunkMetadata& chunk : group.columns) {
      auto pos = static_cast<uint64_t>(chunk.dictionary_page_offset.value_or(chunk.data_page_offset));
      const uint64_t end = pos + static_cast<uint64_t>(chunk.total_compressed_size);
      std::string column;
      for (const std::string& part : chunk.path) column += (column.empty() ? "" : ".") + part;
      while (pos < end) {
        Page page{column, g, pos, 0, 0, {}};
        const size_t header_size = ReadThrift(reinterpret_cast<const uint8_t*>(bytes.data()) + pos, end - pos,
                                              &page.header, "page header");
        page.payload_offset = pos + header_size;
        page.payload_size = static_cast<uint64_t>(page.header.compressed_page_size);
        pos = page.payload_offset + page.payload_size;
        pages.push_back(page);
      }
    }
  }
  return pages;
}

void ReadAll(const std::filesystem::path& path) {
  const ParquetReader reader(path);
  for (size_t c = 0; c < reader.columns().size(); ++c) reader.ReadColumn(c);
}

TEST(PageCrc, EveryPageCarriesTheCrc32OfItsStoredBytes) {
  TempDir dir;
  const auto path = dir / "crc.parquet";
  WriteSample(path, true);
  const std::string bytes = ReadFile(path);
  const std::vector<Page> pages = Pages(path);
  int dictionary_pages = 0;
  ASSERT_GT(pages.size(), 20u);
  for (const Page& page : pages) {
    ASSERT_TRUE(page.header.__isset.crc) << page.column << " at " << page.offset;
    // zlib's crc32 over the bytes after the header, independently of the writer.
    const uLong expected = crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()) + page.payload_offset,
                                 static_cast<uInt>(page.payload_size));
    uint32_t stored = 0;
    std::memcpy(&stored, &page.header.crc, 4);
    EXPECT_EQ(stored, static_cast<uint32_t>(expected)) << page.column << " at " << page.offset;
    if (page.header.type == format::PageType::DICTIONARY_PAGE) ++dictionary_pages;
  }
  EXPECT_EQ(dictionary_pages, 2);  // ticker, in each row group
  ReadAll(path);
}

TEST(PageCrc, TheWriterOptionLeavesItOut) {
  TempDir dir;
  WriteSample(dir / "with.parquet", true);
  WriteSample(dir / "without.parquet", false);
  const std::vector<Page> with = Pages(dir / "with.parquet");
  const std::vector<Page> without = Pages(dir / "without.parquet");
  ASSERT_EQ(with.size(), without.size());
  for (const Page& page : without) EXPECT_FALSE(page.header.__isset.crc) << page.column << " at " << page.offset;
  // The same pages, each header 2 to 6 bytes shorter (field 4: a byte of
  // field header and the zigzag varint of the i32, 1 to 5 bytes).
  const auto with_size = std::filesystem::file_size(dir / "with.parquet");
  const auto without_size = std::filesystem::file_size(dir / "without.parquet");
  EXPECT_GE(with_size - without_size, 2 * with.size());
  EXPECT_LE(with_size - without_size, 6 * with.size() + 64);  // the footer's offsets may take a byte more
  ReadAll(dir / "without.parquet");
}

// A single flipped bit anywhere in a page's stored bytes, data or
// dictionary page, in any column and row group, is refused.
TEST(PageCrc, EverySingleBitFlipInAPageIsRefused) {
  TempDir dir;
  const auto good = dir / "good.parquet";
  WriteSample(good, true);
  const std::string bytes = ReadFile(good);
  const std::vector<Page> pages = Pages(good);
  const auto flipped = dir / "flipped.parquet";
  int flips = 0;
  for (size_t p = 0; p < pages.size(); ++p) {
    const Page& page = pages[p];
    for (const uint64_t at : {uint64_t{0}, page.payload_size / 3, page.payload_size / 2, page.payload_size - 1}) {
      std::string copy = bytes;
      copy[page.payload_offset + at] = static_cast<char>(copy[page.payload_offset + at] ^ (1 << ((p + at) % 8)));
      std::ofstream(flipped, std::ios::binary | std::ios::trunc) << copy;
      ++flips;
      try {
        ReadAll(flipped);
        ADD_FAILURE() << "a flipped bit at byte " << page.payload_offset + at << " of " << page.column << " was read";
      } catch (const ParquetError& e) {
        const std::string message = e.what();
        const std::string where = flipped.string() + ": column '" + page.column + "', row group " +
                                  std::to_string(page.row_group) + ", page at byte offset " +
                                  std::to_string(page.offset) + ": ";
        EXPECT_NE(message.find(where), std::string::npos) << message << "\nexpected: " << where;
        EXPECT_NE(message.find("CRC-32"), std::string::npos) << message;
      }
    }
  }
  EXPECT_GE(flips, 60);
}

}  // namespace
}  // namespace barforge::parquet
