// The compact protocol as Parquet uses it, through the generated structs:
// known byte sequences, field-id deltas, nested structs, unions, unknown
// fields skipped, and truncated or incomplete input refused.

#include "parquet/thrift_io.h"

#include <gtest/gtest.h>

#include "barforge/error.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/rle.h"

namespace barforge::parquet {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

TEST(ThriftIo, RequiredDoubleSchemaElementHasTheSpecBytes) {
  // Thrift compact protocol, as the Parquet format specification's
  // parquet.thrift is serialised: field 1 `type` (i32, delta 1) 0x15, DOUBLE
  // = 5 zigzag 0x0A; field 3 `repetition_type` (delta 2) 0x25, REQUIRED 0x00;
  // field 4 `name` (binary, delta 1) 0x18, length 0x01, 'x' 0x78; stop 0x00.
  format::SchemaElement element;
  element.__set_type(format::Type::DOUBLE);
  element.__set_repetition_type(format::FieldRepetitionType::REQUIRED);
  element.__set_name("x");
  std::vector<uint8_t> out;
  AppendThrift(element, out);
  EXPECT_EQ(out, Bytes({0x15, 0x0A, 0x25, 0x00, 0x18, 0x01, 0x78, 0x00}));

  format::SchemaElement back;
  EXPECT_EQ(ReadThrift(out.data(), out.size(), &back, "schema element"), out.size());
  EXPECT_EQ(back.type, format::Type::DOUBLE);
  EXPECT_EQ(back.name, "x");
}

TEST(ThriftIo, FieldIdDeltasNestedStructsAndUnions) {
  // A field-id jump (4 -> 10), a union inside a struct (LogicalType
  // TIMESTAMP with NANOS), a bool carried in the type nibble, and ids
  // restarting from 0 inside each nested struct.
  format::SchemaElement element;
  element.__set_name("ts");
  format::TimestampType timestamp;
  timestamp.__set_isAdjustedToUTC(true);
  format::TimeUnit unit;
  unit.__set_NANOS(format::NanoSeconds());
  timestamp.__set_unit(unit);
  format::LogicalType logical;
  logical.__set_TIMESTAMP(timestamp);
  element.__set_logicalType(logical);
  std::vector<uint8_t> out;
  AppendThrift(element, out);
  // name (field 4, binary): 0x48; logicalType jumps 4 -> 10: delta 6, struct 0x6C;
  // TIMESTAMP field 8 in the union: 0x8C; isAdjustedToUTC true: 0x11;
  // unit (field 2, struct): 0x1C; NANOS (field 3, struct): 0x3C 00; then ends.
  EXPECT_EQ(out, Bytes({0x48, 0x02, 't', 's', 0x6C, 0x8C, 0x11, 0x1C, 0x3C, 0x00, 0x00, 0x00, 0x00, 0x00}));
  format::SchemaElement back;
  ReadThrift(out.data(), out.size(), &back, "schema element");
  EXPECT_TRUE(back.logicalType.TIMESTAMP.unit.__isset.NANOS);
}

TEST(ThriftIo, UnknownFieldsAreSkipped) {
  // A SchemaElement with an unknown field 20 (i32 = 7, long form header)
  // between name and the end: readers must skip it.
  const auto bytes = Bytes({0x48, 0x01, 'y', 0x05, 0x28, 0x0E, 0x00});
  format::SchemaElement back;
  EXPECT_EQ(ReadThrift(bytes.data(), bytes.size(), &back, "schema element"), bytes.size());
  EXPECT_EQ(back.name, "y");
}

TEST(ThriftIo, TruncatedOrMissingRequiredFieldsAreErrors) {
  format::SchemaElement element;
  element.__set_name("abc");
  std::vector<uint8_t> out;
  AppendThrift(element, out);
  for (size_t cut = 0; cut < out.size(); ++cut) {
    format::SchemaElement back;
    EXPECT_THROW(ReadThrift(out.data(), cut, &back, "schema element"), ParquetError) << cut;
  }
  // An empty struct lacks the required name.
  const auto empty = Bytes({0x00});
  format::SchemaElement back;
  EXPECT_THROW(ReadThrift(empty.data(), empty.size(), &back, "schema element"), ParquetError);
}

TEST(ThriftIo, AListLongerThanItsBytesIsRefusedBeforeItIsAllocated) {
  // FileMetaData: version 1, then a schema list header claiming a million
  // structs, followed by 3 bytes. Thrift alone allocates every one of the
  // SchemaElements (hundreds of MB) before it finds the bytes missing.
  std::vector<uint8_t> footer = Bytes({0x15, 0x02, 0x19, 0xFC});
  AppendVarint(footer, 1'000'000);  // the compact protocol's sizes are LEB128 varints too
  footer.insert(footer.end(), {0x00, 0x00, 0x00});
  format::FileMetaData meta;
  try {
    ReadThrift(footer.data(), footer.size(), &meta, "footer");
    FAIL() << "read a list of a million elements from " << footer.size() << " bytes";
  } catch (const ParquetError& e) {
    EXPECT_NE(std::string(e.what()).find("size limit"), std::string::npos) << e.what();
  }
}

TEST(ThriftIo, ListsMayNotClaimMoreMemoryThanTheirBytesCanHold) {
  // A 5 MB footer whose schema list claims 5 million elements, each present
  // as a 1-byte empty struct: the list fits its bytes, but Thrift sizes it
  // before reading an element, 5M SchemaElements of 328 bytes, 1.6 GB.
  // The bound (64 bytes of memory per byte, plus 1 MiB) refuses it first.
  constexpr uint32_t kClaimed = 5'000'000;
  std::vector<uint8_t> footer = Bytes({0x15, 0x02, 0x19, 0xFC});
  AppendVarint(footer, kClaimed);
  footer.resize(footer.size() + kClaimed, 0x00);
  format::FileMetaData meta;
  try {
    ReadThrift(footer.data(), footer.size(), &meta, "footer");
    FAIL() << "read the footer";
  } catch (const ParquetError& e) {
    EXPECT_NE(std::string(e.what()).find("footer is corrupt: its lists claim more elements than its bytes can hold"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(meta.schema.empty()) << "allocated " << meta.schema.size() << " schema elements";

  // A list of 2,000 such elements (784 kB, within the 1 MiB) is sized, and
  // fails on its first element, which lacks its required name.
  std::vector<uint8_t> small = Bytes({0x15, 0x02, 0x19, 0xFC});
  AppendVarint(small, 2000);
  small.resize(small.size() + 2000, 0x00);
  try {
    ReadThrift(small.data(), small.size(), &meta, "footer");
    FAIL() << "read the footer";
  } catch (const ParquetError& e) {
    EXPECT_EQ(std::string(e.what()).find("claim more elements"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace barforge::parquet
