// barforge._core.BarsReader: a bars dataset's rows as numpy, computed in C++
// (BarsDataset) with the GIL released.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <new>
#include <numeric>
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

#include <fmt/format.h>

#include "barforge/bars_dataset.h"
#include "barforge/error.h"
#include "barforge/parquet_writer.h"
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

// The memory of batches handed out, kept for later batches once their
// arrays are gone: a batch's fresh buffers of a few MiB cost a page fault
// per 4 KiB (and zeroing) every time, about 15% of a read. Used with the
// GIL held only (arrays are made, and their capsules run, under it), so it
// needs no lock; a process forked from this one has its own copy.
class BufferPool {
 public:
  static BufferPool& Instance() {
    static auto* pool = new BufferPool;  // never destroyed: arrays may outlive static destruction
    return *pool;
  }

  // A numpy array of `shape` (uninitialized values) over a buffer of the pool.
  template <typename T>
  py::array Array(std::vector<py::ssize_t> shape) {
    size_t count = 1;
    for (const py::ssize_t d : shape) count *= static_cast<size_t>(d);
    auto* buffer = new Buffer{Take(std::max<size_t>(1, count) * sizeof(T)), std::max<size_t>(1, count) * sizeof(T)};
    py::capsule base(buffer, [](void* p) {
      auto* b = static_cast<Buffer*>(p);
      Instance().Give(b->data, b->bytes);
      delete b;
    });
    return py::array_t<T>(std::move(shape), static_cast<T*>(buffer->data), base);
  }

 private:
  struct Buffer {
    void* data;
    size_t bytes;
  };
  // Buffers kept at most: a few batches' worth (a batch of 4,096 rows at
  // W = 64 is about 5.5 MiB); a larger read's memory goes back at once.
  static constexpr size_t kKeptBytes = size_t{48} << 20;
  static constexpr std::align_val_t kAlign{64};

  void* Take(size_t bytes) {
    for (size_t i = free_.size(); i-- > 0;) {
      if (free_[i].bytes != bytes) continue;
      void* data = free_[i].data;
      kept_ -= bytes;
      free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
      return data;
    }
    return ::operator new(bytes, kAlign);
  }

  void Give(void* data, size_t bytes) {
    if (kept_ + bytes > kKeptBytes) {
      ::operator delete(data, kAlign);
      return;
    }
    free_.push_back({data, bytes});
    kept_ += bytes;
  }

  std::vector<Buffer> free_;
  size_t kept_ = 0;
};

// Rows `ids` of columns `names` as DatasetReader.read_row_group gives a row
// group: int64 (n,) for integers and timestamps (ns), int8 / int16 (n,),
// float32 (n,) or (n, width), a cross-section's lists (n, *shape) (present
// as uint8 0 / 1), and for strings a pair (int32 codes, list of
// distinct str). Computed straight into the arrays, with the GIL released.
py::dict ReadColumns(const BarsDataset& r, std::span<const int64_t> ids, const std::vector<std::string>& names) {
  const std::vector<size_t> indices = r.ColumnIndices(names);
  const auto rows = static_cast<py::ssize_t>(ids.size());
  BufferPool& pool = BufferPool::Instance();
  std::vector<py::array> arrays;
  std::vector<BarsDataset::ColumnOut> out(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    const DatasetColumnInfo& info = r.columns()[indices[i]];
    // (n,) for a scalar column, (n, *shape) for a list: (n, width) for a
    // flat one, (n, M, W, 4) for a cross-section's ohlc (M, W from the file).
    std::vector<py::ssize_t> shape = {rows};
    if (parquet::IsListType(info.kind)) {
      for (const int64_t dimension : info.shape) shape.push_back(static_cast<py::ssize_t>(dimension));
      if (info.shape.empty()) shape.push_back(static_cast<py::ssize_t>(r.ColumnWidth(indices[i])));
    }
    switch (info.kind) {
      case parquet::ColumnType::kInt64:
      case parquet::ColumnType::kInt64List:
      case parquet::ColumnType::kTimestamp:
      case parquet::ColumnType::kInt32: arrays.push_back(pool.Array<int64_t>(shape)); break;
      case parquet::ColumnType::kInt8:
      case parquet::ColumnType::kInt8List: arrays.push_back(pool.Array<int8_t>(shape)); break;
      case parquet::ColumnType::kInt16:
      case parquet::ColumnType::kInt16List: arrays.push_back(pool.Array<int16_t>(shape)); break;
      case parquet::ColumnType::kFloat:
      case parquet::ColumnType::kFloatList: arrays.push_back(pool.Array<float>(shape)); break;
      case parquet::ColumnType::kBoolList: arrays.push_back(pool.Array<uint8_t>(shape)); break;  // 0 / 1: viewed as bool
      case parquet::ColumnType::kString: arrays.push_back(pool.Array<int32_t>(shape)); break;
      case parquet::ColumnType::kDouble: arrays.push_back(pool.Array<double>(shape)); break;
      case parquet::ColumnType::kBool: throw std::logic_error("a bars dataset holds no column of this type: " + info.name);
    }
    out[i].values = arrays.back().mutable_data();
  }
  {
    py::gil_scoped_release release;
    r.ReadSamplesInto(ids, indices, out);
  }
  py::dict dict;
  for (size_t i = 0; i < indices.size(); ++i) {
    const DatasetColumnInfo& info = r.columns()[indices[i]];
    if (info.kind == parquet::ColumnType::kString) {
      dict[py::str(info.name)] = py::make_tuple(arrays[i], out[i].dictionary);
    } else {
      dict[py::str(info.name)] = arrays[i];
    }
  }
  return dict;
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
      .def(py::init([](const std::filesystem::path& path, const std::filesystem::path& shared, uint64_t token) {
             py::gil_scoped_release release;
             return std::make_shared<BarsDataset>(path, BarsDataset::SharedSource{shared, token});
           }),
           py::arg("path"), py::arg("shared"), py::arg("token"))
      .def_property_readonly("shared_descriptor", &BarsDataset::SharedDescriptor)
      .def_property_readonly("attached", &BarsDataset::attached)
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
      .def_property_readonly("samples_arrow_schema", &BarsDataset::SamplesArrowSchema)
      // The row groups of the samples file of the same config (chunk_rows
      // rows each from row 0, the last one shorter): code that walks a
      // dataset by row groups reads the same rows from either storage.
      .def_property_readonly("num_row_groups",
                             [](const BarsDataset& r) {
                               const int64_t chunk = r.config().chunk_rows;
                               return (r.num_rows() + chunk - 1) / chunk;
                             })
      .def(
          "row_group_first_row",
          [](const BarsDataset& r, int64_t group) {
            const int64_t chunk = r.config().chunk_rows;
            if (group < 0 || group * chunk >= r.num_rows()) {
              throw DataError(fmt::format("{}: no row group {}", r.path().string(), group));
            }
            return group * chunk;
          },
          py::arg("group"))
      .def(
          "row_group_rows",
          [](const BarsDataset& r, int64_t group) {
            const int64_t chunk = r.config().chunk_rows;
            if (group < 0 || group * chunk >= r.num_rows()) {
              throw DataError(fmt::format("{}: no row group {}", r.path().string(), group));
            }
            return std::min(chunk, r.num_rows() - group * chunk);
          },
          py::arg("group"))
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
            if (start < 0 || stop < start || stop > r.num_rows()) {
              throw DataError(fmt::format("{}: rows [{}, {}) are not within its {} rows", r.path().string(), start,
                                          stop, r.num_rows()));
            }
            std::vector<int64_t> ids(static_cast<size_t>(stop - start));
            std::iota(ids.begin(), ids.end(), start);
            return ReadColumns(r, ids, names);
          },
          py::arg("start"), py::arg("stop"), py::arg("columns"))
      .def(
          "read_samples",
          [](const BarsDataset& r, const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& ids,
             const std::vector<std::string>& names) {
            return ReadColumns(r, std::span<const int64_t>(ids.data(), static_cast<size_t>(ids.size())), names);
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
