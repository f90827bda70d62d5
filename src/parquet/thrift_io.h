#pragma once
// Thrift compact-protocol (de)serialisation of Parquet metadata structures.

#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "barforge/error.h"

namespace barforge::parquet {

/// Appends the compact-protocol encoding of `value` (a generated struct).
template <class T>
void AppendThrift(const T& value, std::vector<uint8_t>& out) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TCompactProtocolT<apache::thrift::transport::TMemoryBuffer> protocol(buffer);
  value.write(&protocol);
  uint8_t* data = nullptr;
  uint32_t size = 0;
  buffer->getBuffer(&data, &size);
  out.insert(out.end(), data, data + size);
}

/// Decodes one struct from the front of [data, data+size) into `value` and
/// returns the bytes it used. Throws ParquetError (message `what` plus the
/// Thrift reason) on malformed or truncated input.
template <class T>
size_t ReadThrift(const uint8_t* data, size_t size, T* value, const char* what) {
  // Bounds keep corrupt input from asking for huge strings or lists. Every
  // element of a list takes at least one byte (an empty struct is its stop
  // byte), so no list is longer than the input; Thrift's own check counts
  // a struct as zero bytes, so without this an 800-byte footer claiming a
  // list of millions of schema elements allocated them all (1.9 GB, 6 s).
  constexpr int32_t kStringLimit = 256 << 20;
  constexpr int32_t kContainerLimit = 64 << 20;
  const auto bounded = [size](int32_t limit) {
    return static_cast<int32_t>(std::max<size_t>(std::min<size_t>(size, static_cast<size_t>(limit)), 1));
  };
  const auto observed = static_cast<uint32_t>(std::min<size_t>(size, uint32_t{0xFFFFFFFFu}));
  auto config = std::make_shared<apache::thrift::TConfiguration>(
      std::max<int>(static_cast<int>(std::min<size_t>(size, 1u << 30)), 1), 1 << 30, 64);
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>(
      const_cast<uint8_t*>(data), observed, apache::thrift::transport::TMemoryBuffer::OBSERVE, config);
  apache::thrift::protocol::TCompactProtocolT<apache::thrift::transport::TMemoryBuffer> protocol(
      buffer, bounded(kStringLimit), bounded(kContainerLimit));
  try {
    value->read(&protocol);
  } catch (const std::exception& e) {
    throw ParquetError(std::string(what) + " is corrupt: " + e.what());
  }
  return observed - buffer->available_read();
}

}  // namespace barforge::parquet
