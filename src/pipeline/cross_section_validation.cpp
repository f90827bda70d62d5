#include "pipeline/cross_section_validation.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "barforge/dataset_reader.h"
#include "barforge/error.h"
#include "dataset/dataset_footer.h"

namespace barforge {

namespace {

class CrossSectionValidator {
 public:
  CrossSectionValidator(const std::filesystem::path& file, const DatasetLayout& layout, int64_t min_present,
                        int64_t first_sample_id)
      : file_(file), layout_(layout), reader_(file), min_present_(min_present), first_sample_id_(first_sample_id),
        members_(static_cast<int64_t>(layout.cross_section_tickers.size())) {}

  DatasetReport Run() {
    columns_ = layout_.Columns();
    CheckSchema();
    report_.window = layout_.window;
    report_.split = reader_.Metadata(DatasetFooter::kSplitKey);
    report_.rows = reader_.num_rows();
    report_.row_groups = reader_.num_row_groups();
    for (int g = 0; g < reader_.num_row_groups(); ++g) CheckRowGroup(reader_.ReadRowGroup(g, {}), reader_.row_group_first_row(g));
    return report_;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const { throw DataError(fmt::format("{}: {}", file_.string(), what)); }

  std::string Slot(const std::string& column, int64_t row, int64_t m) const {
    return fmt::format("column '{}', row {}, ticker {} ('{}')", column, row, m,
                       layout_.cross_section_tickers[static_cast<size_t>(m)]);
  }

  void CheckSchema() const {
    const std::vector<DatasetColumnInfo>& infos = reader_.columns();
    for (const DatasetColumn& column : columns_) {
      const auto it = std::find_if(infos.begin(), infos.end(),
                                   [&](const DatasetColumnInfo& info) { return info.name == column.spec.name; });
      if (it == infos.end()) Fail(fmt::format("column '{}' is missing", column.spec.name));
      if (it->kind != column.spec.type) Fail(fmt::format("column '{}' has the wrong type", column.spec.name));
      const std::vector<int64_t> shape(column.spec.shape.begin(), column.spec.shape.end());
      if (!shape.empty() && it->shape != shape) {
        Fail(fmt::format("column '{}': rows of shape [{}], expected [{}]", column.spec.name, fmt::join(it->shape, ", "),
                         fmt::join(shape, ", ")));
      }
    }
  }

  void CheckRowGroup(const std::vector<DatasetColumnData>& data, int64_t first_row) {
    const auto find = [&](DatasetColumnKind kind) -> const DatasetColumnData& {
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (columns_[c].kind != kind) continue;
        for (const DatasetColumnData& column : data) {
          if (column.name == columns_[c].spec.name) return column;
        }
      }
      Fail("a column of the layout was not read");
    };
    const DatasetColumnData& ids = find(DatasetColumnKind::kSampleId);
    const DatasetColumnData& present = find(DatasetColumnKind::kPresent);
    const DatasetColumnData& bar_index = find(DatasetColumnKind::kBarIndex);
    const int64_t m_count = members_;
    for (int64_t r = 0; r < ids.rows; ++r) {
      const int64_t row = first_row + r;
      const int64_t id = ids.int64s[static_cast<size_t>(r)];
      if (id != first_sample_id_ + row) {
        Fail(fmt::format("column 'sample_id', row {}: value {}, expected {} (rows must be in sample_id order)", row, id,
                         first_sample_id_ + row));
      }
      int64_t count = 0;
      for (int64_t m = 0; m < m_count; ++m) {
        const auto slot = static_cast<size_t>(r * m_count + m);
        const uint8_t p = present.bools[slot];
        count += p;
        const int64_t e = bar_index.int64s[slot];
        if (p != 0 && e < layout_.window - 1) {
          Fail(fmt::format("{}: bar_index {} is before the first full window", Slot("bar_index", row, m), e));
        }
        if (p == 0 && e != 0) Fail(fmt::format("{}: bar_index {} of an absent ticker, expected 0", Slot("bar_index", row, m), e));
      }
      if (count < min_present_) {
        Fail(fmt::format("column 'present', row {}: {} tickers present, fewer than min_present {}", row, count,
                         min_present_));
      }
    }
    // Every other [M, ...] column: values of absent slots 0, of present
    // slots finite (floats) and in range (labels).
    const DatasetColumnData* tb_label = nullptr;
    for (const DatasetColumn& column : columns_) {
      if (column.kind == DatasetColumnKind::kSampleId || column.kind == DatasetColumnKind::kTimestamp ||
          column.kind == DatasetColumnKind::kPresent || column.kind == DatasetColumnKind::kBarIndex) {
        continue;
      }
      const DatasetColumnData& named = *std::find_if(data.begin(), data.end(), [&](const DatasetColumnData& d) {
        return d.name == column.spec.name;
      });
      const int64_t per_slot = column.spec.list_size / m_count;
      for (int64_t r = 0; r < named.rows; ++r) {
        for (int64_t m = 0; m < m_count; ++m) {
          const auto slot = static_cast<size_t>(r * m_count + m);
          const bool is_present = present.bools[slot] != 0;
          for (int64_t k = 0; k < per_slot; ++k) {
            const auto at = slot * static_cast<size_t>(per_slot) + static_cast<size_t>(k);
            double x = 0;
            switch (column.spec.type) {
              case parquet::ColumnType::kFloatList: x = named.floats[at]; break;
              case parquet::ColumnType::kInt8List: x = named.int8s[at]; break;
              case parquet::ColumnType::kInt16List: x = named.int16s[at]; break;
              default: break;
            }
            if (!is_present && x != 0) {
              Fail(fmt::format("{}: value {} of an absent ticker, expected 0", Slot(column.spec.name, first_row + r, m), x));
            }
            if (is_present && !std::isfinite(x)) {
              Fail(fmt::format("{}: value {} is not finite", Slot(column.spec.name, first_row + r, m), x));
            }
            if (is_present && column.kind == DatasetColumnKind::kTbLabel && (x < -1 || x > 1)) {
              Fail(fmt::format("{}: value {}, expected -1, 0 or 1", Slot("tb_label", first_row + r, m), x));
            }
            if (is_present && column.kind == DatasetColumnKind::kTbBars) {
              const int8_t label = tb_label != nullptr ? tb_label->int8s[slot] : 1;
              if (x < 1 || x > layout_.horizon || (label == 0 && x != layout_.horizon)) {
                Fail(fmt::format("{}: value {} with tb_label {}, expected 1..{} (H when tb_label is 0)",
                                 Slot("tb_bars", first_row + r, m), x, label, layout_.horizon));
              }
            }
          }
        }
      }
      if (column.kind == DatasetColumnKind::kTbLabel) tb_label = &named;
      if (column.spec.type == parquet::ColumnType::kFloatList) report_.float_values += std::ssize(named.floats);
    }
  }

  std::filesystem::path file_;
  const DatasetLayout& layout_;
  DatasetReader reader_;
  int64_t min_present_;
  int64_t first_sample_id_;
  int64_t members_;
  std::vector<DatasetColumn> columns_;
  DatasetReport report_;
};

}  // namespace

DatasetReport ValidateCrossSection(const std::filesystem::path& file, const DatasetLayout& layout,
                                   int64_t min_present, int64_t first_sample_id) {
  return CrossSectionValidator(file, layout, min_present, first_sample_id).Run();
}

}  // namespace barforge
