// The writer's file layout, statistics, determinism and failure safety,
// checked on the bytes it writes (footer decoded with the Thrift structs).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "barforge/error.h"
#include "barforge/parquet_writer.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/thrift_io.h"
#include "support/barforge_cli.h"

namespace barforge::parquet {
namespace {

using barforge::testing::ReadFile;
using barforge::testing::TempDir;

struct Data {
  std::vector<int64_t> ids;
  std::vector<float> list;  // 4 per row
  std::vector<float> single;
  std::vector<std::string> names = {"x", "yy", "zzz"};
  std::vector<int32_t> name_index;
};

Data MakeData(int64_t rows) {
  Data d;
  for (int64_t i = 0; i < rows; ++i) {
    d.ids.push_back(i * 3 - 7);
    for (int k = 0; k < 4; ++k) d.list.push_back(std::sin(static_cast<float>(i * 4 + k)));
    d.single.push_back(static_cast<float>(i) * 0.5F - 3.0F);
    d.name_index.push_back(static_cast<int32_t>((i * 7) % 3));
  }
  return d;
}

const std::vector<ColumnSpec> kSchema = {{"id", ColumnType::kInt64},
                                         {"list", ColumnType::kFloatList, TimeUnit::kNanos, 4},
                                         {"single", ColumnType::kFloat},
                                         {"name", ColumnType::kString}};

RowGroupData View(const Data& d, size_t first, size_t n) {
  return {static_cast<int64_t>(n),
          {std::span<const int64_t>(d.ids).subspan(first, n), std::span<const float>(d.list).subspan(first * 4, n * 4),
           std::span<const float>(d.single).subspan(first, n),
           DictionaryStrings{d.names, std::span<const int32_t>(d.name_index).subspan(first, n)}}};
}

void WriteFile(const std::filesystem::path& path, const Data& d, WriterOptions options, size_t group_rows) {
  ParquetWriter writer(path, kSchema, std::move(options));
  for (size_t first = 0; first < d.ids.size(); first += group_rows) {
    writer.WriteRowGroup(View(d, first, std::min(group_rows, d.ids.size() - first)));
  }
  writer.Close();
}

format::FileMetaData Footer(const std::string& bytes) {
  EXPECT_EQ(bytes.substr(0, 4), "PAR1");
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "PAR1");
  uint32_t length = 0;
  std::memcpy(&length, bytes.data() + bytes.size() - 8, 4);
  format::FileMetaData meta;
  ReadThrift(reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size() - 8 - length, length, &meta, "footer");
  return meta;
}

format::PageHeader PageAt(const std::string& bytes, int64_t offset, size_t* header_size = nullptr) {
  format::PageHeader header;
  const size_t used = ReadThrift(reinterpret_cast<const uint8_t*>(bytes.data()) + offset,
                                 bytes.size() - static_cast<size_t>(offset), &header, "page header");
  if (header_size != nullptr) *header_size = used;
  return header;
}

TEST(WriterFile, FooterDescribesThePagesExactly) {
  TempDir dir;
  const Data d = MakeData(5000);
  WriterOptions options;
  options.page_size_bytes = 4096;  // many pages per chunk
  options.key_value_metadata = {{"a", "1"}};
  const auto path = dir / "f.parquet";
  {
    ParquetWriter writer(path, kSchema, options);
    writer.WriteRowGroup(View(d, 0, 3000));
    writer.WriteRowGroup(View(d, 3000, 2000));
    writer.SetKeyValue("b", "late");
    writer.Close();
    EXPECT_EQ(writer.rows_written(), 5000);
    EXPECT_EQ(writer.bytes_written(), static_cast<int64_t>(std::filesystem::file_size(path)));
  }
  const std::string bytes = ReadFile(path);
  const format::FileMetaData meta = Footer(bytes);
  EXPECT_EQ(meta.num_rows, 5000);
  EXPECT_EQ(meta.created_by.rfind("barforge version ", 0), 0u) << meta.created_by;
  ASSERT_EQ(meta.column_orders.size(), 4u);
  ASSERT_EQ(meta.key_value_metadata.size(), 2u);
  EXPECT_EQ(meta.key_value_metadata[1].key, "b");
  EXPECT_EQ(meta.key_value_metadata[1].value, "late");
  // Schema: root, id, list -> list -> element, single, name.
  ASSERT_EQ(meta.schema.size(), 7u);
  EXPECT_EQ(meta.schema[0].num_children, 4);
  EXPECT_EQ(meta.schema[2].converted_type, format::ConvertedType::LIST);
  EXPECT_EQ(meta.schema[3].repetition_type, format::FieldRepetitionType::REPEATED);
  EXPECT_EQ(meta.schema[4].name, "element");
  ASSERT_EQ(meta.row_groups.size(), 2u);

  int64_t expected_offset = 4;
  for (size_t g = 0; g < 2; ++g) {
    const format::RowGroup& group = meta.row_groups[g];
    const int64_t rows = g == 0 ? 3000 : 2000;
    EXPECT_EQ(group.num_rows, rows);
    EXPECT_EQ(group.file_offset, expected_offset);
    EXPECT_EQ(group.ordinal, static_cast<int16_t>(g));
    int64_t compressed_sum = 0, uncompressed_sum = 0;
    for (size_t c = 0; c < 4; ++c) {
      const format::ColumnMetaData& column = group.columns[c].meta_data;
      const int64_t values_per_row = c == 1 ? 4 : 1;
      EXPECT_EQ(column.num_values, rows * values_per_row) << c;
      const bool dictionary = c == 3;
      EXPECT_EQ(column.__isset.dictionary_page_offset, dictionary) << c;
      int64_t offset = dictionary ? column.dictionary_page_offset : column.data_page_offset;
      EXPECT_EQ(offset, expected_offset) << "chunk " << c << " must start where the previous ended";
      // Walk the pages: sizes add up, data pages start at row boundaries
      // (list pages hold whole rows) and the first data page is where the
      // metadata says.
      int64_t values = 0, compressed = 0, uncompressed = 0;
      bool first_data = true;
      while (offset < expected_offset + column.total_compressed_size) {
        size_t header_size = 0;
        const format::PageHeader page = PageAt(bytes, offset, &header_size);
        if (page.type == format::PageType::DATA_PAGE) {
          if (first_data) {
            EXPECT_EQ(offset, column.data_page_offset) << c;
          }
          first_data = false;
          values += page.data_page_header.num_values;
          EXPECT_EQ(page.data_page_header.num_values % values_per_row, 0) << "a row split across pages";
          // Values fill about page_size_bytes; levels add up to one bit per value.
          EXPECT_LE(page.uncompressed_page_size, 4096 + 4096 / 8 + 64) << "page much larger than page_size_bytes";
          EXPECT_GE(page.uncompressed_page_size, offset + page.compressed_page_size + static_cast<int64_t>(header_size) >= expected_offset + column.total_compressed_size ? 0 : 3000) << "only the last page may be short";
        } else {
          EXPECT_EQ(page.type, format::PageType::DICTIONARY_PAGE);
          EXPECT_EQ(page.dictionary_page_header.num_values, 3);
        }
        compressed += static_cast<int64_t>(header_size) + page.compressed_page_size;
        uncompressed += static_cast<int64_t>(header_size) + page.uncompressed_page_size;
        offset += static_cast<int64_t>(header_size) + page.compressed_page_size;
      }
      EXPECT_EQ(values, column.num_values) << c;
      EXPECT_EQ(compressed, column.total_compressed_size) << c;
      EXPECT_EQ(uncompressed, column.total_uncompressed_size) << c;
      compressed_sum += compressed;
      uncompressed_sum += uncompressed;
      expected_offset = offset;
    }
    EXPECT_EQ(group.total_compressed_size, compressed_sum);
    EXPECT_EQ(group.total_byte_size, uncompressed_sum);
  }
  EXPECT_EQ(expected_offset + 8 + static_cast<int64_t>(bytes.size()) - expected_offset - 8,
            static_cast<int64_t>(bytes.size()));
}

TEST(WriterFile, StatisticsMatchTheValues) {
  TempDir dir;
  const Data d = MakeData(1000);
  const auto path = dir / "s.parquet";
  WriteFile(path, d, {}, 1000);
  const format::FileMetaData meta = Footer(ReadFile(path));
  auto as = [](const std::string& bytes, auto zero) {
    decltype(zero) v;
    std::memcpy(&v, bytes.data(), sizeof v);
    return v;
  };
  const auto& columns = meta.row_groups[0].columns;
  EXPECT_EQ(as(columns[0].meta_data.statistics.min_value, int64_t{}), -7);
  EXPECT_EQ(as(columns[0].meta_data.statistics.max_value, int64_t{}), 999 * 3 - 7);
  float lo = 1, hi = -1;
  for (float v : d.list) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(as(columns[1].meta_data.statistics.min_value, float{}), lo);
  EXPECT_EQ(as(columns[1].meta_data.statistics.max_value, float{}), hi);
  EXPECT_EQ(columns[3].meta_data.statistics.min_value, "x");
  EXPECT_EQ(columns[3].meta_data.statistics.max_value, "zzz");
  EXPECT_FALSE(columns[3].meta_data.statistics.__isset.min) << "no legacy min for strings";
  for (const auto& column : columns) EXPECT_EQ(column.meta_data.statistics.null_count, 0);
}

TEST(WriterFile, NoMinMaxWhenNanAndSignedZeroExtremes) {
  TempDir dir;
  const std::vector<float> with_nan = {1.0F, std::numeric_limits<float>::quiet_NaN(), -2.0F};
  const std::vector<float> zeros = {0.0F, 0.0F, 1.0F};
  const auto path = dir / "n.parquet";
  ParquetWriter writer(path, {{"a", ColumnType::kFloat}, {"b", ColumnType::kFloat}}, {});
  writer.WriteRowGroup({3, {std::span<const float>(with_nan), std::span<const float>(zeros)}});
  writer.Close();
  const format::FileMetaData meta = Footer(ReadFile(path));
  const auto& a = meta.row_groups[0].columns[0].meta_data.statistics;
  EXPECT_FALSE(a.__isset.min_value);
  EXPECT_FALSE(a.__isset.max_value);
  EXPECT_TRUE(a.__isset.null_count);
  const auto& b = meta.row_groups[0].columns[1].meta_data.statistics;
  float min = 0;
  std::memcpy(&min, b.min_value.data(), 4);
  EXPECT_TRUE(min == 0 && std::signbit(min)) << "a zero minimum is written as -0.0";
}

TEST(WriterFile, BytesDoNotDependOnThreadsOrEncodeOrder) {
  TempDir dir;
  const Data d = MakeData(20000);
  WriterOptions one;
  one.page_size_bytes = 8192;
  WriterOptions two = one;
  two.threads = 2;
  WriteFile(dir / "one.parquet", d, one, 6000);
  WriteFile(dir / "two.parquet", d, two, 6000);
  // Encode several row groups at once on different threads, append in order.
  {
    ParquetWriter writer(dir / "pipelined.parquet", kSchema, two);
    std::vector<EncodedRowGroup> groups(4);
    std::vector<std::thread> threads;
    for (size_t g = 0; g < 4; ++g) {
      threads.emplace_back([&, g] {
        const size_t first = g * 6000;
        groups[g] = writer.Encode(View(d, first, std::min<size_t>(6000, 20000 - first)));
      });
    }
    for (auto& t : threads) t.join();
    for (auto& group : groups) writer.Append(std::move(group));
    writer.Close();
  }
  const std::string reference = ReadFile(dir / "one.parquet");
  EXPECT_TRUE(reference == ReadFile(dir / "two.parquet"));
  EXPECT_TRUE(reference == ReadFile(dir / "pipelined.parquet"));
}

size_t CountFiles(const std::filesystem::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(WriterFile, DestroyedWithoutCloseLeavesNothing) {
  TempDir dir;
  const Data d = MakeData(100);
  {
    ParquetWriter writer(dir / "x.parquet", kSchema, {});
    writer.WriteRowGroup(View(d, 0, 100));
    EXPECT_TRUE(std::filesystem::exists(writer.temporary_path()));
    EXPECT_EQ(writer.temporary_path().parent_path(), dir.path());
    EXPECT_FALSE(std::filesystem::exists(dir / "x.parquet"));
  }
  EXPECT_EQ(CountFiles(dir.path()), 0u);
}

TEST(WriterFile, WriteFailureThrowsAndLeavesNothing) {
  // A forked child limits its file size, so write() fails with EFBIG as it
  // would on a full disk.
  TempDir dir;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit{200000, 200000};
    setrlimit(RLIMIT_FSIZE, &limit);
    const Data d = MakeData(50000);
    try {
      WriterOptions options;
      options.codec = Codec::kUncompressed;
      ParquetWriter writer(dir / "big.parquet", kSchema, options);
      writer.WriteRowGroup(View(d, 0, 50000));
      writer.Close();
    } catch (const IoError& e) {
      const std::string what = e.what();
      _exit(what.find("big.parquet") != std::string::npos && what.find("write failed") != std::string::npos ? 42 : 2);
    } catch (...) {
      _exit(3);
    }
    _exit(4);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42) << "expected an IoError naming the file";
  EXPECT_EQ(CountFiles(dir.path()), 0u) << "the temporary file must be removed";
}

TEST(WriterFile, UnwritableFolderNamesThePath) {
  TempDir dir;
  barforge::testing::WriteConfig(dir.path(), "x", "file");
  try {
    ParquetWriter writer(dir / "file" / "out.parquet", kSchema, {});
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("out.parquet"), std::string::npos) << e.what();
  }
}

TEST(WriterFile, DataThatDoesNotMatchTheSchemaNamesTheColumn) {
  TempDir dir;
  const Data d = MakeData(10);
  ParquetWriter writer(dir / "bad.parquet", kSchema, {});
  auto expect_error = [&](RowGroupData data, const std::string& needle) {
    try {
      writer.Encode(data);
      FAIL() << "no error for " << needle;
    } catch (const ParquetUsageError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  RowGroupData data = View(d, 0, 10);
  data.columns.pop_back();
  expect_error(data, "columns");
  data = View(d, 0, 10);
  data.columns[0] = std::span<const float>(d.single);
  expect_error(data, "'id'");
  data = View(d, 0, 10);
  data.columns[1] = std::span<const float>(d.list).subspan(0, 39);
  expect_error(data, "'list'");
  const std::vector<int32_t> bad_index(10, 3);
  data = View(d, 0, 10);
  data.columns[3] = DictionaryStrings{d.names, bad_index};
  expect_error(data, "'name'");
  EXPECT_THROW(ParquetWriter(dir / "x.parquet", {{"l", ColumnType::kFloatList, TimeUnit::kNanos, 0}}, {}),
               ParquetUsageError);
  EXPECT_THROW(ParquetWriter(dir / "x.parquet", {{"a", ColumnType::kInt64}, {"a", ColumnType::kInt64}}, {}),
               ParquetUsageError);
  WriterOptions bad_level;
  bad_level.codec = Codec::kGzip;
  bad_level.compression_level = 12;
  EXPECT_THROW(ParquetWriter(dir / "x.parquet", kSchema, bad_level), ParquetUsageError);
}

TEST(WriterFile, CloseTwiceIsHarmless) {
  TempDir dir;
  const Data d = MakeData(10);
  ParquetWriter writer(dir / "c.parquet", kSchema, {});
  writer.WriteRowGroup(View(d, 0, 10));
  writer.Close();
  const std::string bytes = ReadFile(dir / "c.parquet");
  writer.Close();
  EXPECT_EQ(ReadFile(dir / "c.parquet"), bytes);
  EXPECT_THROW(writer.WriteRowGroup(View(d, 0, 10)), IoError);
}

}  // namespace
}  // namespace barforge::parquet
