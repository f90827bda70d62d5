// Integer annotations, logical (INT(n, signed)) and legacy converted
// (INT_n / UINT_n), give the column's width and signedness.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parquet/reader/schema.h"

namespace barforge::parquet::reader {
namespace {

std::vector<format::SchemaElement> OneLeaf(const format::SchemaElement& leaf) {
  format::SchemaElement root;
  root.__set_name("schema");
  root.__set_num_children(1);
  return {root, leaf};
}

format::SchemaElement Int32Leaf() {
  format::SchemaElement leaf;
  leaf.__set_name("x");
  leaf.__set_type(format::Type::INT32);
  leaf.__set_repetition_type(format::FieldRepetitionType::REQUIRED);
  return leaf;
}

TEST(IntegerKinds, ConvertedTypesGiveWidthAndSign) {
  struct Case {
    format::ConvertedType::type converted;
    int bits;
    bool is_signed;
    std::string name;
  };
  const std::vector<Case> cases = {
      {format::ConvertedType::UINT_8, 8, false, "INT32 INT(8, unsigned)"},
      {format::ConvertedType::UINT_16, 16, false, "INT32 INT(16, unsigned)"},
      {format::ConvertedType::UINT_32, 32, false, "INT32 INT(32, unsigned)"},
      {format::ConvertedType::UINT_64, 64, false, "INT32 INT(64, unsigned)"},
      {format::ConvertedType::INT_8, 8, true, "INT32 INT(8, signed)"},
      {format::ConvertedType::INT_16, 16, true, "INT32 INT(16, signed)"},
      {format::ConvertedType::INT_32, 32, true, "INT32 INT(32, signed)"},
      {format::ConvertedType::INT_64, 64, true, "INT32 INT(64, signed)"},
  };
  for (const Case& c : cases) {
    format::SchemaElement leaf = Int32Leaf();
    leaf.__set_converted_type(c.converted);
    const ColumnInfo info = BuildLeafColumns(OneLeaf(leaf)).at(0).info;
    EXPECT_EQ(info.logical, LogicalKind::kInteger) << c.name;
    EXPECT_EQ(info.bit_width, c.bits) << c.name;
    EXPECT_EQ(info.is_signed, c.is_signed) << c.name;
    EXPECT_EQ(TypeName(info), c.name);
  }
}

TEST(IntegerKinds, LogicalTypeWinsOverTheConvertedOne) {
  format::SchemaElement leaf = Int32Leaf();
  format::IntType integer;
  integer.__set_bitWidth(16);
  integer.__set_isSigned(false);
  format::LogicalType logical;
  logical.__set_INTEGER(integer);
  leaf.__set_logicalType(logical);
  leaf.__set_converted_type(format::ConvertedType::INT_8);  // disagrees; the logical type is the newer
  const ColumnInfo info = BuildLeafColumns(OneLeaf(leaf)).at(0).info;
  EXPECT_EQ(info.bit_width, 16);
  EXPECT_FALSE(info.is_signed);
  EXPECT_EQ(TypeName(info), "INT32 INT(16, unsigned)");
}

TEST(IntegerKinds, PlainInt32HasNoAnnotation) {
  const ColumnInfo info = BuildLeafColumns(OneLeaf(Int32Leaf())).at(0).info;
  EXPECT_EQ(info.logical, LogicalKind::kNone);
  EXPECT_EQ(info.bit_width, 0);
  EXPECT_EQ(TypeName(info), "INT32");
}

}  // namespace
}  // namespace barforge::parquet::reader
