#include "pipeline/dataset_validation.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "dataset/dataset_footer.h"
#include "pipeline/cross_section_validation.h"

namespace barforge {

namespace {

using parquet::ColumnBuffer;
using parquet::ColumnInfo;
using parquet::LogicalKind;
using parquet::PhysicalType;

struct ExpectedType {
  PhysicalType physical;
  bool is_list;
  LogicalKind logical;  ///< kNone: not checked
  int bit_width = 0;    ///< kInteger: signed integers of this width; 0: not checked
};

ExpectedType TypeOf(parquet::ColumnType type) {
  switch (type) {
    case parquet::ColumnType::kInt64: return {PhysicalType::kInt64, false, LogicalKind::kNone};
    case parquet::ColumnType::kTimestamp: return {PhysicalType::kInt64, false, LogicalKind::kTimestamp};
    case parquet::ColumnType::kInt8: return {PhysicalType::kInt32, false, LogicalKind::kInteger, 8};
    case parquet::ColumnType::kInt16: return {PhysicalType::kInt32, false, LogicalKind::kInteger, 16};
    case parquet::ColumnType::kFloat: return {PhysicalType::kFloat, false, LogicalKind::kNone};
    case parquet::ColumnType::kDouble: return {PhysicalType::kDouble, false, LogicalKind::kNone};
    case parquet::ColumnType::kString: return {PhysicalType::kByteArray, false, LogicalKind::kString};
    case parquet::ColumnType::kFloatList: return {PhysicalType::kFloat, true, LogicalKind::kNone};
    case parquet::ColumnType::kInt32: return {PhysicalType::kInt32, false, LogicalKind::kNone};
    case parquet::ColumnType::kBool: return {PhysicalType::kBoolean, false, LogicalKind::kNone};
    case parquet::ColumnType::kInt8List: return {PhysicalType::kInt32, true, LogicalKind::kInteger, 8};
    case parquet::ColumnType::kInt16List: return {PhysicalType::kInt32, true, LogicalKind::kInteger, 16};
    case parquet::ColumnType::kInt64List: return {PhysicalType::kInt64, true, LogicalKind::kNone};
    case parquet::ColumnType::kBoolList: return {PhysicalType::kBoolean, true, LogicalKind::kNone};
  }
  return {};
}

class Validator {
 public:
  Validator(const std::filesystem::path& file, int64_t first_sample_id)
      : file_(file), reader_(file), first_sample_id_(first_sample_id) {}

  DatasetReport Run() {
    layout_ = DatasetLayout::FromKeyValueMetadata(reader_.key_value_metadata(), file_);
    columns_ = layout_.Columns();
    std::vector<size_t> index;
    for (const DatasetColumn& column : columns_) index.push_back(CheckSchema(column));
    if (layout_.cross_section()) {
      // The footer's config was read by the layout already.
      const DatasetFooter footer = DatasetFooter::FromKeyValues(reader_.key_value_metadata());
      const Config config = LoadConfigText(*footer.config, file_.string());
      return ValidateCrossSection(file_, layout_, config.min_present, first_sample_id_);
    }
    report_.window = layout_.window;
    report_.split = DatasetFooter::FromKeyValues(reader_.key_value_metadata()).split.value_or("");
    report_.rows = reader_.num_rows();
    report_.row_groups = reader_.num_row_groups();
    int64_t first_row = 0;
    for (int g = 0; g < reader_.num_row_groups(); ++g) {
      for (size_t c = 0; c < columns_.size(); ++c) {
        CheckChunk(columns_[c], reader_.ReadColumnChunk(index[c], g), first_row);
      }
      first_row += reader_.row_group_num_rows(g);
    }
    return report_;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const { throw DataError(fmt::format("{}: {}", file_.string(), what)); }

  size_t CheckSchema(const DatasetColumn& column) {
    const std::string& name = column.spec.name;
    const auto index = reader_.FindColumn(name);
    if (!index) Fail(fmt::format("column '{}' is missing", name));
    const ColumnInfo& info = reader_.columns()[*index];
    const ExpectedType expected = TypeOf(column.spec.type);
    if (info.physical_type != expected.physical || info.is_list != expected.is_list ||
        (expected.logical != LogicalKind::kNone && info.logical != expected.logical) ||
        (expected.bit_width != 0 && (info.bit_width != expected.bit_width || !info.is_signed))) {
      Fail(fmt::format("column '{}' has the wrong type", name));
    }
    return *index;
  }

  void CheckChunk(const DatasetColumn& expected, const ColumnBuffer& column, int64_t first_row) {
    const std::string& name = expected.spec.name;
    const bool is_list = expected.spec.type == parquet::ColumnType::kFloatList;
    const auto list_size = static_cast<int64_t>(expected.spec.list_size);
    if (!column.valid.empty() || !column.list_valid.empty()) {
      for (size_t i = 0; i < column.valid.size(); ++i) {
        if (column.valid[i] == 0) Fail(fmt::format("column '{}': null value near row {}", name, first_row));
      }
      for (size_t i = 0; i < column.list_valid.size(); ++i) {
        if (column.list_valid[i] == 0) Fail(fmt::format("column '{}', row {}: null list", name, first_row + static_cast<int64_t>(i)));
      }
    }
    if (expected.kind == DatasetColumnKind::kTbLabel) tb_labels_ = column.int32s;
    for (int64_t r = 0; r < column.num_rows; ++r) {
      const int64_t row = first_row + r;
      const auto i = static_cast<size_t>(r);
      if (is_list) {
        const int64_t size = column.list_offsets[i + 1] - column.list_offsets[i];
        if (size != list_size) {
          Fail(fmt::format("column '{}', row {}: list of {} values, expected {}", name, row, size, list_size));
        }
      }
      const DatasetColumnKind kind = expected.kind;
      if (kind == DatasetColumnKind::kSampleId && column.int64s[i] != first_sample_id_ + row) {
        Fail(fmt::format("column 'sample_id', row {}: value {}, expected {} (rows must be in sample_id order)", row,
                         column.int64s[i], first_sample_id_ + row));
      }
      if (kind == DatasetColumnKind::kBarIndex && column.int64s[i] < layout_.window - 1) {
        Fail(fmt::format("column 'bar_index', row {}: value {} is before the first full window", row, column.int64s[i]));
      }
      if (kind == DatasetColumnKind::kTicker && column.string(i).empty()) Fail(fmt::format("column 'ticker', row {}: empty ticker", row));
      if (kind == DatasetColumnKind::kPosition && (column.int64s[i] < -1 || column.int64s[i] > 1)) {
        Fail(fmt::format("column 'position', row {}: value {}, expected -1, 0 or 1", row, column.int64s[i]));
      }
      if (kind == DatasetColumnKind::kTbLabel) CheckTbLabel(column.int32s[i], row);
      if (kind == DatasetColumnKind::kTbBars) CheckTbBars(column.int32s[i], i, row);
    }
    for (size_t k = 0; k < column.floats.size(); ++k) {
      if (!std::isfinite(column.floats[k])) {
        const int64_t row = is_list
                                ? first_row + (std::upper_bound(column.list_offsets.begin(), column.list_offsets.end(),
                                                                static_cast<int64_t>(k)) -
                                               column.list_offsets.begin() - 1)
                                : first_row + static_cast<int64_t>(k);
        Fail(fmt::format("column '{}', row {}: value {} is not finite", name, row, column.floats[k]));
      }
    }
    report_.float_values += static_cast<int64_t>(column.floats.size());
  }

  void CheckTbLabel(int32_t label, int64_t row) const {
    if (label < -1 || label > 1) {
      Fail(fmt::format("column 'tb_label', row {}: value {}, expected -1, 0 or 1", row, label));
    }
  }

  void CheckTbBars(int32_t bars, size_t i, int64_t row) const {
    if (bars < 1 || bars > layout_.horizon) {
      Fail(fmt::format("column 'tb_bars', row {}: value {} is outside 1..{} (horizon)", row, bars, layout_.horizon));
    }
    if (tb_labels_[i] == 0 && bars != layout_.horizon) {
      Fail(fmt::format("column 'tb_bars', row {}: value {} with tb_label 0, expected {} (horizon)", row, bars,
                       layout_.horizon));
    }
  }

  std::filesystem::path file_;
  parquet::ParquetReader reader_;
  DatasetLayout layout_;
  std::vector<DatasetColumn> columns_;
  int64_t first_sample_id_ = 0;
  DatasetReport report_;
  /// tb_label of the current row group: it comes before tb_bars, whose
  /// rows of label 0 must hold H.
  std::vector<int32_t> tb_labels_;
};

}  // namespace

DatasetReport ValidateDataset(const std::filesystem::path& file, int64_t first_sample_id) {
  return Validator(file, first_sample_id).Run();
}

}  // namespace barforge
