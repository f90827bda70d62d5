#include "io/signal_cleanup.h"

#include <limits.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>

namespace barforge::io {

namespace {

// Blocks of slots linked into a list that only grows, so that the handler
// walks it without locks or allocation. A slot is free (0), being written
// (1) or holds a path (2); the handler unlinks only the last kind. Blocks
// are allocated outside the handler (by RegisterTemporary) and never freed.
constexpr int kBlockSlots = 128;
constexpr size_t kMaxPath = PATH_MAX;

struct Slot {
  std::atomic<int> state{0};
  char path[kMaxPath];
};

struct Block {
  Slot slots[kBlockSlots];
  std::atomic<Block*> next{nullptr};
};

Block g_first;

extern "C" void CleanupAndReraise(int signal_number) {
  for (Block* block = &g_first; block != nullptr; block = block->next.load(std::memory_order_acquire)) {
    for (Slot& slot : block->slots) {
      if (slot.state.load(std::memory_order_acquire) == 2) ::unlink(slot.path);
    }
  }
  // SA_RESETHAND restored the default action; the signal is blocked while
  // this handler runs and ends the process as soon as it returns.
  ::raise(signal_number);
}

}  // namespace

void InstallSignalCleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = CleanupAndReraise;
    sigemptyset(&action.sa_mask);
    for (const int signal_number : kCleanupSignals) sigaddset(&action.sa_mask, signal_number);
    action.sa_flags = SA_RESETHAND;
    // A file-size limit (ulimit -f) then fails the write with EFBIG, which
    // is reported and cleaned up like a full disk, instead of killing the
    // process and leaving its temporaries.
    struct sigaction xfsz {};
    if (::sigaction(SIGXFSZ, nullptr, &xfsz) == 0 && xfsz.sa_handler == SIG_DFL) ::signal(SIGXFSZ, SIG_IGN);
    for (const int signal_number : kCleanupSignals) {
      struct sigaction current {};
      if (::sigaction(signal_number, nullptr, &current) != 0 || (current.sa_flags & SA_SIGINFO) != 0 ||
          current.sa_handler != SIG_DFL) {
        continue;
      }
      ::sigaction(signal_number, &action, nullptr);
    }
  });
}

CleanupSignalsBlocked::CleanupSignalsBlocked() {
  sigset_t block;
  sigemptyset(&block);
  for (const int signal_number : kCleanupSignals) sigaddset(&block, signal_number);
  pthread_sigmask(SIG_BLOCK, &block, &previous_);
}

CleanupSignalsBlocked::~CleanupSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

int RegisterTemporary(const std::filesystem::path& path) noexcept {
  const std::string& text = path.native();
  if (text.size() >= kMaxPath) return -1;
  int base = 0;
  for (Block* block = &g_first;; base += kBlockSlots) {
    for (int i = 0; i < kBlockSlots; ++i) {
      int expected = 0;
      if (block->slots[i].state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
        std::memcpy(block->slots[i].path, text.c_str(), text.size() + 1);
        block->slots[i].state.store(2, std::memory_order_release);
        return base + i;
      }
    }
    Block* next = block->next.load(std::memory_order_acquire);
    if (next == nullptr) {
      Block* fresh = new (std::nothrow) Block;
      if (fresh == nullptr) return -1;
      // Another thread may have appended one first: then use that.
      if (block->next.compare_exchange_strong(next, fresh, std::memory_order_acq_rel)) {
        next = fresh;
      } else {
        delete fresh;
      }
    }
    block = next;
  }
}

void UnregisterTemporary(int slot) noexcept {
  if (slot < 0) return;
  Block* block = &g_first;
  for (int skip = slot / kBlockSlots; skip > 0 && block != nullptr; --skip) {
    block = block->next.load(std::memory_order_acquire);
  }
  if (block != nullptr) block->slots[slot % kBlockSlots].state.store(0, std::memory_order_release);
}

}  // namespace barforge::io
