#pragma once
// Removing temporaries when the process is interrupted. AtomicFile registers
// each temporary while it exists; a handler for SIGINT, SIGTERM, SIGHUP (a
// closed terminal, a dropped SSH connection), SIGQUIT and SIGPIPE unlinks
// them all, then lets the signal end the process as it would have (exit
// status 128 + signal: 130, 143, 129, ...).

#include <signal.h>

#include <array>
#include <filesystem>

namespace barforge::io {

/// The signals whose default action the cleanup handler takes over.
inline constexpr std::array<int, 5> kCleanupSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};

/// Installs the handler for every signal of kCleanupSignals whose action is
/// the default one: a signal the parent ignores stays ignored, a handler
/// someone else installed (Python's for SIGINT) stays theirs. Idempotent.
void InstallSignalCleanup();

/// Blocks kCleanupSignals in the calling thread while it lives, so that a
/// temporary is registered before a signal can end the process.
class CleanupSignalsBlocked {
 public:
  CleanupSignalsBlocked();
  ~CleanupSignalsBlocked();
  CleanupSignalsBlocked(const CleanupSignalsBlocked&) = delete;
  CleanupSignalsBlocked& operator=(const CleanupSignalsBlocked&) = delete;

 private:
  sigset_t previous_;
};

/// Registers a temporary path; returns its slot. Slots grow in blocks as
/// needed (no limit on the number of temporaries); -1 only for a path of
/// PATH_MAX bytes or more, or when no memory is left for a new block (that
/// file is then removed by the next run, not on a signal).
int RegisterTemporary(const std::filesystem::path& path) noexcept;

/// Forgets a slot returned by RegisterTemporary (-1 is ignored).
void UnregisterTemporary(int slot) noexcept;

}  // namespace barforge::io
