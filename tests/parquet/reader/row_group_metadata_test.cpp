// ParquetReader::row_group_metadata: what the footer says of each row group
// and column chunk, checked against what the writer was given and against
// the file's own bytes; enum values the format does not define are refused
// when the file is opened.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "barforge/parquet_writer.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::parquet {
namespace {

using barforge::testing::TempDir;

template <class T>
T Decode(const std::string& bytes) {
  EXPECT_EQ(bytes.size(), sizeof(T));
  T value{};
  std::memcpy(&value, bytes.data(), std::min(bytes.size(), sizeof(T)));
  return value;
}

TEST(RowGroupMetadata, DescribesEachRowGroupAndChunk) {
  TempDir dir;
  const auto path = dir / "m.parquet";
  std::vector<int64_t> ids;
  std::vector<float> window;
  const std::vector<std::string> names = {"BBB", "AAA"};
  std::vector<int32_t> ticker;
  for (int64_t i = 0; i < 500; ++i) {
    ids.push_back(1000 - 3 * i);
    window.push_back(static_cast<float>(i) * 0.5F - 10.0F);
    window.push_back(static_cast<float>(i));
    ticker.push_back(static_cast<int32_t>(i % 2));
  }
  WriterOptions options;
  options.codec = Codec::kSnappy;
  {
    ParquetWriter writer(path,
                         {{"id", ColumnType::kInt64},
                          {"window", ColumnType::kFloatList, TimeUnit::kNanos, 2},
                          {"ticker", ColumnType::kString}},
                         options);
    for (size_t first : {size_t{0}, size_t{300}}) {
      const size_t n = first == 0 ? 300 : 200;
      writer.WriteRowGroup({static_cast<int64_t>(n),
                            {std::span<const int64_t>(ids).subspan(first, n),
                             std::span<const float>(window).subspan(2 * first, 2 * n),
                             DictionaryStrings{names, std::span<const int32_t>(ticker).subspan(first, n)}}});
    }
    writer.Close();
  }
  const ParquetReader reader(path);
  ASSERT_EQ(reader.num_row_groups(), 2);
  int64_t end_of_chunks = 4;  // after the leading magic
  for (int g = 0; g < 2; ++g) {
    const size_t first = g == 0 ? 0 : 300;
    const size_t n = g == 0 ? 300 : 200;
    const RowGroupMetadata group = reader.row_group_metadata(g);
    EXPECT_EQ(group.num_rows, static_cast<int64_t>(n));
    ASSERT_EQ(group.columns.size(), 3u);
    int64_t compressed = 0, uncompressed = 0;
    for (const ColumnChunkMetadata& chunk : group.columns) {
      EXPECT_EQ(chunk.codec, "SNAPPY");
      // Chunks lie back to back from the first byte after the magic.
      EXPECT_EQ(chunk.dictionary_page_offset.value_or(chunk.data_page_offset), end_of_chunks);
      end_of_chunks += chunk.total_compressed_size;
      compressed += chunk.total_compressed_size;
      uncompressed += chunk.total_uncompressed_size;
      ASSERT_TRUE(chunk.statistics.has_value());
      EXPECT_EQ(chunk.statistics->null_count, 0);
    }
    EXPECT_EQ(group.total_compressed_size, compressed);
    EXPECT_EQ(group.total_byte_size, uncompressed);

    const ColumnChunkMetadata& id = group.columns[0];
    EXPECT_EQ(id.path, std::vector<std::string>({"id"}));
    EXPECT_EQ(id.encodings, std::vector<std::string>({"PLAIN"}));
    EXPECT_EQ(id.num_values, static_cast<int64_t>(n));
    EXPECT_FALSE(id.dictionary_page_offset.has_value());
    // ids fall by 3 a row: the first is the largest.
    EXPECT_EQ(Decode<int64_t>(*id.statistics->min), ids[first + n - 1]);
    EXPECT_EQ(Decode<int64_t>(*id.statistics->max), ids[first]);

    const ColumnChunkMetadata& list = group.columns[1];
    EXPECT_EQ(list.path, std::vector<std::string>({"window", "list", "element"}));
    EXPECT_EQ(list.encodings, std::vector<std::string>({"PLAIN", "RLE"}));
    EXPECT_EQ(list.num_values, static_cast<int64_t>(2 * n));
    const auto group_window = window.begin() + static_cast<std::ptrdiff_t>(2 * first);
    const auto group_end = group_window + static_cast<std::ptrdiff_t>(2 * n);
    EXPECT_EQ(Decode<float>(*list.statistics->min), *std::min_element(group_window, group_end));
    EXPECT_EQ(Decode<float>(*list.statistics->max), *std::max_element(group_window, group_end));

    const ColumnChunkMetadata& strings = group.columns[2];
    EXPECT_EQ(strings.encodings, std::vector<std::string>({"PLAIN", "RLE_DICTIONARY"}));
    EXPECT_EQ(strings.dictionary_page_offset, end_of_chunks - strings.total_compressed_size);
    EXPECT_GT(strings.data_page_offset, *strings.dictionary_page_offset);
    EXPECT_EQ(*strings.statistics->min, "AAA");
    EXPECT_EQ(*strings.statistics->max, "BBB");
  }
  EXPECT_THROW(reader.row_group_metadata(2), ParquetError);
  EXPECT_THROW(reader.row_group_metadata(-1), ParquetError);
}

TEST(RowGroupMetadata, AnEncodingTheFormatDoesNotDefineIsRefusedOnOpening) {
  TempDir dir;
  const auto path = dir / "e.parquet";
  const std::vector<float> values = {1, 2, 3};
  WriterOptions options;
  options.float_encoding = FloatEncoding::kByteStreamSplit;  // encodings list: [BYTE_STREAM_SPLIT]
  {
    ParquetWriter writer(path, {{"x", ColumnType::kFloat}}, options);
    writer.WriteRowGroup({3, {std::span<const float>(values)}});
    writer.Close();
  }
  // In the footer, ColumnMetaData field 2 (delta 1, list: 0x19), a list of
  // one i32 (0x15), BYTE_STREAM_SPLIT = 9 (zigzag 0x12): make it 60 (0x78).
  std::string bytes = barforge::testing::ReadFile(path);
  const size_t at = bytes.rfind(std::string("\x19\x15\x12", 3));
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes.find(std::string("\x19\x15\x12", 3)), at) << "not unique";
  bytes[at + 2] = 0x78;
  const auto bad = dir / "bad.parquet";
  barforge::testing::WriteConfig(dir.path(), bytes, "bad.parquet");
  try {
    const ParquetReader reader(bad);
    FAIL() << "opened";
  } catch (const ParquetError& e) {
    EXPECT_EQ(std::string(e.what()), bad.string() + ": row group 0, column 'x': its encodings list holds 60, which is "
                                                    "not an encoding the format defines");
  }
}

}  // namespace
}  // namespace barforge::parquet
