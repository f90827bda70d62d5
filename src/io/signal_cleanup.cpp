#include "io/signal_cleanup.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace barforge::io {

namespace {

// A fixed table, so that the handler reads it without locks or allocation.
// A slot is free (0), being written (1) or holds a path (2); the handler
// unlinks only the last kind.
constexpr int kSlots = 128;
constexpr size_t kMaxPath = 4096;

struct Slot {
  std::atomic<int> state{0};
  char path[kMaxPath];
};

Slot g_slots[kSlots];

extern "C" void CleanupAndReraise(int signal_number) {
  for (Slot& slot : g_slots) {
    if (slot.state.load(std::memory_order_acquire) == 2) ::unlink(slot.path);
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
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    action.sa_flags = SA_RESETHAND;
    // A file-size limit (ulimit -f) then fails the write with EFBIG, which
    // is reported and cleaned up like a full disk, instead of killing the
    // process and leaving its temporaries.
    ::signal(SIGXFSZ, SIG_IGN);
    // A signal the parent ignores (a background job of a shell) stays ignored.
    for (const int signal_number : {SIGINT, SIGTERM}) {
      struct sigaction current {};
      if (::sigaction(signal_number, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
      ::sigaction(signal_number, &action, nullptr);
    }
  });
}

int RegisterTemporary(const std::filesystem::path& path) noexcept {
  const std::string& text = path.native();
  if (text.size() >= kMaxPath) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_slots[i].state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
      std::memcpy(g_slots[i].path, text.c_str(), text.size() + 1);
      g_slots[i].state.store(2, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void UnregisterTemporary(int slot) noexcept {
  if (slot < 0 || slot >= kSlots) return;
  g_slots[slot].state.store(0, std::memory_order_release);
}

}  // namespace barforge::io
