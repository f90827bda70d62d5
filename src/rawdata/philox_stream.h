#pragma once
// Philox4x32-10 draws for the synthetic market and the sampler: stateless,
// so any value is a pure function of (key, counter).

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>

#include <Random123/philox.h>

namespace barforge {

using PhiloxWords = std::array<uint32_t, 4>;

/// Philox4x32-10 of `counter` under the 64-bit `key` (low word first).
inline PhiloxWords PhiloxDraw(uint64_t key, const PhiloxWords& counter) {
  r123::Philox4x32 generator;
  const r123::Philox4x32::ctr_type ctr = {{counter[0], counter[1], counter[2], counter[3]}};
  const r123::Philox4x32::key_type k = {{static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32)}};
  const r123::Philox4x32::ctr_type out = generator(ctr, k);
  return {out.v[0], out.v[1], out.v[2], out.v[3]};
}

/// FNV-1a 64-bit hash: stable across platforms and releases.
inline uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

/// Uniform in (0, 1]: never 0, so its logarithm is finite.
inline double UnitOpenClosed(uint32_t word) { return (static_cast<double>(word) + 1.0) * 0x1p-32; }

/// Two independent standard normals from two words (Box-Muller).
inline std::array<double, 2> NormalPair(uint32_t a, uint32_t b) {
  const double radius = std::sqrt(-2.0 * std::log(UnitOpenClosed(a)));
  const double angle = 2.0 * std::numbers::pi * (static_cast<double>(b) * 0x1p-32);
  return {radius * std::cos(angle), radius * std::sin(angle)};
}

}  // namespace barforge
