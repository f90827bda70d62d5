#pragma once
// The process's peak memory, for the build summary.

#include <cstdint>

namespace barforge {

/// Peak resident set size of this process so far, in bytes.
int64_t PeakRssBytes();

}  // namespace barforge
