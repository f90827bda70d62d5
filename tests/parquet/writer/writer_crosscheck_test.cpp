// Files written by barforge are read back by DuckDB, arrow-rs and hyparquet
// and compared value by value with what was written: every codec, every
// column kind, one and many row groups, plain and byte-stream-split floats.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "barforge/parquet_writer.h"
#include "parquet/codec.h"
#include "support/barforge_cli.h"

namespace barforge::parquet {
namespace {

using barforge::testing::DumpParquet;
using barforge::testing::TempDir;
using nlohmann::json;

// Deterministic values of every column kind, with the awkward cases.
struct Columns {
  int64_t rows = 0;
  std::vector<int64_t> ints, stamps_ns, stamps_us, stamps_ms;
  std::vector<float> floats;
  std::vector<double> doubles;
  std::vector<std::string> strings_storage;
  std::vector<std::string_view> distinct_strings;
  std::vector<std::string> tickers = {"AAA", "BBB", "ÉTÉ", ""};
  std::vector<int32_t> ticker_index;
  std::vector<int32_t> list_sizes = {1, 3, 6, 64, 256};
  std::vector<std::vector<float>> lists;
};

Columns MakeColumns(int64_t rows) {
  Columns c;
  c.rows = rows;
  std::mt19937_64 rng(42);
  std::normal_distribution<float> normal(0.0F, 1.0F);
  const auto n = static_cast<size_t>(rows);
  for (size_t i = 0; i < n; ++i) {
    c.ints.push_back(i == 0 ? std::numeric_limits<int64_t>::min()
                     : i == 1 ? std::numeric_limits<int64_t>::max()
                              : static_cast<int64_t>(rng()) >> 3);
    c.stamps_ns.push_back(1577836800000000000LL + static_cast<int64_t>(i) * 60000000123LL);
    c.stamps_us.push_back(1577836800000000LL + static_cast<int64_t>(i) * 60000001LL);
    c.stamps_ms.push_back(1577836800000LL + static_cast<int64_t>(i) * 60001LL);
    const float special[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                             -std::numeric_limits<float>::infinity(), -0.0F, 0.0F,
                             std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max()};
    c.floats.push_back(i < 7 ? special[i] : normal(rng));
    c.doubles.push_back(i == 3 ? -0.0 : i == 5 ? 1e-300 : static_cast<double>(normal(rng)) * 1e3);
    std::string text;
    if (i % 97 != 0) {
      text = "s";
      text += std::to_string(i * 7919);
      if (i % 5 == 0) text += "é";
    }
    c.strings_storage.push_back(std::move(text));
    c.ticker_index.push_back(static_cast<int32_t>(rng() % c.tickers.size()));
  }
  for (const auto& s : c.strings_storage) c.distinct_strings.push_back(s);
  for (int32_t k : c.list_sizes) {
    std::vector<float> values(n * static_cast<size_t>(k));
    for (auto& v : values) v = normal(rng) * 0.01F;
    if (!values.empty()) values[values.size() / 2] = -0.0F;
    c.lists.push_back(std::move(values));
  }
  return c;
}

std::vector<ColumnSpec> Schema(const Columns& c) {
  std::vector<ColumnSpec> schema = {
      {"ints", ColumnType::kInt64},
      {"ts_ns", ColumnType::kTimestamp, TimeUnit::kNanos},
      {"ts_us", ColumnType::kTimestamp, TimeUnit::kMicros},
      {"ts_ms", ColumnType::kTimestamp, TimeUnit::kMillis},
      {"floats", ColumnType::kFloat},
      {"doubles", ColumnType::kDouble},
      {"distinct_strings", ColumnType::kString},
      {"tickers", ColumnType::kString},
  };
  for (int32_t k : c.list_sizes) {
    schema.push_back({"list" + std::to_string(k), ColumnType::kFloatList, TimeUnit::kNanos, k});
  }
  return schema;
}

// Writes rows in row groups of `group_rows`.
void Write(const std::filesystem::path& path, const Columns& c, const WriterOptions& options, int64_t group_rows) {
  ParquetWriter writer(path, Schema(c), options);
  for (int64_t start = 0; start < c.rows; start += group_rows) {
    const auto first = static_cast<size_t>(start);
    const auto n = static_cast<size_t>(std::min(group_rows, c.rows - start));
    RowGroupData data;
    data.num_rows = static_cast<int64_t>(n);
    data.columns = {
        std::span<const int64_t>(c.ints).subspan(first, n),
        std::span<const int64_t>(c.stamps_ns).subspan(first, n),
        std::span<const int64_t>(c.stamps_us).subspan(first, n),
        std::span<const int64_t>(c.stamps_ms).subspan(first, n),
        std::span<const float>(c.floats).subspan(first, n),
        std::span<const double>(c.doubles).subspan(first, n),
        std::span<const std::string_view>(c.distinct_strings).subspan(first, n),
        DictionaryStrings{c.tickers, std::span<const int32_t>(c.ticker_index).subspan(first, n)},
    };
    for (size_t l = 0; l < c.lists.size(); ++l) {
      const auto k = static_cast<size_t>(c.list_sizes[l]);
      data.columns.push_back(std::span<const float>(c.lists[l]).subspan(first * k, n * k));
    }
    writer.WriteRowGroup(data);
  }
  writer.Close();
}

// The canonical JSON of a float as tools/dump_parquet.mjs prints it.
json Canonical(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0 && std::signbit(v)) return "-0";
  return v;
}

void ExpectFloat(const json& got, double want, const std::string& where) {
  ASSERT_EQ(got, Canonical(want)) << where;
}

void ExpectDump(const json& dump, const Columns& c, const std::string& reader) {
  ASSERT_EQ(dump["num_rows"], c.rows) << reader;
  const auto& columns = dump["columns"];
  ASSERT_EQ(columns.size(), 8 + c.list_sizes.size()) << reader;
  for (size_t r = 0; r < static_cast<size_t>(c.rows); ++r) {
    const std::string where = reader + " row " + std::to_string(r);
    ASSERT_EQ(columns[0]["values"][r], std::to_string(c.ints[r])) << where;
    // DuckDB reads TIMESTAMP(NANOS, UTC) as TIMESTAMPTZ, which holds
    // microseconds: it drops the last three digits (a DuckDB limitation).
    const int64_t ns = reader == "duckdb" ? c.stamps_ns[r] / 1000 * 1000 : c.stamps_ns[r];
    ASSERT_EQ(columns[1]["values"][r], std::to_string(ns)) << where;
    ASSERT_EQ(columns[2]["values"][r], std::to_string(c.stamps_us[r] * 1000)) << where;
    ASSERT_EQ(columns[3]["values"][r], std::to_string(c.stamps_ms[r] * 1000000)) << where;
    ExpectFloat(columns[4]["values"][r], c.floats[r], where + " floats");
    ExpectFloat(columns[5]["values"][r], c.doubles[r], where + " doubles");
    ASSERT_EQ(columns[6]["values"][r], c.strings_storage[r]) << where;
    ASSERT_EQ(columns[7]["values"][r], c.tickers[static_cast<size_t>(c.ticker_index[r])]) << where;
    for (size_t l = 0; l < c.lists.size(); ++l) {
      const auto k = static_cast<size_t>(c.list_sizes[l]);
      const json& list = columns[8 + l]["values"][r];
      ASSERT_EQ(list.size(), k) << where;
      for (size_t j = 0; j < k; ++j) ExpectFloat(list[j], c.lists[l][r * k + j], where + " list");
    }
  }
}

struct Case {
  Codec codec;
  bool many_row_groups;
  FloatEncoding float_encoding;
};

class WriterCrossCheck : public ::testing::TestWithParam<Case> {};

TEST_P(WriterCrossCheck, ThreeIndependentReadersReadEveryValue) {
  const Case& param = GetParam();
  const Columns c = MakeColumns(param.many_row_groups ? 3000 : 700);
  WriterOptions options;
  options.codec = param.codec;
  options.compression_level = param.codec == Codec::kGzip ? 6 : 3;
  options.float_encoding = param.float_encoding;
  options.threads = 2;
  // Small pages so chunks have many pages in the many-row-groups layout.
  if (param.many_row_groups) options.page_size_bytes = 16 << 10;
  options.key_value_metadata = {{"origin", "crosscheck"}};
  TempDir dir;
  const auto path = dir / "file.parquet";
  Write(path, c, options, param.many_row_groups ? 1100 : c.rows);
  for (const std::string reader : {"duckdb", "arrow", "hyparquet"}) {
    ExpectDump(DumpParquet(reader, path), c, reader);
  }
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kZstd, Codec::kLz4Raw}) {
    for (bool many : {false, true}) cases.push_back({codec, many, FloatEncoding::kPlain});
  }
  cases.push_back({Codec::kZstd, true, FloatEncoding::kByteStreamSplit});
  cases.push_back({Codec::kSnappy, false, FloatEncoding::kByteStreamSplit});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllCodecsAndLayouts, WriterCrossCheck, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return std::string(CodecName(param_info.param.codec)) +
                                  (param_info.param.many_row_groups ? "_many_groups" : "_one_group") +
                                  (param_info.param.float_encoding == FloatEncoding::kByteStreamSplit ? "_bss" : "");
                         });

}  // namespace
}  // namespace barforge::parquet
