#include "parquet/writer/write_behind_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "barforge/error.h"

namespace barforge::parquet {

namespace {

int64_t PageFloor(int64_t offset) {
  static const int64_t page = ::sysconf(_SC_PAGESIZE);
  return offset - offset % page;
}

}  // namespace

WriteBehindFile::WriteBehindFile(int fd, std::filesystem::path path, int64_t offset, int64_t max_queued_bytes,
                                 int64_t writeback_bytes)
    : fd_(fd),
      path_(std::move(path)),
      max_queued_bytes_(max_queued_bytes),
      writeback_bytes_(writeback_bytes),
      offset_(offset),
      writeback_start_(offset),
      drop_start_(PageFloor(offset)),
      thread_([this] { Run(); }) {}

WriteBehindFile::~WriteBehindFile() { Stop(); }

void WriteBehindFile::Stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WriteBehindFile::ThrowIfFailed() {
  if (error_) std::rethrow_exception(error_);
  if (stopping_) throw IoError(fmt::format("{}: writer is closed", path_.string()));
}

void WriteBehindFile::Write(std::vector<uint8_t> bytes) {
  if (bytes.empty()) return;
  const auto size = static_cast<int64_t>(bytes.size());
  std::unique_lock lock(mutex_);
  // One item larger than the cap still goes through, alone.
  changed_.wait(lock,
                [&] { return error_ || stopping_ || queued_bytes_ == 0 || queued_bytes_ + size <= max_queued_bytes_; });
  ThrowIfFailed();
  queued_bytes_ += size;
  queue_.push_back(std::move(bytes));
  lock.unlock();
  changed_.notify_all();
}

void WriteBehindFile::Flush() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return error_ || stopping_ || (queue_.empty() && !busy_); });
  ThrowIfFailed();
}

void WriteBehindFile::WriteOut(const std::vector<uint8_t>& bytes) {
  const uint8_t* data = bytes.data();
  size_t size = bytes.size();
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("{}: write failed: {}", path_.string(), std::strerror(errno)));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  offset_ += static_cast<int64_t>(bytes.size());
  if (offset_ - writeback_start_ >= writeback_bytes_) HandToWriteback();
}

void WriteBehindFile::HandToWriteback() {
  ::sync_file_range(fd_, writeback_start_, offset_ - writeback_start_, SYNC_FILE_RANGE_WRITE);
  writeback_start_ = offset_;
  // Whole pages only: the page this range shares with the next one (still
  // being written) is dropped with the next.
  started_ends_.push_back(PageFloor(offset_));
  if (started_ends_.size() <= kRangesInFlight) return;
  const int64_t drop_end = started_ends_.front();
  started_ends_.pop_front();
  if (!can_drop_ || drop_end <= drop_start_) return;
  if (::sync_file_range(fd_, drop_start_, drop_end - drop_start_,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
    if (errno == EINVAL || errno == ESPIPE || errno == ENOSYS) {
      can_drop_ = false;  // not a file whose writeback can be waited for: leave the cache to the kernel
      return;
    }
    // The wait took the error from the file (the final fsync would not see
    // it again): the file is not what was written, so the writer fails.
    throw IoError(fmt::format("{}: write failed: {}", path_.string(), std::strerror(errno)));
  }
  // Advice only: a page another process reads or maps stays cached.
  ::posix_fadvise(fd_, drop_start_, drop_end - drop_start_, POSIX_FADV_DONTNEED);
  drop_start_ = drop_end;
}

void WriteBehindFile::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::vector<uint8_t> bytes = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();

    std::exception_ptr error;
    try {
      WriteOut(bytes);
    } catch (...) {
      error = std::current_exception();
    }
    const auto written = static_cast<int64_t>(bytes.size());
    std::vector<uint8_t>().swap(bytes);  // free the page here, not under the lock

    lock.lock();
    busy_ = false;
    queued_bytes_ -= written;
    if (error) {
      error_ = error;
      queue_.clear();
      queued_bytes_ = 0;
    }
    changed_.notify_all();
    if (error_) return;
  }
}

}  // namespace barforge::parquet
