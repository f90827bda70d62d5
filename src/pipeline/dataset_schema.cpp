#include "pipeline/dataset_schema.h"

#include "features/window_features.h"

namespace barforge {

std::vector<parquet::ColumnSpec> DatasetSchema(int window) {
  using parquet::ColumnType;
  return {
      {"sample_id", ColumnType::kInt64},
      {"ticker", ColumnType::kString},
      {"timestamp", ColumnType::kTimestamp, parquet::TimeUnit::kNanos},
      {"bar_index", ColumnType::kInt64},
      {"ohlc", ColumnType::kFloatList, parquet::TimeUnit::kNanos, 4 * window},
      {"volume", ColumnType::kFloatList, parquet::TimeUnit::kNanos, window},
      {"meta", ColumnType::kFloatList, parquet::TimeUnit::kNanos, kMetaFeatureCount},
      {"rewards", ColumnType::kFloatList, parquet::TimeUnit::kNanos, 3},
      {"fwd_return", ColumnType::kFloat},
  };
}

}  // namespace barforge
