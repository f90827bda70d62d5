// barforge._core.BarsReader: a bars dataset's rows as numpy, computed in C++
// (BarsDataset) with the GIL released.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "barforge/bars_dataset.h"
#include "bindings.h"
#include "dataset/dataset_footer.h"

namespace py = pybind11;

namespace barforge::python {

namespace {

// A numpy array over `values`' buffer, which the array's base owns.
template <typename T>
py::array Own(std::vector<T>&& values, std::vector<py::ssize_t> shape) {
  auto* owner = new std::vector<T>(std::move(values));
  py::capsule base(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(std::move(shape), owner->data(), base);
}

// As DatasetReader.read_row_group gives a row group: int64 (n,) for integers
// and timestamps (ns), int8 / int16 (n,), float32 (n,) or (n, width), and for
// strings a pair (int32 codes, list of distinct str).
py::dict ColumnsDict(std::vector<DatasetColumnData>&& columns) {
  py::dict out;
  for (DatasetColumnData& column : columns) {
    const py::ssize_t rows = column.rows;
    const py::str key(column.name);
    switch (column.kind) {
      case parquet::ColumnType::kInt64:
      case parquet::ColumnType::kTimestamp:
      case parquet::ColumnType::kInt32:
        out[key] = Own(std::move(column.int64s), {rows});
        break;
      case parquet::ColumnType::kInt8:
        out[key] = Own(std::move(column.int8s), {rows});
        break;
      case parquet::ColumnType::kInt16:
        out[key] = Own(std::move(column.int16s), {rows});
        break;
      case parquet::ColumnType::kFloat:
        out[key] = Own(std::move(column.floats), {rows});
        break;
      case parquet::ColumnType::kDouble:
        out[key] = Own(std::move(column.doubles), {rows});
        break;
      case parquet::ColumnType::kFloatList: {
        const auto width = static_cast<py::ssize_t>(column.width);
        out[key] = Own(std::move(column.floats), {rows, width});
        break;
      }
      case parquet::ColumnType::kString:
        out[key] = py::make_tuple(Own(std::move(column.codes), {rows}), column.dictionary);
        break;
      case parquet::ColumnType::kBool:
      case parquet::ColumnType::kInt8List:
      case parquet::ColumnType::kInt16List:
      case parquet::ColumnType::kInt64List:
      case parquet::ColumnType::kBoolList:
        throw std::logic_error("a bars dataset holds no column of this type: " + column.name);
    }
  }
  return out;
}

const char* KindName(parquet::ColumnType kind) {
  switch (kind) {
    case parquet::ColumnType::kInt64: return "int64";
    case parquet::ColumnType::kInt32: return "int32";
    case parquet::ColumnType::kInt8: return "int8";
    case parquet::ColumnType::kInt16: return "int16";
    case parquet::ColumnType::kTimestamp: return "timestamp";
    case parquet::ColumnType::kString: return "string";
    case parquet::ColumnType::kFloat: return "float32";
    case parquet::ColumnType::kDouble: return "float64";
    case parquet::ColumnType::kFloatList: return "float32_list";
    case parquet::ColumnType::kBool: return "bool";
    case parquet::ColumnType::kInt8List: return "int8_list";
    case parquet::ColumnType::kInt16List: return "int16_list";
    case parquet::ColumnType::kInt64List: return "int64_list";
    case parquet::ColumnType::kBoolList: return "bool_list";
  }
  return "unknown";
}

}  // namespace

void BindBars(py::module_& m) {
  m.def("is_bars_dataset", [](const std::filesystem::path& path) { return IsBarsDataset(path); }, py::arg("path"));
  py::class_<BarsDataset, std::shared_ptr<BarsDataset>>(m, "BarsReader")
      .def(py::init([](const std::filesystem::path& path) {
             py::gil_scoped_release release;
             return std::make_shared<BarsDataset>(path);
           }),
           py::arg("path"))
      .def_property_readonly("path", &BarsDataset::path)
      .def_property_readonly("num_rows", &BarsDataset::num_rows)
      .def_property_readonly("bars_per_ticker", &BarsDataset::bars_per_ticker)
      .def_property_readonly("columns",
                             [](const BarsDataset& r) {
                               std::vector<std::pair<std::string, std::string>> out;
                               for (const DatasetColumnInfo& c : r.columns()) out.emplace_back(c.name, KindName(c.kind));
                               return out;
                             })
      .def_property_readonly("key_value_metadata", &BarsDataset::key_value_metadata)
      .def_property_readonly("footer",
                             [](const BarsDataset& r) {
                               const DatasetFooter footer = DatasetFooter::FromKeyValues(r.key_value_metadata());
                               py::dict out;
                               const auto add = [&](const char* name, const std::optional<std::string>& value) {
                                 if (value) out[name] = *value;
                               };
                               add("version", footer.version);
                               add("seed", footer.seed);
                               add("config", footer.config);
                               add("scaler", footer.scaler);
                               add("split", footer.split);
                               return out;
                             })
      .def(
          "read_rows",
          [](const BarsDataset& r, int64_t start, int64_t stop, const std::vector<std::string>& names) {
            std::vector<DatasetColumnData> columns;
            {
              py::gil_scoped_release release;
              columns = r.ReadRows(start, stop, names);
            }
            return ColumnsDict(std::move(columns));
          },
          py::arg("start"), py::arg("stop"), py::arg("columns"))
      .def(
          "read_samples",
          [](const BarsDataset& r, const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& ids,
             const std::vector<std::string>& names) {
            const std::span<const int64_t> view(ids.data(), static_cast<size_t>(ids.size()));
            std::vector<DatasetColumnData> columns;
            {
              py::gil_scoped_release release;
              columns = r.ReadSamples(view, names);
            }
            return ColumnsDict(std::move(columns));
          },
          py::arg("sample_ids"), py::arg("columns"))
      .def(
          "epoch_sample_ids",
          [](const BarsDataset& r, bool shuffle, uint64_t seed, int64_t begin, int64_t end) {
            std::vector<int64_t> ids;
            {
              py::gil_scoped_release release;
              ids = r.EpochSampleIds(shuffle, seed, begin, end);
            }
            const auto n = static_cast<py::ssize_t>(ids.size());
            return Own(std::move(ids), {n});
          },
          py::arg("shuffle"), py::arg("seed"), py::arg("begin"), py::arg("end"));
}

}  // namespace barforge::python
