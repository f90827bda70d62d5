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
#include "gen-cpp/parquet_types.h"

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

/// Memory the lists of a decoded structure may claim, per byte of its
/// encoding (plus kThriftMemorySlack): the generated code sizes a list for
/// the count its header claims before reading an element, and an element
/// can be a one-byte empty struct, so without this a few MB of footer
/// could claim GBs. Real footers need 3 to 20 (those of barforge, DuckDB,
/// arrow-rs and hyparquet files: a column chunk's metadata is a few dozen
/// bytes, its struct 392).
inline constexpr uint64_t kThriftMemoryPerByte = 64;
inline constexpr uint64_t kThriftMemorySlack = uint64_t{1} << 20;

namespace detail {

/// The compact protocol, counting what the lists it reads claim: each
/// element at the size of the largest struct a Parquet list holds (or of
/// its scalar type), against a budget; over it, it throws.
class BoundedCompactProtocol final
    : public apache::thrift::protocol::TCompactProtocolT<apache::thrift::transport::TMemoryBuffer> {
 public:
  using Base = apache::thrift::protocol::TCompactProtocolT<apache::thrift::transport::TMemoryBuffer>;
  BoundedCompactProtocol(std::shared_ptr<apache::thrift::transport::TMemoryBuffer> buffer, int32_t string_limit,
                         int32_t container_limit, uint64_t budget)
      : Base(std::move(buffer), string_limit, container_limit), budget_(budget) {}

  uint32_t readListBegin_virt(apache::thrift::protocol::TType& elem_type, uint32_t& size) override {
    const uint32_t used = Base::readListBegin(elem_type, size);
    Charge(size, ElementBytes(elem_type));
    return used;
  }
  uint32_t readSetBegin_virt(apache::thrift::protocol::TType& elem_type, uint32_t& size) override {
    const uint32_t used = Base::readSetBegin(elem_type, size);
    Charge(size, ElementBytes(elem_type));
    return used;
  }
  uint32_t readMapBegin_virt(apache::thrift::protocol::TType& key_type, apache::thrift::protocol::TType& value_type,
                             uint32_t& size) override {
    const uint32_t used = Base::readMapBegin(key_type, value_type, size);
    Charge(size, ElementBytes(key_type) + ElementBytes(value_type) + 32);  // a map node
    return used;
  }

 private:
  static uint64_t ElementBytes(apache::thrift::protocol::TType type) {
    namespace format = barforge::parquet::format;
    using apache::thrift::protocol::TType;
    switch (type) {
      case TType::T_BOOL:
      case TType::T_BYTE: return 1;
      case TType::T_I16: return 2;
      case TType::T_I32: return 4;
      case TType::T_I64:
      case TType::T_DOUBLE: return 8;
      case TType::T_STRING: return sizeof(std::string);
      case TType::T_STRUCT:
        return std::max({sizeof(format::SchemaElement), sizeof(format::RowGroup), sizeof(format::ColumnChunk),
                         sizeof(format::KeyValue), sizeof(format::ColumnOrder), sizeof(format::PageEncodingStats)});
      default: return sizeof(std::vector<std::string>);
    }
  }

  void Charge(uint32_t count, uint64_t bytes_each) {
    const uint64_t cost = uint64_t{count} * bytes_each;
    if (cost > budget_) {
      throw apache::thrift::protocol::TProtocolException(
          apache::thrift::protocol::TProtocolException::SIZE_LIMIT,
          "its lists claim more elements than its bytes can hold (" + std::to_string(cost) +
              " bytes of memory for a list of " + std::to_string(count) + ", over the " +
              std::to_string(kThriftMemoryPerByte) + " bytes per byte allowed)");
    }
    budget_ -= cost;
  }

  uint64_t budget_;
};

}  // namespace detail

/// Decodes one struct from the front of [data, data+size) into `value` and
/// returns the bytes it used. Throws ParquetError (message `what` plus the
/// Thrift reason) on malformed or truncated input, and when its lists claim
/// more memory than kThriftMemoryPerByte per byte of input (+ 1 MiB).
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
  detail::BoundedCompactProtocol protocol(buffer, bounded(kStringLimit), bounded(kContainerLimit),
                                          kThriftMemoryPerByte * observed + kThriftMemorySlack);
  try {
    value->read(&protocol);
  } catch (const std::exception& e) {
    throw ParquetError(std::string(what) + " is corrupt: " + e.what());
  }
  return observed - buffer->available_read();
}

}  // namespace barforge::parquet
