// ColumnChunkStream: a column chunk handed out a few rows at a time, decoded
// a page at a time as the rows asked for need.

#include "parquet/reader/column_chunk_stream.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace barforge::parquet {
namespace {

// Values [begin, end) of `from` into `to`, which holds memory to reuse.
template <class T>
void CopyRange(const std::vector<T>& from, size_t begin, size_t end, std::vector<T>& to) {
  to.clear();
  if (!from.empty()) to.assign(from.begin() + static_cast<std::ptrdiff_t>(begin), from.begin() + static_cast<std::ptrdiff_t>(end));
}

// Offsets [begin, end] of `from` into `to`, less from[begin].
void CopyOffsets(const std::vector<int64_t>& from, size_t begin, size_t end, std::vector<int64_t>& to) {
  to.clear();
  for (size_t i = begin; i <= end; ++i) to.push_back(from[i] - from[begin]);
}

template <class T>
void DropFront(std::vector<T>& values, size_t count) {
  if (!values.empty()) values.erase(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(count));
}

// Drops the first `count` entries of offsets that start at 0, rebasing the
// rest to start at 0 again.
void DropFrontOffsets(std::vector<int64_t>& offsets, size_t count) {
  if (offsets.empty()) return;
  const int64_t base = offsets[count];
  offsets.erase(offsets.begin(), offsets.begin() + static_cast<std::ptrdiff_t>(count));
  for (int64_t& offset : offsets) offset -= base;
}

// Rows [row, row + rows) of `from`, which are slots [first, last), into `to`.
void CopyRows(const ColumnBuffer& from, size_t row, size_t rows, size_t first, size_t last, ColumnBuffer& to) {
  CopyRange(from.int32s, first, last, to.int32s);
  CopyRange(from.int64s, first, last, to.int64s);
  CopyRange(from.floats, first, last, to.floats);
  CopyRange(from.doubles, first, last, to.doubles);
  to.string_offsets.clear();
  to.string_bytes.clear();
  if (!from.string_offsets.empty()) {
    CopyOffsets(from.string_offsets, first, last, to.string_offsets);
    CopyRange(from.string_bytes, static_cast<size_t>(from.string_offsets[first]),
              static_cast<size_t>(from.string_offsets[last]), to.string_bytes);
  }
  CopyRange(from.valid, first, last, to.valid);
  to.list_offsets.clear();
  if (!from.list_offsets.empty()) CopyOffsets(from.list_offsets, row, row + rows, to.list_offsets);
  CopyRange(from.list_valid, row, row + rows, to.list_valid);
}

// Values [begin, end) of `values`, moved to `tail` (which holds memory to
// reuse); `values` keeps [0, begin).
template <class T>
void SplitAt(std::vector<T>& values, size_t begin, std::vector<T>& tail) {
  tail.clear();
  if (values.empty()) return;
  tail.assign(values.begin() + static_cast<std::ptrdiff_t>(begin), values.end());
  values.resize(begin);
}

// As SplitAt, for offsets that start at 0: the tail from offsets[begin] on,
// less that; `offsets` keeps [0, begin].
void SplitOffsetsAt(std::vector<int64_t>& offsets, size_t begin, std::vector<int64_t>& tail) {
  tail.clear();
  if (offsets.empty()) return;
  for (size_t i = begin; i < offsets.size(); ++i) tail.push_back(offsets[i] - offsets[begin]);
  offsets.resize(begin + 1);
}

// Moves what follows rows [0, rows) (slots [0, slots)) of `buffer` to `tail`.
void SplitRows(ColumnBuffer& buffer, size_t rows, size_t slots, ColumnBuffer& tail) {
  SplitAt(buffer.int32s, slots, tail.int32s);
  SplitAt(buffer.int64s, slots, tail.int64s);
  SplitAt(buffer.floats, slots, tail.floats);
  SplitAt(buffer.doubles, slots, tail.doubles);
  tail.string_bytes.clear();
  if (!buffer.string_offsets.empty()) SplitAt(buffer.string_bytes, static_cast<size_t>(buffer.string_offsets[slots]), tail.string_bytes);
  SplitOffsetsAt(buffer.string_offsets, slots, tail.string_offsets);
  SplitAt(buffer.valid, slots, tail.valid);
  SplitOffsetsAt(buffer.list_offsets, rows, tail.list_offsets);
  SplitAt(buffer.list_valid, rows, tail.list_valid);
}

// Drops rows [0, rows), which are slots [0, slots), from `buffer`.
void DropRows(ColumnBuffer& buffer, size_t rows, size_t slots) {
  DropFront(buffer.int32s, slots);
  DropFront(buffer.int64s, slots);
  DropFront(buffer.floats, slots);
  DropFront(buffer.doubles, slots);
  if (!buffer.string_offsets.empty()) {
    DropFront(buffer.string_bytes, static_cast<size_t>(buffer.string_offsets[slots]));
    DropFrontOffsets(buffer.string_offsets, slots);
  }
  DropFront(buffer.valid, slots);
  DropFrontOffsets(buffer.list_offsets, rows);
  DropFront(buffer.list_valid, rows);
}

}  // namespace

ColumnChunkStream::ColumnChunkStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
ColumnChunkStream::~ColumnChunkStream() = default;
ColumnChunkStream::ColumnChunkStream(ColumnChunkStream&&) noexcept = default;
ColumnChunkStream& ColumnChunkStream::operator=(ColumnChunkStream&&) noexcept = default;

int64_t ColumnChunkStream::rows_left() const { return state_->rows_total - state_->rows_read; }

ColumnBuffer ColumnChunkStream::Read(int64_t rows, ColumnBuffer reuse) {
  State& s = *state_;
  if (s.error) std::rethrow_exception(s.error);
  try {
    return ReadRows(s, rows, std::move(reuse));
  } catch (...) {
    s.error = std::current_exception();
    throw;
  }
}

ColumnBuffer ColumnChunkStream::ReadRows(State& s, int64_t rows, ColumnBuffer reuse) {
  ColumnBuffer& pending = s.pending;
  const bool lists = pending.info.max_repetition_level > 0;
  rows = std::clamp<int64_t>(rows, 0, s.rows_total - s.rows_read);
  // Rows decoded and not handed out. A list row is complete once the next
  // one has started or the chunk is closed (either adds its end offset); a
  // flat row is one slot.
  const auto complete = [&]() -> int64_t {
    const auto decoded = static_cast<int64_t>(lists ? std::max<size_t>(pending.list_offsets.size(), 1) - 1
                                                    : pending.size());
    return decoded - s.front_rows;
  };
  while (complete() < rows && s.decoder.NextPage()) {
  }
  // The decoder checks that the chunk holds the row group's rows, so a
  // chunk that ends early has thrown by now.
  const auto take = static_cast<size_t>(std::min(rows, complete()));
  if (s.rows_read + static_cast<int64_t>(take) == s.rows_total) {
    // The row group's last rows: the chunk must end here too, which the
    // decoder checks once it has read all of it.
    while (s.decoder.NextPage()) {
    }
  }
  ColumnBuffer out = std::move(reuse);
  if (take == 0) {
    // Nothing to hand out (a list column may not even hold its first offset).
    const ColumnInfo info = pending.info;
    out = ColumnBuffer();
    out.info = info;
    if (lists) out.list_offsets.push_back(0);
    if (!pending.string_offsets.empty()) out.string_offsets.push_back(0);
    return out;
  }
  const auto front = static_cast<size_t>(s.front_rows);
  const size_t first = s.front_slots;
  const size_t last = lists ? static_cast<size_t>(pending.list_offsets[front + take]) : front + take;

  if (front == 0 && 2 * last >= pending.size()) {
    // The rows taken are most of what is held (the rest is part of a page):
    // they keep pending's memory, and pending goes on in out's.
    SplitRows(pending, take, last, out);
    std::swap(pending, out);
    pending.info = out.info;
    // Room for as many values again and the page that overshoots them, so
    // that the next pages do not regrow it (a copy into fresh memory).
    const size_t room = last + last / 4;
    pending.int32s.reserve(out.int32s.empty() ? 0 : room);
    pending.int64s.reserve(out.int64s.empty() ? 0 : room);
    pending.floats.reserve(out.floats.empty() ? 0 : room);
    pending.doubles.reserve(out.doubles.empty() ? 0 : room);
    s.decoder.Consumed(static_cast<int64_t>(take), static_cast<int64_t>(last));
  } else {
    CopyRows(pending, front, take, first, last, out);
    out.info = pending.info;
    s.front_rows += static_cast<int64_t>(take);
    s.front_slots = last;
  }
  out.num_rows = static_cast<int64_t>(take);
  // What was handed out goes once it is most of what is held, so each value
  // moves at most once more.
  if (s.front_slots > 0 && 2 * s.front_slots >= pending.size()) {
    DropRows(pending, static_cast<size_t>(s.front_rows), s.front_slots);
    s.decoder.Consumed(s.front_rows, static_cast<int64_t>(s.front_slots));
    s.front_rows = 0;
    s.front_slots = 0;
  }
  s.rows_read += static_cast<int64_t>(take);
  reader::DropAllValid(out);
  return out;
}

}  // namespace barforge::parquet
