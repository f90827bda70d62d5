// INT96 timestamps (legacy Impala/Spark): none of the independent writers
// produce them, so the file is built by hand.

#include <gtest/gtest.h>

#include <cstring>

#include "barforge/parquet_reader.h"
#include "parquet/reader/handmade_file_helpers.h"

namespace barforge::parquet {
namespace {

struct Int96 {
  uint64_t nanos_of_day;
  uint32_t julian_day;
};

TEST(Int96Test, JulianDaysAndNanosBecomeNanosSinceTheEpoch) {
  constexpr int64_t kDay = 86400LL * 1000000000LL;
  // Julian day 2440588 is 1970-01-01.
  const Int96 values[] = {{0, 2440588}, {1, 2440589}, {5000000000ULL, 2440587}, {kDay - 1, 2459215}};
  const int64_t expected[] = {0, kDay + 1, -kDay + 5000000000LL, (2459215LL - 2440588LL) * kDay + kDay - 1};
  std::vector<uint8_t> body(4 * 12);
  for (size_t i = 0; i < 4; ++i) {
    std::memcpy(body.data() + 12 * i, &values[i].nanos_of_day, 8);
    std::memcpy(body.data() + 12 * i + 8, &values[i].julian_day, 4);
  }
  std::vector<format::SchemaElement> schema(2);
  schema[0].__set_name("schema");
  schema[0].__set_num_children(1);
  schema[1].__set_name("ts");
  schema[1].__set_type(format::Type::INT96);
  schema[1].__set_repetition_type(format::FieldRepetitionType::REQUIRED);
  testing::HandChunk chunk{format::Type::INT96, {"ts"}, format::CompressionCodec::UNCOMPRESSED, 4, false,
                           {testing::UncompressedDataPage(body, 4)}};
  const auto path = testing::WriteTempFile("int96.parquet", testing::BuildFile(schema, {{chunk}}, {4}));

  const ParquetReader reader(path);
  const ColumnBuffer column = reader.ReadColumn("ts");
  EXPECT_EQ(column.info.physical_type, PhysicalType::kInt96);
  EXPECT_EQ(column.info.logical, LogicalKind::kTimestamp);
  EXPECT_EQ(column.info.time_unit, TimeUnit::kNanos);
  EXPECT_FALSE(column.info.utc);
  ASSERT_EQ(column.int64s.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(column.int64s[i], expected[i]) << i;
}

}  // namespace
}  // namespace barforge::parquet
