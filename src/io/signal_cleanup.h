#pragma once
// Removing temporaries when the process is interrupted. AtomicFile registers
// each temporary while it exists; a SIGINT or SIGTERM handler (installed by
// the CLI) unlinks them, then lets the signal end the process as it would
// have (exit status 128 + signal: 130, 143).

#include <filesystem>

namespace barforge::io {

/// Installs the SIGINT and SIGTERM handlers. Idempotent.
void InstallSignalCleanup();

/// Registers a temporary path; returns its slot, or -1 when every slot is
/// taken (the file is then not removed on a signal, only by the next run).
int RegisterTemporary(const std::filesystem::path& path) noexcept;

/// Forgets a slot returned by RegisterTemporary (-1 is ignored).
void UnregisterTemporary(int slot) noexcept;

}  // namespace barforge::io
