#pragma once
// Writes a file's bytes on a thread of its own, so the threads that
// compress pages never wait for write(2) or for the disk: write() into the
// page cache and sync_file_range() both block now and then, and on the
// writer's serial path they would stall every thread. At most
// `max_queued_bytes` wait in memory; Write() blocks beyond that. Every
// kWritebackBytes written, it starts their writeback to disk without
// waiting, so the disk works all along and the final fsync has little left;
// then it waits for the writeback of the range started kRangesInFlight
// ranges before (which has had that long to finish) and drops it from the
// page cache (POSIX_FADV_DONTNEED). A streaming writer never reads back what
// it wrote, so the cache holds at most kRangesInFlight + 1 ranges of the
// file (80 MiB) instead of all of it: a build of tens of GB does not push
// everything else out of memory, and whatever runs next gets the memory
// back. The ranges in flight let the writer ride out a disk that stalls for
// a moment (a journal commit, another process's fsync) without waiting. Durability is unchanged:
// the caller still fsyncs the file; a writeback error seen while waiting
// fails the writer (the wait consumes it, so the fsync would not see it).

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

namespace barforge::parquet {

class WriteBehindFile {
 public:
  static constexpr int64_t kWritebackBytes = 16 << 20;
  static constexpr size_t kRangesInFlight = 4;  ///< handed to writeback, not waited for yet

  /// Appends to the open file `fd` (not owned), whose `offset` bytes are
  /// already written; `path` names it in errors. `writeback_bytes` is the
  /// range handed to writeback at a time (tests make it small).
  WriteBehindFile(int fd, std::filesystem::path path, int64_t offset, int64_t max_queued_bytes,
                  int64_t writeback_bytes = kWritebackBytes);
  /// Stop() without waiting for queued bytes.
  ~WriteBehindFile();
  WriteBehindFile(const WriteBehindFile&) = delete;
  WriteBehindFile& operator=(const WriteBehindFile&) = delete;

  /// Queues `bytes` after those queued before. Throws the IoError of an
  /// earlier failed write, if any.
  void Write(std::vector<uint8_t> bytes);
  /// Waits until everything queued is written; throws the IoError of a
  /// failed write, if any.
  void Flush();
  /// Ends the thread, dropping whatever is still queued. Idempotent.
  void Stop();

 private:
  void Run();
  void WriteOut(const std::vector<uint8_t>& bytes);
  /// Starts writeback of [writeback_start_, offset_); once more than
  /// kRangesInFlight ranges are in flight, waits for the oldest and drops it
  /// from the page cache.
  void HandToWriteback();
  void ThrowIfFailed();

  int fd_;
  std::filesystem::path path_;
  int64_t max_queued_bytes_;
  int64_t writeback_bytes_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<uint8_t>> queue_;
  int64_t queued_bytes_ = 0;
  bool busy_ = false;  ///< the thread is writing an item it took off the queue
  bool stopping_ = false;
  std::exception_ptr error_;
  // Used by the thread only.
  int64_t offset_ = 0;            ///< file offset of the next byte written
  int64_t writeback_start_ = 0;   ///< first byte whose writeback is not started yet
  int64_t drop_start_ = 0;        ///< first byte still in the page cache (page-aligned)
  std::deque<int64_t> started_ends_;  ///< page-aligned ends of the ranges in flight, oldest first
  bool can_drop_ = true;          ///< false once the file system refused sync_file_range's wait
  std::thread thread_;
};

}  // namespace barforge::parquet
