// How a column chunk is read: through a small window for page headers, a few
// pages ahead with their decompression in parallel, into a buffer reused
// from an earlier read, or streamed a few rows at a time. Chunks of many
// zstd pages, one page larger than the read-ahead, a header larger than the
// window, a corrupt page in the middle of a chunk; expected values are
// computed here.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "parquet/codec.h"
#include "parquet/reader/handmade_file_helpers.h"
#include "parquet/reader/stream_check_helpers.h"

namespace barforge::parquet {
namespace {

int64_t Value(int64_t i) { return i * 3 + 1 - (i % 7) * 1000; }

struct BigChunk {
  std::filesystem::path path;
  std::vector<int64_t> values;
  std::vector<uint64_t> page_offsets;  // in the file
};

// One required INT64 column, one row group: 13 zstd pages of 50,000 values,
// but the 8th of 1.2 million (more than the read-ahead) whose header
// carries a 100 KB statistics value (more than the window). `corrupt_page`:
// that page's compressed bytes do not start a zstd frame.
BigChunk BigChunkFile(const std::string& name, int corrupt_page = -1,
                      const std::function<void(format::FileMetaData&)>& mutate = {}) {
  BigChunk out;
  std::vector<std::vector<uint8_t>> pages;
  uint64_t offset = 4;  // after PAR1
  for (int p = 0; p < 13; ++p) {
    const size_t n = p == 7 ? 1'200'000 : 50'000;
    std::vector<uint8_t> raw(n * 8);
    for (size_t i = 0; i < n; ++i) {
      const int64_t v = Value(static_cast<int64_t>(out.values.size()));
      out.values.push_back(v);
      std::memcpy(raw.data() + 8 * i, &v, 8);
    }
    std::vector<uint8_t> body;
    PageCompressor(Codec::kZstd, 1).Compress(raw, body);
    if (p == corrupt_page) std::fill(body.begin(), body.begin() + 8, uint8_t{0});  // no zstd frame
    format::PageHeader header = testing::DataPageV1Header(static_cast<int64_t>(n), raw.size(), body.size());
    if (p == 7) {
      format::Statistics statistics;
      statistics.__set_min_value(std::string(100'000, 'a'));
      header.data_page_header.__set_statistics(statistics);
    }
    pages.push_back(testing::SerializePage(header, body));
    out.page_offsets.push_back(offset);
    offset += pages.back().size();
  }
  std::vector<format::SchemaElement> schema(2);
  schema[0].__set_name("schema");
  schema[0].__set_num_children(1);
  schema[1].__set_name("v");
  schema[1].__set_repetition_type(format::FieldRepetitionType::REQUIRED);
  schema[1].__set_type(format::Type::INT64);
  const auto rows = static_cast<int64_t>(out.values.size());
  const testing::HandChunk chunk{format::Type::INT64, {"v"}, format::CompressionCodec::ZSTD, rows, false, pages};
  out.path = testing::WriteTempFile(name, testing::BuildFile(schema, {{chunk}}, {rows}, mutate));
  return out;
}

TEST(ChunkReadingTest, ManyPagesReadAheadAndDecompressedInParallel) {
  const BigChunk file = BigChunkFile("big_chunk.parquet");
  const ParquetReader reader(file.path);
  const ColumnBuffer column = reader.ReadColumn("v");
  ASSERT_EQ(column.int64s.size(), file.values.size());
  EXPECT_EQ(column.int64s, file.values);
}

TEST(ChunkReadingTest, StreamedPiecesOfEverySizeMatchTheWholeRead) {
  const BigChunk file = BigChunkFile("big_chunk_streamed.parquet");
  const ParquetReader reader(file.path);
  for (const int64_t piece_rows : {int64_t{16384}, int64_t{49'999}, int64_t{1'000'000}, int64_t{5'000'000}}) {
    SCOPED_TRACE(piece_rows);
    testing::ExpectStreamMatchesChunk(reader, 0, 0, piece_rows);
  }
}

TEST(ChunkReadingTest, CorruptPageInTheMiddleIsReportedAtItsOffset) {
  const BigChunk file = BigChunkFile("big_chunk_corrupt.parquet", 10);
  const ParquetReader reader(file.path);
  const std::string where = "page at byte offset " + std::to_string(file.page_offsets[10]) + ": zstd page is corrupt";
  try {
    reader.ReadColumn("v");
    FAIL() << "no error";
  } catch (const ParquetError& e) {
    EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(file.path.string() + ": column 'v', row group 0"), std::string::npos)
        << e.what();
  }
  // A stream hands out the rows of the good pages before it, then fails.
  ColumnChunkStream stream = reader.StreamColumnChunk(0, 0);
  const int64_t good = 1'200'000 + 9 * 50'000;  // pages 0-9
  const ColumnBuffer piece = stream.Read(good);
  ASSERT_EQ(piece.num_rows, good);
  EXPECT_TRUE(std::equal(piece.int64s.begin(), piece.int64s.end(), file.values.begin()));
  for (int attempt = 0; attempt < 2; ++attempt) {  // and again: a failed stream does not go on
    try {
      stream.Read(1);
      FAIL() << "no error";
    } catch (const ParquetError& e) {
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  }
}

TEST(ChunkReadingTest, ChunkShorterThanItsRowGroupFailsInTheStream) {
  // The footer claims one row more than the pages hold.
  const BigChunk file = BigChunkFile("big_chunk_short.parquet", -1, [](format::FileMetaData& meta) {
    meta.row_groups[0].num_rows += 1;
    meta.num_rows += 1;
  });
  const ParquetReader reader(file.path);
  const auto rows = static_cast<int64_t>(file.values.size());
  ColumnChunkStream stream = reader.StreamColumnChunk(0, 0);
  // The pages before the last hand out their rows; the check comes with the last.
  EXPECT_EQ(stream.Read(rows - 60'000).num_rows, rows - 60'000);
  try {
    stream.Read(60'000);
    FAIL() << "no error";
  } catch (const ParquetError& e) {
    EXPECT_NE(std::string(e.what()).find("column chunk holds " + std::to_string(rows) + " rows, the row group " +
                                         std::to_string(rows + 1)),
              std::string::npos)
        << e.what();
  }
}

TEST(ChunkReadingTest, ChunkLongerThanItsRowGroupFailsWithTheLastRows) {
  // The footer claims one row fewer than the pages hold: a stream that has
  // handed out the row group's rows must not stop there unchecked.
  const BigChunk file = BigChunkFile("big_chunk_long.parquet", -1, [](format::FileMetaData& meta) {
    meta.row_groups[0].num_rows -= 1;
    meta.num_rows -= 1;
  });
  const ParquetReader reader(file.path);
  const auto rows = static_cast<int64_t>(file.values.size());
  ColumnChunkStream stream = reader.StreamColumnChunk(0, 0);
  EXPECT_EQ(stream.Read(1000).num_rows, 1000);
  try {
    stream.Read(rows);
    FAIL() << "no error";
  } catch (const ParquetError& e) {
    EXPECT_NE(std::string(e.what()).find("column chunk holds " + std::to_string(rows) + " rows, the row group " +
                                         std::to_string(rows - 1)),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace barforge::parquet
