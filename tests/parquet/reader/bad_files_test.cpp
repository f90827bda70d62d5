// Hand-built files, good and corrupted: the reader must read the good one
// exactly and refuse every corruption with a ParquetError naming the file,
// never crashing or reading out of bounds.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <random>
#include <string>

#include <fmt/format.h>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "parquet/codec.h"
#include "parquet/reader/handmade_file_helpers.h"
#include "parquet/rle.h"
#include "support/temp_dir.h"

namespace barforge::parquet {
namespace {
using testing::BuildFile;
using testing::HandChunk;
using testing::SerializePage;
using testing::WriteTempFile;

const char* const kWords[] = {"open", "high", "low"};
constexpr int64_t kGroupRows[] = {100, 60};

int64_t XValue(int64_t row) { return row * row - 500; }
bool SIsNull(int64_t row) { return row % 4 == 0; }
uint32_t SIndex(int64_t row) { return static_cast<uint32_t>(row % 3); }

struct Corruption {
  bool wrong_uncompressed_size = false;
  bool dictionary_index_out_of_range = false;
  std::function<void(format::FileMetaData&)> mutate;
};

std::vector<uint8_t> Compress(const std::vector<uint8_t>& raw) {
  PageCompressor compressor(Codec::kZstd, 3);
  std::vector<uint8_t> out;
  compressor.Compress(raw, out);
  return out;
}

// Two row groups; x: required INT64, PLAIN, zstd, group 0 split in two pages;
// s: optional STRING, dictionary + RLE_DICTIONARY, zstd.
std::vector<uint8_t> BuildGoodFile(const Corruption& corruption = {}) {
  std::vector<format::SchemaElement> schema(3);
  schema[0].__set_name("schema");
  schema[0].__set_num_children(2);
  schema[1].__set_name("x");
  schema[1].__set_type(format::Type::INT64);
  schema[1].__set_repetition_type(format::FieldRepetitionType::REQUIRED);
  schema[2].__set_name("s");
  schema[2].__set_type(format::Type::BYTE_ARRAY);
  schema[2].__set_repetition_type(format::FieldRepetitionType::OPTIONAL);
  schema[2].__set_converted_type(format::ConvertedType::UTF8);
  std::vector<std::vector<HandChunk>> groups;
  int64_t row = 0;
  for (int64_t group_rows : kGroupRows) {
    HandChunk x{format::Type::INT64, {"x"}, format::CompressionCodec::ZSTD, group_rows, false, {}};
    const int64_t split = group_rows > 80 ? 60 : group_rows;
    for (int64_t begin = 0; begin < group_rows; begin += split) {
      const int64_t end = std::min(group_rows, begin + split);
      std::vector<uint8_t> raw;
      for (int64_t r = begin; r < end; ++r) {
        const int64_t v = XValue(row + r);
        raw.insert(raw.end(), reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + 8);
      }
      const std::vector<uint8_t> body = Compress(raw);
      const size_t claimed = raw.size() + (corruption.wrong_uncompressed_size ? 8 : 0);
      x.pages.push_back(SerializePage(
          testing::DataPageV1Header(end - begin, claimed, body.size(), format::Encoding::PLAIN), body));
    }
    HandChunk s{format::Type::BYTE_ARRAY, {"s"}, format::CompressionCodec::ZSTD, group_rows, true, {}};
    std::vector<uint8_t> dict_raw;
    for (const char* word : kWords) {
      const auto length = static_cast<uint32_t>(std::strlen(word));
      dict_raw.insert(dict_raw.end(), reinterpret_cast<const uint8_t*>(&length),
                      reinterpret_cast<const uint8_t*>(&length) + 4);
      dict_raw.insert(dict_raw.end(), word, word + length);
    }
    const std::vector<uint8_t> dict_body = Compress(dict_raw);
    format::PageHeader dict_header;
    dict_header.__set_type(format::PageType::DICTIONARY_PAGE);
    dict_header.__set_uncompressed_page_size(static_cast<int32_t>(dict_raw.size()));
    dict_header.__set_compressed_page_size(static_cast<int32_t>(dict_body.size()));
    format::DictionaryPageHeader dph;
    dph.__set_num_values(3);
    dph.__set_encoding(format::Encoding::PLAIN);
    dict_header.__set_dictionary_page_header(dph);
    s.pages.push_back(SerializePage(dict_header, dict_body));
    std::vector<uint32_t> defs;
    std::vector<uint32_t> indices;
    for (int64_t r = 0; r < group_rows; ++r) {
      defs.push_back(SIsNull(row + r) ? 0 : 1);
      if (!SIsNull(row + r)) indices.push_back(SIndex(row + r));
    }
    if (corruption.dictionary_index_out_of_range) indices.back() = 3;
    std::vector<uint8_t> levels;
    AppendRleBitPacked(defs, 1, levels);
    std::vector<uint8_t> raw;
    const auto levels_length = static_cast<uint32_t>(levels.size());
    raw.insert(raw.end(), reinterpret_cast<const uint8_t*>(&levels_length),
               reinterpret_cast<const uint8_t*>(&levels_length) + 4);
    raw.insert(raw.end(), levels.begin(), levels.end());
    raw.push_back(2);
    AppendRleBitPacked(indices, 2, raw);
    const std::vector<uint8_t> body = Compress(raw);
    s.pages.push_back(SerializePage(
        testing::DataPageV1Header(group_rows, raw.size(), body.size(), format::Encoding::RLE_DICTIONARY),
        body));
    groups.push_back({x, s});
    row += group_rows;
  }
  return BuildFile(schema, groups, {kGroupRows[0], kGroupRows[1]}, corruption.mutate);
}

// Expects a ParquetError whose message names the file and contains `what`.
void ExpectError(const std::filesystem::path& path, const std::string& what, bool read_columns = true) {
  try {
    const ParquetReader reader(path);
    if (read_columns) {
      for (size_t c = 0; c < reader.columns().size(); ++c) reader.ReadColumn(c);
    }
    ADD_FAILURE() << "no error for " << path << " (expected: " << what << ")";
  } catch (const ParquetError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(HandmadeFileTest, GoodFileReadsExactly) {
  const auto path = WriteTempFile("good.parquet", BuildGoodFile());
  const ParquetReader reader(path);
  ASSERT_EQ(reader.num_rows(), 160);
  ASSERT_EQ(reader.num_row_groups(), 2);
  ASSERT_EQ(reader.columns().size(), 2u);
  EXPECT_EQ(reader.created_by(), "barforge reader tests");
  const ColumnBuffer x = reader.ReadColumn("x");
  EXPECT_FALSE(x.info.nullable);
  ASSERT_EQ(x.int64s.size(), 160u);
  EXPECT_TRUE(x.valid.empty());
  for (int64_t r = 0; r < 160; ++r) EXPECT_EQ(x.int64s[static_cast<size_t>(r)], XValue(r)) << r;
  const ColumnBuffer s = reader.ReadColumn("s");
  EXPECT_TRUE(s.info.nullable);
  EXPECT_EQ(s.info.logical, LogicalKind::kString);
  ASSERT_EQ(s.size(), 160u);
  ASSERT_EQ(s.valid.size(), 160u);
  for (int64_t r = 0; r < 160; ++r) {
    const auto i = static_cast<size_t>(r);
    EXPECT_EQ(s.is_null(i), SIsNull(r)) << r;
    EXPECT_EQ(s.string(i), SIsNull(r) ? "" : kWords[SIndex(r)]) << r;
  }
}

TEST(BadFileTest, MissingFileIsAnIoErrorNamingIt) {
  try {
    ParquetReader reader("/nonexistent/dir/file.parquet");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/file.parquet"), std::string::npos);
  }
}

TEST(BadFileTest, EmptyAndShortFiles) {
  ExpectError(WriteTempFile("empty.parquet", {}), "0 bytes");
  ExpectError(WriteTempFile("short.parquet", {'P', 'A', 'R', '1', 0, 0, 0, 'P', 'A', 'R', '1'}), "11 bytes");
}

TEST(BadFileTest, MissingMagic) {
  std::vector<uint8_t> bytes = BuildGoodFile();
  bytes[0] = 'X';
  ExpectError(WriteTempFile("nohead.parquet", bytes), "no PAR1 magic at byte offset 0");
  bytes = BuildGoodFile();
  bytes.back() = 'X';
  ExpectError(WriteTempFile("notail.parquet", bytes), "no PAR1 magic at the end");
  bytes = BuildGoodFile();
  bytes.resize(bytes.size() - 100);
  ExpectError(WriteTempFile("truncated.parquet", bytes), "no PAR1 magic at the end");
}

TEST(BadFileTest, GarbageBytes) {
  std::mt19937 rng(1);
  std::vector<uint8_t> bytes(4096);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  ExpectError(WriteTempFile("garbage.parquet", bytes), "no PAR1 magic");
  // Garbage between valid magics reaches the footer decoder.
  bytes[0] = bytes[4092] = 'P';
  bytes[1] = bytes[4093] = 'A';
  bytes[2] = bytes[4094] = 'R';
  bytes[3] = bytes[4095] = '1';
  bytes[4088] = 100;
  bytes[4089] = bytes[4090] = bytes[4091] = 0;
  ExpectError(WriteTempFile("garbage2.parquet", bytes), "footer");
}

TEST(BadFileTest, FooterLengthPastTheFile) {
  std::vector<uint8_t> bytes = BuildGoodFile();
  const size_t at = bytes.size() - 8;
  const auto length = static_cast<uint32_t>(bytes.size());
  std::memcpy(bytes.data() + at, &length, 4);
  ExpectError(WriteTempFile("footerlen.parquet", bytes), "footer length");
  const uint32_t zero = 0;
  std::memcpy(bytes.data() + at, &zero, 4);
  ExpectError(WriteTempFile("footerzero.parquet", bytes), "footer length 0");
}

TEST(BadFileTest, FooterLongerThanTheReaderAcceptsIsNotRead) {
  // A sparse 300 MiB file whose footer length claims 280 MiB: refused from
  // the length alone, without reading (or allocating) the claimed bytes.
  ::barforge::testing::TempDir dir;
  const std::filesystem::path path = dir / "huge_footer.parquet";
  constexpr uint64_t kSize = uint64_t{300} << 20;
  constexpr uint32_t kClaimed = uint32_t{280} << 20;
  {
    std::ofstream out(path, std::ios::binary);
    out.write("PAR1", 4);
  }
  std::filesystem::resize_file(path, kSize - 8);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(&kClaimed), 4);
    out.write("PAR1", 4);
  }
  ASSERT_EQ(std::filesystem::file_size(path), kSize);
  EXPECT_THAT([&] { ParquetReader reader(path); },
              ::testing::ThrowsMessage<ParquetError>(::testing::StrEq(fmt::format(
                  "{}: footer length {} (at byte offset {}) is over the 256 MiB this reader accepts", path.string(),
                  kClaimed, kSize - 8))));
  // The largest length accepted is 256 MiB: one byte more is refused too.
  const uint32_t just_over = (uint32_t{256} << 20) + 1;
  {
    std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(static_cast<std::streamoff>(kSize - 8));
    out.write(reinterpret_cast<const char*>(&just_over), 4);
  }
  EXPECT_THAT([&] { ParquetReader reader(path); },
              ::testing::ThrowsMessage<ParquetError>(::testing::HasSubstr("footer length 268435457 ")));
}

TEST(BadFileTest, FifoDirectoryAndDeviceAreRefusedBeforeOpening) {
  ::barforge::testing::TempDir dir;
  const std::filesystem::path fifo = dir / "pipe.parquet";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto attempt = std::async(std::launch::async, [&]() -> std::string {
    try {
      const ParquetReader reader(fifo);
      return "no error";
    } catch (const IoError& e) {
      return e.what();
    }
  });
  if (attempt.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    // open() is waiting for a writer: be one, so the test fails instead of
    // hanging.
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    attempt.wait();
    if (fd >= 0) ::close(fd);
    FAIL() << "opening a FIFO blocked";
  }
  EXPECT_EQ(attempt.get(), "cannot read " + fifo.string() + ": it is a FIFO (named pipe), not a regular file");
  EXPECT_THAT([&] { ParquetReader reader(dir.path()); },
              ::testing::ThrowsMessage<IoError>(::testing::StrEq(
                  "cannot read " + dir.path().string() + ": it is a directory, not a regular file")));
  EXPECT_THAT([&] { ParquetReader reader("/dev/null"); },
              ::testing::ThrowsMessage<IoError>(
                  ::testing::StrEq("cannot read /dev/null: it is a character device, not a regular file")));
}

TEST(BadFileTest, ColumnChunkPastTheEnd) {
  Corruption c;
  c.mutate = [](format::FileMetaData& m) { m.row_groups[1].columns[0].meta_data.total_compressed_size = 1 << 30; };
  ExpectError(WriteTempFile("chunkpast.parquet", BuildGoodFile(c)), "lies outside the file's data");
  c.mutate = [](format::FileMetaData& m) { m.row_groups[0].columns[1].meta_data.data_page_offset = int64_t{1} << 40; };
  ExpectError(WriteTempFile("offsetpast.parquet", BuildGoodFile(c)), "row group 0");
}

TEST(BadFileTest, PageDecompressingToTheWrongSize) {
  Corruption c;
  c.wrong_uncompressed_size = true;
  ExpectError(WriteTempFile("wrongsize.parquet", BuildGoodFile(c)), "column 'x', row group 0, page at byte offset 4");
}

TEST(BadFileTest, CorruptPageHeader) {
  std::vector<uint8_t> bytes = BuildGoodFile();
  for (size_t i = 4; i < 12; ++i) bytes[i] = 0xFF;
  ExpectError(WriteTempFile("pageheader.parquet", bytes), "page at byte offset 4");
}

TEST(BadFileTest, PageEncodingTheFormatDoesNotDefine) {
  // The first page's DataPageHeader (field 5, struct: 0x2C) holds field 1
  // num_values (i32: 0x15) 60 (zigzag 0x78), then field 2 encoding PLAIN
  // (0x15 0x00): make the encoding 60 (0x78), which no encoding is.
  std::vector<uint8_t> bytes = BuildGoodFile();
  const uint8_t pattern[] = {0x2C, 0x15, 0x78, 0x15, 0x00};
  const auto at = std::search(bytes.begin() + 4, bytes.begin() + 40, std::begin(pattern), std::end(pattern));
  ASSERT_NE(at, bytes.begin() + 40);
  at[4] = 0x78;
  ExpectError(WriteTempFile("pageencoding.parquet", bytes),
              "column 'x', row group 0, page at byte offset 4: encoding 60 is not one the format defines");
}

TEST(BadFileTest, NumValuesInconsistentWithThePages) {
  Corruption c;
  c.mutate = [](format::FileMetaData& m) { m.row_groups[0].columns[0].meta_data.num_values += 5; };
  ExpectError(WriteTempFile("numvalues_more.parquet", BuildGoodFile(c)), "of its 105 values");
  c.mutate = [](format::FileMetaData& m) { m.row_groups[0].columns[0].meta_data.num_values -= 5; };
  ExpectError(WriteTempFile("numvalues_less.parquet", BuildGoodFile(c)), "num_values");
  c.mutate = [](format::FileMetaData& m) { m.row_groups[1].num_rows = 61; m.num_rows = 161; };
  ExpectError(WriteTempFile("rows.parquet", BuildGoodFile(c)), "row group 1");
  c.mutate = [](format::FileMetaData& m) { m.num_rows = 7; };
  ExpectError(WriteTempFile("filerows.parquet", BuildGoodFile(c)), "row groups hold 160", false);
}

TEST(BadFileTest, DictionaryIndexOutOfRange) {
  Corruption c;
  c.dictionary_index_out_of_range = true;
  ExpectError(WriteTempFile("dictindex.parquet", BuildGoodFile(c)), "dictionary index 3");
}

TEST(BadFileTest, MissingColumnAndChunkCountMismatch) {
  const auto path = WriteTempFile("good2.parquet", BuildGoodFile());
  const ParquetReader reader(path);
  EXPECT_THROW(reader.ReadColumn("volume"), ParquetError);
  EXPECT_THROW(reader.ReadColumn(size_t{7}), ParquetError);
  EXPECT_THROW(reader.ReadColumnChunk(0, 2), ParquetError);
  Corruption c;
  c.mutate = [](format::FileMetaData& m) { m.row_groups[1].columns.pop_back(); };
  ExpectError(WriteTempFile("chunks.parquet", BuildGoodFile(c)), "row group 1 has 1 column chunks", false);
}

// Reads every column, touching every slot so that a bad offset would show
// under the sanitizers.
void ReadEverything(const std::filesystem::path& path) {
  const ParquetReader reader(path);
  for (size_t c = 0; c < reader.columns().size(); ++c) {
    const ColumnBuffer column = reader.ReadColumn(c);
    for (size_t i = 0; i < column.size(); ++i) {
      if (!column.string_offsets.empty()) (void)column.string(i);
    }
  }
}

TEST(BadFileTest, TruncationAtEveryOffsetIsAParquetError) {
  const std::vector<uint8_t> good = BuildGoodFile();
  for (size_t size = 0; size < good.size(); ++size) {
    std::vector<uint8_t> bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(size));
    // Keep the tail magic and footer length, so the reader gets past the
    // first checks and meets inconsistent offsets.
    if (size >= 12) {
      std::memcpy(bytes.data() + size - 8, good.data() + good.size() - 8, 8);
    }
    EXPECT_THROW(ReadEverything(WriteTempFile("trunc.parquet", bytes)), ParquetError) << "truncated to " << size;
  }
}

TEST(BadFileTest, RandomByteFlipsNeverCrash) {
  const std::vector<uint8_t> good = BuildGoodFile();
  std::mt19937 rng(12345);
  int failures = 0;
  for (int iteration = 0; iteration < 1200; ++iteration) {
    std::vector<uint8_t> bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    }
    try {
      const ParquetReader reader(WriteTempFile("flip.parquet", bytes));
      for (size_t c = 0; c < reader.columns().size(); ++c) reader.ReadColumn(c);
    } catch (const ParquetError&) {
      ++failures;
    }
  }
  // Most flips land in compressed data or metadata, so most reads fail; the
  // count shows the loop really exercised the error paths.
  EXPECT_GT(failures, 400);
}

}  // namespace
}  // namespace barforge::parquet
