// Pages without nulls take a fast path (levels read run by run, values
// decoded straight into the column): chunks that mix such pages with pages
// holding nulls and empty lists, read whole and streamed; level errors on
// that path; a buffer reused from an earlier read. Expected values are
// written out by hand.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "parquet/reader/handmade_file_helpers.h"
#include "parquet/reader/stream_check_helpers.h"
#include "parquet/rle.h"

namespace barforge::parquet {
namespace {

template <class T>
void AppendValues(const std::vector<T>& values, std::vector<uint8_t>& out) {
  const size_t at = out.size();
  out.resize(at + values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(out.data() + at, values.data(), values.size() * sizeof(T));
}

// A v1 page of `rep` / `def` levels (either may be empty: not stored) and
// PLAIN values.
template <class T>
std::vector<uint8_t> Page(const std::vector<uint32_t>& rep, int rep_width, const std::vector<uint32_t>& def,
                          int def_width, const std::vector<T>& values, size_t num_values) {
  std::vector<uint8_t> body;
  if (!rep.empty()) testing::AppendPrefixedLevels(rep, rep_width, body);
  if (!def.empty()) testing::AppendPrefixedLevels(def, def_width, body);
  AppendValues(values, body);
  return testing::UncompressedDataPage(body, static_cast<int64_t>(num_values));
}

std::vector<format::SchemaElement> OptionalListSchema() {
  std::vector<format::SchemaElement> s(4);
  s[0].__set_name("schema");
  s[0].__set_num_children(1);
  s[1].__set_name("x");
  s[1].__set_repetition_type(format::FieldRepetitionType::OPTIONAL);
  s[1].__set_num_children(1);
  s[1].__set_converted_type(format::ConvertedType::LIST);
  s[2].__set_name("list");
  s[2].__set_repetition_type(format::FieldRepetitionType::REPEATED);
  s[2].__set_num_children(1);
  s[3].__set_name("element");
  s[3].__set_repetition_type(format::FieldRepetitionType::REQUIRED);
  s[3].__set_type(format::Type::FLOAT);
  return s;
}

std::vector<format::SchemaElement> FlatSchema(format::Type::type type, format::FieldRepetitionType::type repetition) {
  std::vector<format::SchemaElement> s(2);
  s[0].__set_name("schema");
  s[0].__set_num_children(1);
  s[1].__set_name("v");
  s[1].__set_repetition_type(repetition);
  s[1].__set_type(type);
  return s;
}

// optional list<required float>, max definition level 2, in three pages:
// a dense one ([1, 2], [3]), one with a null and an empty list (null, [],
// [4]), a dense one again ([5, 6]).
std::filesystem::path MixedListFile() {
  std::vector<std::vector<uint8_t>> pages;
  pages.push_back(Page<float>({0, 1, 0}, 1, {2, 2, 2}, 2, {1, 2, 3}, 3));
  pages.push_back(Page<float>({0, 0, 0}, 1, {0, 1, 2}, 2, {4}, 3));
  pages.push_back(Page<float>({0, 1}, 1, {2, 2}, 2, {5, 6}, 2));
  const testing::HandChunk chunk{format::Type::FLOAT, {"x", "list", "element"},
                                 format::CompressionCodec::UNCOMPRESSED, 8, false, pages};
  return testing::WriteTempFile("mixed_lists.parquet", testing::BuildFile(OptionalListSchema(), {{chunk}}, {6}));
}

TEST(DensePagesTest, ListPagesWithAndWithoutNullsKeepTheirRowsAndValidity) {
  const ParquetReader reader(MixedListFile());
  const ColumnBuffer column = reader.ReadColumn("x");
  EXPECT_EQ(column.num_rows, 6);
  EXPECT_EQ(column.list_offsets, (std::vector<int64_t>{0, 2, 3, 3, 3, 4, 6}));
  EXPECT_EQ(column.list_valid, (std::vector<uint8_t>{1, 1, 0, 1, 1, 1}));
  EXPECT_TRUE(column.valid.empty());
  EXPECT_EQ(column.floats, (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(DensePagesTest, FlatPagesWithAndWithoutNullsKeepTheirValidity) {
  // optional INT32: [10, 11], [12, null, 13], [14], [null, null]
  std::vector<std::vector<uint8_t>> pages;
  pages.push_back(Page<int32_t>({}, 0, {1, 1}, 1, {10, 11}, 2));
  pages.push_back(Page<int32_t>({}, 0, {1, 0, 1}, 1, {12, 13}, 3));
  pages.push_back(Page<int32_t>({}, 0, {1}, 1, {14}, 1));
  pages.push_back(Page<int32_t>({}, 0, {0, 0}, 1, {}, 2));
  const testing::HandChunk chunk{format::Type::INT32, {"v"}, format::CompressionCodec::UNCOMPRESSED, 8, false, pages};
  const auto schema = FlatSchema(format::Type::INT32, format::FieldRepetitionType::OPTIONAL);
  const ParquetReader reader(testing::WriteTempFile("mixed_flat.parquet", testing::BuildFile(schema, {{chunk}}, {8})));
  const ColumnBuffer column = reader.ReadColumn("v");
  EXPECT_EQ(column.int32s, (std::vector<int32_t>{10, 11, 12, 0, 13, 14, 0, 0}));
  EXPECT_EQ(column.valid, (std::vector<uint8_t>{1, 1, 1, 0, 1, 1, 0, 0}));
}

TEST(DensePagesTest, OptionalColumnWithoutNullsHasNoValidity) {
  std::vector<std::vector<uint8_t>> pages;
  pages.push_back(Page<int32_t>({}, 0, {1, 1}, 1, {10, 11}, 2));
  pages.push_back(Page<int32_t>({}, 0, {1}, 1, {12}, 1));
  const testing::HandChunk chunk{format::Type::INT32, {"v"}, format::CompressionCodec::UNCOMPRESSED, 3, false, pages};
  const auto schema = FlatSchema(format::Type::INT32, format::FieldRepetitionType::OPTIONAL);
  const ParquetReader reader(testing::WriteTempFile("dense_flat.parquet", testing::BuildFile(schema, {{chunk}}, {3})));
  const ColumnBuffer column = reader.ReadColumn("v");
  EXPECT_EQ(column.int32s, (std::vector<int32_t>{10, 11, 12}));
  EXPECT_TRUE(column.valid.empty());
}

TEST(DensePagesTest, DensePageStartingInsideARowIsAnError) {
  // A chunk's first repetition level must be 0: here the first page is
  // dense (no nulls) and starts with 1.
  std::vector<std::vector<uint8_t>> pages;
  pages.push_back(Page<float>({1, 0}, 1, {2, 2}, 2, {1, 2}, 2));
  const testing::HandChunk chunk{format::Type::FLOAT, {"x", "list", "element"},
                                 format::CompressionCodec::UNCOMPRESSED, 2, false, pages};
  const ParquetReader reader(
      testing::WriteTempFile("continues.parquet", testing::BuildFile(OptionalListSchema(), {{chunk}}, {1})));
  try {
    reader.ReadColumn("x");
    FAIL() << "no error";
  } catch (const ParquetError& e) {
    EXPECT_NE(std::string(e.what()).find("the column chunk's first value continues a row (repetition level 1)"),
              std::string::npos)
        << e.what();
  }
}

TEST(DensePagesTest, DensePageWithTooFewLevelsIsAnError) {
  // The page claims 4 values but its definition levels, one RLE run of the
  // maximum, hold 2.
  std::vector<uint8_t> body;
  testing::AppendPrefixedLevels({0, 1, 1, 1}, 1, body);
  std::vector<uint8_t> run;
  AppendRleRun(run, 2, 2, 2);
  for (int b = 0; b < 4; ++b) body.push_back(static_cast<uint8_t>(run.size() >> (8 * b)));
  body.insert(body.end(), run.begin(), run.end());
  AppendValues<float>({1, 2, 3, 4}, body);
  std::vector<std::vector<uint8_t>> pages = {testing::UncompressedDataPage(body, 4)};
  const testing::HandChunk chunk{format::Type::FLOAT, {"x", "list", "element"},
                                 format::CompressionCodec::UNCOMPRESSED, 4, false, pages};
  const ParquetReader reader(
      testing::WriteTempFile("short_levels.parquet", testing::BuildFile(OptionalListSchema(), {{chunk}}, {1})));
  try {
    reader.ReadColumn("x");
    FAIL() << "no error";
  } catch (const ParquetError& e) {
    EXPECT_NE(std::string(e.what()).find("definition levels: RLE data ends after 2 of 4 values"), std::string::npos)
        << e.what();
  }
}

TEST(DensePagesTest, ReusedBufferGivesTheSameColumnAsAFreshOne) {
  const ParquetReader reader(MixedListFile());
  ColumnBuffer junk;
  junk.num_rows = 99;
  junk.int32s = {7, 7};
  junk.int64s = {7};
  junk.floats = std::vector<float>(1000, 9.0f);
  junk.doubles = {7.0};
  junk.string_offsets = {0, 1};
  junk.string_bytes = {'z'};
  junk.valid = {0, 0, 0};
  junk.list_offsets = {5, 6};
  junk.list_valid = {0};
  const float* memory = junk.floats.data();
  const ColumnBuffer fresh = reader.ReadColumnChunk(0, 0);
  const ColumnBuffer reused = reader.ReadColumnChunk(0, 0, std::move(junk));
  EXPECT_EQ(reused.floats.data(), memory);  // filled in place
  EXPECT_EQ(reused.num_rows, fresh.num_rows);
  EXPECT_EQ(reused.floats, fresh.floats);
  EXPECT_EQ(reused.list_offsets, fresh.list_offsets);
  EXPECT_EQ(reused.list_valid, fresh.list_valid);
  EXPECT_TRUE(reused.int32s.empty() && reused.int64s.empty() && reused.doubles.empty());
  EXPECT_TRUE(reused.string_offsets.empty() && reused.string_bytes.empty() && reused.valid.empty());
}

TEST(DensePagesTest, StreamedPiecesOfMixedPagesMatchTheWholeRead) {
  const ParquetReader reader(MixedListFile());
  ColumnChunkStream fresh = reader.StreamColumnChunk(0, 0);
  const ColumnBuffer none = fresh.Read(0);  // before any page is read
  EXPECT_EQ(none.num_rows, 0);
  EXPECT_EQ(none.list_offsets, (std::vector<int64_t>{0}));
  EXPECT_TRUE(none.floats.empty());
  EXPECT_EQ(fresh.rows_left(), 6);
  for (const int64_t piece_rows : {int64_t{1}, int64_t{2}, int64_t{4}, int64_t{6}}) {
    SCOPED_TRACE(piece_rows);
    testing::ExpectStreamMatchesChunk(reader, 0, 0, piece_rows);
  }
}

}  // namespace
}  // namespace barforge::parquet
