#pragma once
// Test support: two Parquet files hold the same rows (every column's values,
// strings and list shapes), whatever their row groups and pages.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "barforge/parquet_reader.h"

namespace barforge::testing {

inline void ExpectSameRows(const std::filesystem::path& a, const std::filesystem::path& b, const std::string& what) {
  const parquet::ParquetReader ra(a), rb(b);
  ASSERT_EQ(ra.num_rows(), rb.num_rows()) << what;
  ASSERT_EQ(ra.columns().size(), rb.columns().size()) << what;
  for (size_t c = 0; c < ra.columns().size(); ++c) {
    const auto x = ra.ReadColumn(c);
    const auto y = rb.ReadColumn(c);
    EXPECT_EQ(x.int64s, y.int64s) << what << ": " << x.info.name;
    EXPECT_EQ(x.floats, y.floats) << what << ": " << x.info.name;
    EXPECT_EQ(x.string_bytes, y.string_bytes) << what << ": " << x.info.name;
    EXPECT_EQ(x.list_offsets, y.list_offsets) << what << ": " << x.info.name;
  }
}

}  // namespace barforge::testing
