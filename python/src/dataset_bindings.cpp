// barforge.open_dataset's C++ side: a DatasetReader whose row groups arrive
// as numpy arrays that own the decoded buffers (no copy of the values), and
// hand them back to the reader for reuse when the last view goes.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "barforge/dataset_reader.h"
#include "bindings.h"
#include "dataset/dataset_footer.h"

namespace py = pybind11;

namespace barforge::python {

namespace {

// A numpy array over `values`' buffer; the array's base (a capsule) owns
// the vector and frees it with the last view. Bytes of 0 / 1 (bools) are
// viewed as numpy bool.
template <typename T>
py::array Adopt(std::vector<T>&& values, std::vector<py::ssize_t> shape, bool as_bool = false) {
  auto* owner = new std::vector<T>(std::move(values));
  py::capsule base(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  if (as_bool) return py::array(py::dtype::of<bool>(), std::move(shape), owner->data(), base);
  return py::array_t<T>(std::move(shape), owner->data(), base);
}

// A column read from `reader`, kept alive by the arrays over it.
struct ReadColumn {
  std::weak_ptr<const DatasetReader> reader;
  DatasetColumnData column;
};

// A numpy array over the vector `values` of `column`. The array's base (a
// capsule) owns the column; when the last view of it goes, the column goes
// back to the reader (DatasetReader::Recycle), if the reader is still open,
// so the next row group is decoded into memory already mapped.
template <typename T>
py::array AdoptColumn(const std::shared_ptr<DatasetReader>& reader, DatasetColumnData&& column,
                      std::vector<T> DatasetColumnData::*values, std::vector<py::ssize_t> shape) {
  auto* owner = new ReadColumn{reader, std::move(column)};
  py::capsule base(owner, [](void* p) {
    std::unique_ptr<ReadColumn> owned(static_cast<ReadColumn*>(p));
    if (const std::shared_ptr<const DatasetReader> open = owned->reader.lock()) {
      try {
        open->Recycle(std::move(owned->column));
      } catch (...) {  // a destructor: the column is then just freed
      }
    }
  });
  return py::array_t<T>(std::move(shape), (owner->column.*values).data(), base);
}

// Column name -> array: int64 (n,) for integers and timestamps (ns), int8 /
// int16 (n,) for the INT(8) / INT(16) columns (tb_label, tb_bars), float32
// (n,) / float64 (n,), bool (n,), and for strings a pair (int32 codes (n,),
// list of distinct str). A list column is (n, *shape) of its element type
// (float32, int8, int16, int64 or bool), shape the reader's per-row shape:
// (n, width) for a flat list, (n, 8, 64, 4) for a list of that shape.
py::dict ColumnsDict(const std::shared_ptr<DatasetReader>& reader, std::vector<DatasetColumnData>&& columns) {
  py::dict out;
  for (DatasetColumnData& column : columns) {
    const py::ssize_t rows = column.rows;
    const py::str key(column.name);  // before AdoptColumn takes the column
    std::vector<py::ssize_t> shape = {rows};
    for (const int64_t dimension : column.shape) shape.push_back(static_cast<py::ssize_t>(dimension));
    if (parquet::IsListType(column.kind) && column.shape.empty()) shape.push_back(static_cast<py::ssize_t>(column.width));
    switch (column.kind) {
      case parquet::ColumnType::kInt64:
      case parquet::ColumnType::kTimestamp:
      case parquet::ColumnType::kInt64List:
        out[key] = AdoptColumn(reader, std::move(column), &DatasetColumnData::int64s, std::move(shape));
        break;
      case parquet::ColumnType::kInt32:
        out[key] = Adopt(std::move(column.int64s), std::move(shape));
        break;
      case parquet::ColumnType::kInt8:
      case parquet::ColumnType::kInt8List:
        out[key] = Adopt(std::move(column.int8s), std::move(shape));
        break;
      case parquet::ColumnType::kInt16:
      case parquet::ColumnType::kInt16List:
        out[key] = Adopt(std::move(column.int16s), std::move(shape));
        break;
      case parquet::ColumnType::kBool:
      case parquet::ColumnType::kBoolList:
        out[key] = Adopt(std::move(column.bools), std::move(shape), true);
        break;
      case parquet::ColumnType::kFloat:
      case parquet::ColumnType::kFloatList:
        out[key] = AdoptColumn(reader, std::move(column), &DatasetColumnData::floats, std::move(shape));
        break;
      case parquet::ColumnType::kDouble:
        out[key] = AdoptColumn(reader, std::move(column), &DatasetColumnData::doubles, std::move(shape));
        break;
      case parquet::ColumnType::kString:
        out[key] = py::make_tuple(Adopt(std::move(column.codes), {rows}), column.dictionary);
        break;
    }
  }
  return out;
}

py::dict ReadRowGroup(const std::shared_ptr<DatasetReader>& reader, int row_group,
                      const std::vector<std::string>& names) {
  std::vector<DatasetColumnData> columns;
  {
    py::gil_scoped_release release;
    columns = reader->ReadRowGroup(row_group, names);
  }
  return ColumnsDict(reader, std::move(columns));
}

// A RowGroupCursor and the reader it reads from, which it keeps open. The
// read releases the GIL, so two Python threads could call it at once: the
// mutex keeps them in turn.
struct Cursor {
  std::shared_ptr<DatasetReader> reader;
  RowGroupCursor cursor;
  std::mutex mutex;
};

}  // namespace

void BindDataset(py::module_& m) {
  // One row group read a few rows at a time: read(rows) gives a dict as
  // read_row_group does, for the next rows.
  py::class_<Cursor>(m, "RowGroupCursor")
      .def_property_readonly("rows_left", [](const Cursor& c) { return c.cursor.rows_left(); })
      .def(
          "read",
          [](Cursor& c, int64_t rows) {
            std::vector<DatasetColumnData> columns;
            {
              py::gil_scoped_release release;
              const std::lock_guard lock(c.mutex);
              columns = c.cursor.Read(rows);
            }
            return ColumnsDict(c.reader, std::move(columns));
          },
          py::arg("rows"));

  py::class_<DatasetReader, std::shared_ptr<DatasetReader>>(m, "DatasetReader")
      .def(py::init([](const std::filesystem::path& path) {
             py::gil_scoped_release release;
             return std::make_shared<DatasetReader>(path);
           }),
           py::arg("path"))
      .def_property_readonly("path", &DatasetReader::path)
      .def_property_readonly("files", &DatasetReader::files)
      .def_property_readonly("num_rows", &DatasetReader::num_rows)
      .def_property_readonly("num_row_groups", &DatasetReader::num_row_groups)
      .def_property_readonly("columns",
                             [](const DatasetReader& r) {
                               std::vector<std::pair<std::string, std::string>> out;
                               for (const DatasetColumnInfo& c : r.columns()) out.emplace_back(c.name, KindName(c.kind));
                               return out;
                             })
      // Column name -> the shape of one row's values, as a tuple: () for a
      // scalar column, (width,) for a flat list, (8, 64, 4) for a list
      // whose file records that shape. read_row_group's arrays are
      // (n, *shape).
      .def_property_readonly("column_shapes",
                             [](const DatasetReader& r) {
                               py::dict out;
                               for (const DatasetColumnInfo& c : r.columns()) {
                                 py::tuple shape(c.shape.size());
                                 for (size_t i = 0; i < c.shape.size(); ++i) shape[i] = c.shape[i];
                                 out[py::str(c.name)] = shape;
                               }
                               return out;
                             })
      .def_property_readonly("key_value_metadata", &DatasetReader::key_value_metadata)
      // barforge's own footer entries, read as the library reads them
      // (DatasetFooter): the keys the footer holds, as text.
      .def_property_readonly("footer",
                             [](const DatasetReader& r) {
                               const DatasetFooter footer = DatasetFooter::FromKeyValues(r.key_value_metadata());
                               py::dict out;
                               const auto add = [&](const char* name, const std::optional<std::string>& value) {
                                 if (value) out[name] = *value;
                               };
                               add("version", footer.version);
                               add("seed", footer.seed);
                               add("bars", footer.bars);
                               add("config", footer.config);
                               add("scaler", footer.scaler);
                               add("split", footer.split);
                               add("part", footer.part);
                               return out;
                             })
      .def("row_group_rows", &DatasetReader::row_group_rows, py::arg("row_group"))
      .def("row_group_first_row", &DatasetReader::row_group_first_row, py::arg("row_group"))
      .def("read_row_group", &ReadRowGroup, py::arg("row_group"), py::arg("columns"))
      .def(
          "open_row_group",
          [](const std::shared_ptr<DatasetReader>& r, int row_group, const std::vector<std::string>& names) {
            return std::make_unique<Cursor>(r, r->OpenRowGroup(row_group, names));
          },
          py::arg("row_group"), py::arg("columns"))
      .def(
          "epoch_plan",
          // positions: epoch positions to read instead of the rank's share.
          [](const DatasetReader& r, bool shuffle, uint64_t seed, int rank, int world_size,
             const std::optional<std::vector<std::pair<int64_t, int64_t>>>& positions) {
            std::vector<std::tuple<int, int64_t, int64_t>> out;
            const std::vector<RowRange> plan =
                positions ? r.EpochPlan(shuffle, seed, *positions) : r.EpochPlan(shuffle, seed, rank, world_size);
            for (const RowRange& range : plan) out.emplace_back(range.row_group, range.begin, range.end);
            return out;
          },
          py::arg("shuffle"), py::arg("seed"), py::arg("rank"), py::arg("world_size"),
          py::arg("positions") = std::nullopt)
      .def_static(
          "permutation",
          [](int64_t n, uint64_t seed) {
            return Adopt(DatasetReader::Permutation(n, seed), {static_cast<py::ssize_t>(n)});
          },
          py::arg("n"), py::arg("seed"));
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

}  // namespace barforge::python
