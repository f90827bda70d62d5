#pragma once
// How barforge writes a point in time in messages and output.

#include <cstdint>
#include <string>

namespace barforge {

/// ns since the epoch as ISO-8601 UTC ("2020-01-01T00:01:00Z", with a
/// fraction only when it is not zero), for messages and output.
std::string FormatTimestampNs(int64_t timestamp_ns);

}  // namespace barforge
