// barforge.MetaScaler, barforge.transform, barforge.transform_many and
// barforge.transform_cross_section's C++ side: the library's FeatureTransform
// and CrossSectionTransform over numpy arrays (viewed, not copied, when they
// already are contiguous int64 / float64), the GIL released while it computes.

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "barforge/config.h"
#include "barforge/feature_transform.h"
#include "bindings.h"

namespace py = pybind11;

namespace barforge::python {

namespace {

using Int64Array = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IntArray = py::array_t<int, py::array::c_style | py::array::forcecast>;

// The six columns as the caller gives them, kept alive while viewed.
struct Bars {
  Int64Array timestamp;
  DoubleArray open, high, low, close, volume;
  BarColumns columns;

  Bars(Int64Array timestamp_ns, DoubleArray o, DoubleArray h, DoubleArray l, DoubleArray c, DoubleArray v,
       const std::string& source, const std::array<std::string, 6>& names)
      : timestamp(std::move(timestamp_ns)), open(std::move(o)), high(std::move(h)), low(std::move(l)),
        close(std::move(c)), volume(std::move(v)) {
    columns.source = source;
    columns.names = {names[0], names[1], names[2], names[3], names[4], names[5]};
    columns.timestamp_ns = View(timestamp);
    columns.open = View(open);
    columns.high = View(high);
    columns.low = View(low);
    columns.close = View(close);
    columns.volume = View(volume);
  }

  template <typename T>
  static std::span<const T> View(const py::array_t<T, py::array::c_style | py::array::forcecast>& array) {
    if (array.ndim() != 1) throw py::value_error("bars columns must be one-dimensional");
    return {array.data(), static_cast<size_t>(array.size())};
  }
};

// numpy's own (uninitialised) float32 array of `shape`.
py::array_t<float> Floats(std::vector<py::ssize_t> shape) { return py::array_t<float>(std::move(shape)); }

std::span<float> Span(py::array_t<float>& array) {
  return {array.mutable_data(), static_cast<size_t>(array.size())};
}

py::tuple TransformMany(const FeatureTransform& transform, const Bars& bars, const Int64Array& ends,
                        const IntArray& positions) {
  const auto n = static_cast<py::ssize_t>(ends.size());
  const py::ssize_t w = transform.window();
  py::array_t<float> ohlc = Floats({n, w, 4});
  py::array_t<float> volume = Floats({n, w});
  py::array_t<float> meta = Floats({n, kMetaFeatureCount});
  const std::span<const int64_t> end_span(ends.data(), static_cast<size_t>(ends.size()));
  const std::span<const int> position_span(positions.data(), static_cast<size_t>(positions.size()));
  const FeatureOutput out{Span(ohlc), Span(volume), Span(meta)};
  {
    py::gil_scoped_release release;
    transform.TransformMany(bars.columns, end_span, position_span, out);
  }
  return py::make_tuple(ohlc, volume, meta);
}

// ohlc (M, W, 4), volume (M, W), meta (M, 6), present bool (M,), end int64
// (M,) and each ticker's status text, of the cross-section at `timestamp_ns`.
py::tuple TransformCrossSection(const CrossSectionTransform& cross, const py::dict& bars, int64_t timestamp_ns,
                                const IntArray& positions) {
  std::map<std::string, BarColumns, std::less<>> columns;
  for (const auto& [ticker, value] : bars) columns.emplace(py::cast<std::string>(ticker), value.cast<const Bars&>().columns);
  const auto m = static_cast<py::ssize_t>(cross.tickers().size());
  const py::ssize_t w = cross.window();
  py::array_t<float> ohlc = Floats({m, w, 4});
  py::array_t<float> volume = Floats({m, w});
  py::array_t<float> meta = Floats({m, kMetaFeatureCount});
  py::array present(py::dtype("bool"), std::vector<py::ssize_t>{m});  // numpy bools are bytes 0 / 1
  py::array_t<int64_t> end(std::vector<py::ssize_t>{m});
  std::vector<CrossSectionStatus> status(static_cast<size_t>(m));
  const std::span<const int> position_span(positions.data(), static_cast<size_t>(positions.size()));
  const CrossSectionOutput out{Span(ohlc),
                               Span(volume),
                               Span(meta),
                               {static_cast<uint8_t*>(present.mutable_data()), static_cast<size_t>(m)},
                               {end.mutable_data(), static_cast<size_t>(m)},
                               status};
  {
    py::gil_scoped_release release;
    cross.Transform(columns, timestamp_ns, position_span, out);
  }
  std::vector<std::string> status_text;
  for (const CrossSectionStatus s : status) status_text.emplace_back(CrossSectionStatusText(s));
  return py::make_tuple(ohlc, volume, meta, present, end, status_text);
}

}  // namespace

void BindTransform(py::module_& m) {
  py::class_<Bars>(m, "_Bars", "Six bar columns viewed by the transform (internal)")
      .def(py::init<Int64Array, DoubleArray, DoubleArray, DoubleArray, DoubleArray, DoubleArray, std::string,
                    std::array<std::string, 6>>(),
           py::arg("timestamp_ns"), py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"),
           py::arg("volume"), py::arg("source"), py::arg("names"))
      .def("__len__", [](const Bars& bars) { return bars.columns.size(); })
      .def("find_bar", [](const Bars& bars, int64_t timestamp_ns) {
        return FeatureTransform::FindBar(bars.columns, timestamp_ns);
      });

  py::class_<FeatureTransform>(m, "MetaScaler",
                               "The meta scaler a build saved: the window it was fitted with and the mean and "
                               "population std of each raw meta feature. MetaScaler.load(path) reads the scaler "
                               "JSON or a dataset .parquet's footer.")
      .def_static(
          "load",
          [](const std::filesystem::path& path, std::optional<int> window) {
            return FeatureTransform::FromFile(path, window.value_or(0));
          },
          py::arg("path"), py::arg("window") = py::none(),
          "Reads a scaler JSON file or a dataset Parquet file's footer; with `window`, refuses a scaler fitted "
          "with another window (ValueError).")
      .def_static("from_json", &FeatureTransform::FromJson, py::arg("text"), py::arg("source") = "meta scaler JSON",
                  "Reads a scaler from its JSON text; `source` names it in errors.")
      .def_property_readonly("window", &FeatureTransform::window, "W, the window the scaler was fitted with.")
      .def_property_readonly("horizon", &FeatureTransform::horizon, "H, the horizon of the build that fitted it.")
      .def_property_readonly("count", &FeatureTransform::count, "The number of samples it was fitted on.")
      .def_property_readonly(
          "mean", [](const FeatureTransform& t) { return std::vector<double>(t.mean().begin(), t.mean().end()); },
          "The mean of each raw meta feature, in the order of `features`.")
      .def_property_readonly(
          "std", [](const FeatureTransform& t) { return std::vector<double>(t.std().begin(), t.std().end()); },
          "The population std of each raw meta feature, in the order of `features`.")
      .def_property_readonly(
          "features",
          [](const FeatureTransform&) {
            return std::vector<std::string>(kMetaFeatureNames.begin(), kMetaFeatureNames.end());
          },
          "The six meta features' names, in the dataset's order.")
      .def_property_readonly("source", &FeatureTransform::source, "Where the scaler was read from (its file).")
      .def("to_json", &FeatureTransform::ToJson, "The scaler as the JSON text a build writes.")
      .def("__repr__", [](const FeatureTransform& t) {
        return "MetaScaler(window=" + std::to_string(t.window()) + ", horizon=" + std::to_string(t.horizon()) +
               ", count=" + std::to_string(t.count()) + ", source='" + t.source() + "')";
      })
      .def(
          "_transform",
          [](const FeatureTransform& transform, const Bars& bars, int64_t end, int position) {
            const py::ssize_t w = transform.window();
            py::array_t<float> ohlc = Floats({w, 4});
            py::array_t<float> volume = Floats({w});
            py::array_t<float> meta = Floats({kMetaFeatureCount});
            // One window takes microseconds: releasing the GIL would cost more than it frees.
            transform.Transform(bars.columns, end, position, {Span(ohlc), Span(volume), Span(meta)});
            return py::make_tuple(ohlc, volume, meta);
          },
          py::arg("bars"), py::arg("end"), py::arg("position"))
      .def("_transform_many", &TransformMany, py::arg("bars"), py::arg("ends"), py::arg("positions"))
      .def(
          "_bar_of_index",
          [](const FeatureTransform& transform, const Bars& bars, int64_t bar_index) {
            return transform.BarOfIndex(bars.columns, bar_index);
          },
          py::arg("bars"), py::arg("bar_index"));

  py::class_<CrossSectionTransform>(m, "CrossSectionTransform",
                                    "The serving side of a cross-sectional dataset: its scaler, its M tickers in "
                                    "order and its max_gap. CrossSectionTransform.load(path) reads them from the "
                                    "dataset; CrossSectionTransform(scaler, tickers, max_gap_ns=0) takes them.")
      .def(py::init<FeatureTransform, std::vector<std::string>, int64_t>(), py::arg("scaler"), py::arg("tickers"),
           py::arg("max_gap_ns") = 0,
           "A cross-section of `tickers` (the dataset's order) with the MetaScaler `scaler`; max_gap_ns: the "
           "build's max_gap in ns (0: off).")
      .def_static("load", &CrossSectionTransform::FromDataset, py::arg("path"),
                  "From a cross-sectional dataset (a samples file or a directory of parts): its footer's scaler, "
                  "tickers and config's max_gap. ValueError for a dataset that is not cross-sectional.")
      .def_property_readonly("scaler", &CrossSectionTransform::transform, "The MetaScaler of every ticker.")
      .def_property_readonly("tickers", &CrossSectionTransform::tickers, "The M tickers, in the dataset's order.")
      .def_property_readonly("max_gap_ns", &CrossSectionTransform::max_gap_ns,
                             "The build's max_gap in ns (0: off): a window with two consecutive bars further "
                             "apart is absent.")
      .def_property_readonly("window", &CrossSectionTransform::window, "W, the scaler's window.")
      .def("__repr__",
           [](const CrossSectionTransform& c) {
             return "CrossSectionTransform(tickers=" + std::to_string(c.tickers().size()) +
                    ", window=" + std::to_string(c.window()) + ", max_gap_ns=" + std::to_string(c.max_gap_ns()) +
                    ", source='" + c.transform().source() + "')";
           })
      .def("_transform", &TransformCrossSection, py::arg("bars"), py::arg("timestamp_ns"), py::arg("positions"));
  // max_gap's text read by the config's own rule (ConfigError naming the key).
  m.def(
      "_max_gap_ns",
      [](const std::string& yaml_text) { return LoadConfigText(yaml_text, "max_gap").max_gap_ns; },
      py::arg("yaml_text"));
}

}  // namespace barforge::python
