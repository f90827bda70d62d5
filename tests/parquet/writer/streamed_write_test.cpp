// WriteRowGroup streams pages to the file as they are compressed, and
// FloatPages columns compute their values page by page: the bytes must be
// exactly those of plain spans written through Encode + Append, and a
// failure part-way must leave no file behind.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "barforge/error.h"
#include "barforge/parquet_writer.h"
#include "support/barforge_cli.h"

namespace barforge::parquet {
namespace {

using barforge::testing::ReadFile;
using barforge::testing::TempDir;

constexpr int kListSize = 8;

const std::vector<ColumnSpec> kSchema = {{"id", ColumnType::kInt64},
                                         {"list", ColumnType::kFloatList, TimeUnit::kNanos, kListSize},
                                         {"single", ColumnType::kFloat}};

float ListValue(int64_t row, int k) { return std::sin(static_cast<float>(row * kListSize + k)) * 3.0F; }
float SingleValue(int64_t row) { return static_cast<float>(row % 977) * -0.25F; }

// Values of rows [0, rows) of every column, held in full.
struct Columns {
  std::vector<int64_t> ids;
  std::vector<float> list, single;
  explicit Columns(int64_t rows) {
    for (int64_t r = 0; r < rows; ++r) {
      ids.push_back(r * 11 - 5);
      for (int k = 0; k < kListSize; ++k) list.push_back(ListValue(r, k));
      single.push_back(SingleValue(r));
    }
  }
};

// FloatPages sources that compute the same values and record each call.
struct PageSource {
  int64_t first_row = 0;  // row of the row group's first row
  std::filesystem::path watched;  // a file whose size is recorded at each call
  mutable std::mutex mutex;
  mutable std::vector<std::pair<int64_t, int64_t>> calls;  // (first_row, rows)
  mutable std::vector<uintmax_t> watched_sizes;

  void Record(int64_t first, int64_t rows) const {
    const std::lock_guard lock(mutex);
    calls.emplace_back(first, rows);
    if (!watched.empty()) watched_sizes.push_back(std::filesystem::file_size(watched));
  }
  static void FillList(const void* source, int64_t first, int64_t rows, std::span<float> out) {
    const auto* self = static_cast<const PageSource*>(source);
    ASSERT_EQ(out.size(), static_cast<size_t>(rows * kListSize));
    for (int64_t r = 0; r < rows; ++r) {
      for (int k = 0; k < kListSize; ++k) out[static_cast<size_t>(r * kListSize + k)] = ListValue(self->first_row + first + r, k);
    }
    self->Record(first, rows);
  }
  static void FillSingle(const void* source, int64_t first, int64_t rows, std::span<float> out) {
    const auto* self = static_cast<const PageSource*>(source);
    ASSERT_EQ(out.size(), static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) out[static_cast<size_t>(r)] = SingleValue(self->first_row + first + r);
  }
};

RowGroupData SpanRows(const Columns& c, size_t first, size_t n) {
  return {static_cast<int64_t>(n),
          {std::span<const int64_t>(c.ids).subspan(first, n),
           std::span<const float>(c.list).subspan(first * kListSize, n * kListSize),
           std::span<const float>(c.single).subspan(first, n)}};
}

RowGroupData GeneratedRows(const Columns& c, size_t first, size_t n, PageSource& source) {
  source.first_row = static_cast<int64_t>(first);
  return {static_cast<int64_t>(n),
          {std::span<const int64_t>(c.ids).subspan(first, n), FloatPages{&PageSource::FillList, &source},
           FloatPages{&PageSource::FillSingle, &source}}};
}

constexpr size_t kRows = 30000;
constexpr size_t kGroupRows = 12000;

// Reference: spans, encoded whole and appended.
std::string ReferenceBytes(const std::filesystem::path& path, const Columns& c, const WriterOptions& options) {
  ParquetWriter writer(path, kSchema, options);
  for (size_t first = 0; first < kRows; first += kGroupRows) {
    writer.Append(writer.Encode(SpanRows(c, first, std::min(kGroupRows, kRows - first))));
  }
  writer.Close();
  return ReadFile(path);
}

TEST(StreamedWrite, FloatPagesAndSpansGiveTheSameBytesOnAnyThreadCount) {
  TempDir dir;
  const Columns c(kRows);
  for (const FloatEncoding encoding : {FloatEncoding::kPlain, FloatEncoding::kByteStreamSplit}) {
    WriterOptions options;
    options.page_size_bytes = 4000;  // 125 rows per list page: many pages
    options.float_encoding = encoding;
    const std::string reference = ReferenceBytes(dir / "reference.parquet", c, options);
    for (const int threads : {1, 2, 5}) {
      SCOPED_TRACE(::testing::Message() << "BSS=" << (encoding == FloatEncoding::kByteStreamSplit)
                                        << " threads=" << threads);
      options.threads = threads;
      {
        ParquetWriter writer(dir / "spans.parquet", kSchema, options);
        for (size_t first = 0; first < kRows; first += kGroupRows) {
          writer.WriteRowGroup(SpanRows(c, first, std::min(kGroupRows, kRows - first)));
        }
        writer.Close();
      }
      EXPECT_TRUE(ReadFile(dir / "spans.parquet") == reference) << "streamed spans differ";

      ParquetWriter writer(dir / "generated.parquet", kSchema, options);
      for (size_t first = 0; first < kRows; first += kGroupRows) {
        const size_t n = std::min(kGroupRows, kRows - first);
        PageSource source;
        writer.WriteRowGroup(GeneratedRows(c, first, n, source));
        // One call per list page, disjoint, covering the row group once.
        std::sort(source.calls.begin(), source.calls.end());
        ASSERT_EQ(source.calls.size(), (n + 124) / 125);
        int64_t next = 0;
        for (const auto& [call_first, rows] : source.calls) {
          EXPECT_EQ(call_first, next);
          EXPECT_LE(rows, 125);
          next += rows;
        }
        EXPECT_EQ(next, static_cast<int64_t>(n));
      }
      writer.Close();
      EXPECT_TRUE(ReadFile(dir / "generated.parquet") == reference) << "FloatPages differ";
    }
  }
}

// What is held in memory is bounded by the pipeline's tokens (2 pages per
// thread) and the write-behind queue (32 MiB), not by the row group: when
// the last list page is computed, all but that much of the row group before
// it must already be in the file, whatever the timing. A writer that held
// the row group would still show the 4-byte magic.
void FillCheap(const void* source, int64_t first, int64_t rows, std::span<float> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(first + static_cast<int64_t>(i) / kListSize);
  static_cast<const PageSource*>(source)->Record(first, rows);
}

TEST(StreamedWrite, PagesReachTheFileWhileLaterPagesAreComputed) {
  TempDir dir;
  constexpr int64_t kBigRows = 2'500'000;  // ids 20 MB, list 80 MB, single 10 MB
  std::vector<int64_t> ids(kBigRows);
  for (int64_t r = 0; r < kBigRows; ++r) ids[static_cast<size_t>(r)] = r;
  WriterOptions options;
  options.codec = Codec::kUncompressed;  // sizes known in advance; fast
  options.threads = 2;
  ParquetWriter writer(dir / "s.parquet", kSchema, options);
  PageSource source;
  source.watched = writer.temporary_path();
  writer.WriteRowGroup(RowGroupData{kBigRows,
                                    {std::span<const int64_t>(ids), FloatPages{&FillCheap, &source},
                                     FloatPages{&FillCheap, &source}}});
  writer.Close();
  ASSERT_GE(source.watched_sizes.size(), 70u);
  EXPECT_TRUE(std::is_sorted(source.watched_sizes.begin(), source.watched_sizes.end()));
  // Before the last list page: 20 MB of ids and about 79 MB of list pages,
  // less at most 4 pages in flight and 32 MiB queued.
  EXPECT_GT(source.watched_sizes.back(), 50'000'000u) << "pages were held back instead of streamed";
}

TEST(StreamedWrite, AFailingFillFailsTheWriterAndLeavesNoFile) {
  TempDir dir;
  const Columns c(kRows);
  WriterOptions options;
  options.page_size_bytes = 4000;
  options.threads = 2;
  ParquetWriter writer(dir / "f.parquet", kSchema, options);
  writer.WriteRowGroup(SpanRows(c, 0, 1000));
  auto failing = [](const void*, int64_t first, int64_t, std::span<float>) {
    if (first >= 5000) throw std::runtime_error("no values past row 5000");
  };
  RowGroupData data = SpanRows(c, 0, kRows);
  data.columns[1] = FloatPages{failing, nullptr};
  EXPECT_THROW(writer.WriteRowGroup(data), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(writer.temporary_path()));
  EXPECT_THROW(writer.WriteRowGroup(SpanRows(c, 0, 10)), IoError);
  EXPECT_THROW(writer.Close(), IoError);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(StreamedWrite, ASchemaErrorWritesNothingAndKeepsTheWriterUsable) {
  TempDir dir;
  const Columns c(100);
  ParquetWriter writer(dir / "u.parquet", kSchema, {});
  RowGroupData data = SpanRows(c, 0, 100);
  data.columns[2] = FloatPages{};
  try {
    writer.WriteRowGroup(data);
    FAIL() << "no error";
  } catch (const ParquetUsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'single'"), std::string::npos) << e.what();
  }
  data.columns.pop_back();
  EXPECT_THROW(writer.WriteRowGroup(data), ParquetUsageError);
  EXPECT_EQ(writer.bytes_written(), 4);
  writer.WriteRowGroup(SpanRows(c, 0, 100));
  writer.Close();
  EXPECT_EQ(writer.rows_written(), 100);
  EXPECT_TRUE(std::filesystem::exists(dir / "u.parquet"));
}

}  // namespace
}  // namespace barforge::parquet
