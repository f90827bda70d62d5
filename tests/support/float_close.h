#pragma once
// Test support: a float32 output against a long-double reference value.

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace barforge::testing {

/// Within float32 resolution around `reference`, plus a floor for values
/// near 0. `e` (end bar) and `index` (position in the output) name the value.
inline void ExpectFloatClose(float actual, long double reference, const char* what, int64_t e, size_t index) {
  const long double tolerance = std::fabs(reference) * 0x1p-23L + 1e-12L;
  EXPECT_LE(std::fabs(static_cast<long double>(actual) - reference), tolerance)
      << what << " e=" << e << " index=" << index << " actual " << actual << " reference "
      << static_cast<double>(reference);
}

}  // namespace barforge::testing
