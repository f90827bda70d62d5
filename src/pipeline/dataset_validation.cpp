#include "pipeline/dataset_validation.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "features/window_features.h"

namespace barforge {

namespace {

using parquet::ColumnBuffer;
using parquet::ColumnInfo;
using parquet::LogicalKind;
using parquet::PhysicalType;

struct ExpectedColumn {
  const char* name;
  PhysicalType type;
  bool is_list;
  LogicalKind logical;
};

constexpr ExpectedColumn kExpected[] = {
    {"sample_id", PhysicalType::kInt64, false, LogicalKind::kNone},
    {"ticker", PhysicalType::kByteArray, false, LogicalKind::kString},
    {"timestamp", PhysicalType::kInt64, false, LogicalKind::kTimestamp},
    {"bar_index", PhysicalType::kInt64, false, LogicalKind::kNone},
    {"ohlc", PhysicalType::kFloat, true, LogicalKind::kNone},
    {"volume", PhysicalType::kFloat, true, LogicalKind::kNone},
    {"meta", PhysicalType::kFloat, true, LogicalKind::kNone},
    {"rewards", PhysicalType::kFloat, true, LogicalKind::kNone},
    {"fwd_return", PhysicalType::kFloat, false, LogicalKind::kNone},
};

class Validator {
 public:
  explicit Validator(const std::filesystem::path& file) : file_(file), reader_(file) {}

  DatasetReport Run() {
    std::vector<size_t> index;
    for (const ExpectedColumn& expected : kExpected) index.push_back(CheckSchema(expected));
    report_.window = WindowFromMetadata();
    report_.rows = reader_.num_rows();
    report_.row_groups = reader_.num_row_groups();
    int64_t first_row = 0;
    for (int g = 0; g < reader_.num_row_groups(); ++g) {
      for (size_t c = 0; c < std::size(kExpected); ++c) {
        CheckChunk(kExpected[c], reader_.ReadColumnChunk(index[c], g), first_row);
      }
      first_row += reader_.row_group_num_rows(g);
    }
    return report_;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const { throw DataError(fmt::format("{}: {}", file_.string(), what)); }

  size_t CheckSchema(const ExpectedColumn& expected) {
    const auto index = reader_.FindColumn(expected.name);
    if (!index) Fail(fmt::format("column '{}' is missing", expected.name));
    const ColumnInfo& info = reader_.columns()[*index];
    if (info.physical_type != expected.type || info.is_list != expected.is_list ||
        (expected.logical != LogicalKind::kNone && info.logical != expected.logical)) {
      Fail(fmt::format("column '{}' has the wrong type", expected.name));
    }
    return *index;
  }

  // The window the file was built with, from the scaler in its footer.
  int WindowFromMetadata() const {
    for (const auto& [key, value] : reader_.key_value_metadata()) {
      if (key != "barforge.scaler") continue;
      const auto scaler = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
      if (scaler.is_object() && scaler.contains("window") && scaler["window"].is_number_integer() &&
          scaler["window"].get<int>() >= 2) {
        return scaler["window"].get<int>();
      }
      Fail("key-value metadata 'barforge.scaler' has no valid window");
    }
    Fail("not a barforge samples file: no 'barforge.scaler' key-value metadata");
  }

  size_t ListSize(const std::string& name) const {
    if (name == "ohlc") return 4 * static_cast<size_t>(report_.window);
    if (name == "volume") return static_cast<size_t>(report_.window);
    if (name == "meta") return kMetaFeatureCount;
    return 3;  // rewards
  }

  void CheckChunk(const ExpectedColumn& expected, const ColumnBuffer& column, int64_t first_row) {
    const std::string name = expected.name;
    if (!column.valid.empty() || !column.list_valid.empty()) {
      for (size_t i = 0; i < column.valid.size(); ++i) {
        if (column.valid[i] == 0) Fail(fmt::format("column '{}': null value near row {}", name, first_row));
      }
      for (size_t i = 0; i < column.list_valid.size(); ++i) {
        if (column.list_valid[i] == 0) Fail(fmt::format("column '{}', row {}: null list", name, first_row + static_cast<int64_t>(i)));
      }
    }
    for (int64_t r = 0; r < column.num_rows; ++r) {
      const int64_t row = first_row + r;
      const auto i = static_cast<size_t>(r);
      if (expected.is_list) {
        const int64_t size = column.list_offsets[i + 1] - column.list_offsets[i];
        if (static_cast<size_t>(size) != ListSize(name)) {
          Fail(fmt::format("column '{}', row {}: list of {} values, expected {}", name, row, size, ListSize(name)));
        }
      }
      if (name == "sample_id" && column.int64s[i] != row) {
        Fail(fmt::format("column 'sample_id', row {}: value {}, expected {} (rows must be in sample_id order)", row,
                         column.int64s[i], row));
      }
      if (name == "bar_index" && column.int64s[i] < report_.window - 1) {
        Fail(fmt::format("column 'bar_index', row {}: value {} is before the first full window", row, column.int64s[i]));
      }
      if (name == "ticker" && column.string(i).empty()) Fail(fmt::format("column 'ticker', row {}: empty ticker", row));
    }
    for (size_t k = 0; k < column.floats.size(); ++k) {
      if (!std::isfinite(column.floats[k])) {
        const int64_t row = expected.is_list
                                ? first_row + (std::upper_bound(column.list_offsets.begin(), column.list_offsets.end(),
                                                                static_cast<int64_t>(k)) -
                                               column.list_offsets.begin() - 1)
                                : first_row + static_cast<int64_t>(k);
        Fail(fmt::format("column '{}', row {}: value {} is not finite", name, row, column.floats[k]));
      }
    }
    report_.float_values += static_cast<int64_t>(column.floats.size());
  }

  std::filesystem::path file_;
  parquet::ParquetReader reader_;
  DatasetReport report_;
};

}  // namespace

DatasetReport ValidateDataset(const std::filesystem::path& file) { return Validator(file).Run(); }

}  // namespace barforge
