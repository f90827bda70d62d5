#pragma once
// The actions a sample's rewards are for.

namespace barforge {

/// Actions a = -1, 0, +1: the length of the `rewards` list.
inline constexpr int kActionCount = 3;

}  // namespace barforge
