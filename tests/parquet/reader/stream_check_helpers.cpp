#include "parquet/reader/stream_check_helpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace barforge::parquet::testing {
namespace {

template <class T>
bool SameBits(const std::vector<T>& a, size_t i, const std::vector<T>& b, size_t j) {
  return std::memcmp(&a[i], &b[j], sizeof(T)) == 0;
}

bool SameSlot(const ColumnBuffer& piece, size_t i, const ColumnBuffer& whole, size_t j) {
  if (piece.is_null(i) != whole.is_null(j)) return false;
  if (!whole.int32s.empty()) return SameBits(piece.int32s, i, whole.int32s, j);
  if (!whole.int64s.empty()) return SameBits(piece.int64s, i, whole.int64s, j);
  if (!whole.floats.empty()) return SameBits(piece.floats, i, whole.floats, j);
  if (!whole.doubles.empty()) return SameBits(piece.doubles, i, whole.doubles, j);
  return piece.string(i) == whole.string(j);
}

bool NullList(const ColumnBuffer& buffer, size_t row) {
  return !buffer.list_valid.empty() && buffer.list_valid[row] == 0;
}

}  // namespace

void ExpectStreamMatchesChunk(const ParquetReader& reader, size_t column, int group, int64_t piece_rows) {
  const ColumnBuffer whole = reader.ReadColumnChunk(column, group);
  const bool lists = whole.info.max_repetition_level > 0;
  ColumnChunkStream stream = reader.StreamColumnChunk(column, group);
  ColumnBuffer reuse;
  int64_t row = 0;
  while (stream.rows_left() > 0) {
    ASSERT_EQ(stream.rows_left(), whole.num_rows - row);
    ColumnBuffer piece = stream.Read(piece_rows, std::move(reuse));
    const int64_t n = std::min(piece_rows, whole.num_rows - row);
    ASSERT_EQ(piece.num_rows, n) << "at row " << row;
    const auto r0 = static_cast<size_t>(row);
    const size_t first = lists ? static_cast<size_t>(whole.list_offsets[r0]) : r0;
    const size_t last = lists ? static_cast<size_t>(whole.list_offsets[r0 + static_cast<size_t>(n)]) : r0 + static_cast<size_t>(n);
    ASSERT_EQ(piece.size(), last - first) << "at row " << row;
    if (lists) {
      ASSERT_EQ(piece.list_offsets.size(), static_cast<size_t>(n) + 1) << "at row " << row;
      for (size_t r = 0; r <= static_cast<size_t>(n); ++r) {
        ASSERT_EQ(piece.list_offsets[r], whole.list_offsets[r0 + r] - static_cast<int64_t>(first)) << row + static_cast<int64_t>(r);
      }
      for (size_t r = 0; r < static_cast<size_t>(n); ++r) {
        ASSERT_EQ(NullList(piece, r), NullList(whole, r0 + r)) << "row " << row + static_cast<int64_t>(r);
      }
    }
    for (size_t i = 0; i < piece.size(); ++i) {
      ASSERT_TRUE(SameSlot(piece, i, whole, first + i)) << "slot " << first + i << " (row " << row << " on)";
    }
    row += n;
    reuse = std::move(piece);
  }
  EXPECT_EQ(row, whole.num_rows);
  EXPECT_EQ(stream.Read(piece_rows).num_rows, 0);
}

}  // namespace barforge::parquet::testing
