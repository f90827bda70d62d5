// barforge._core: the extension module the pure-Python package wraps.

#include <pybind11/pybind11.h>

#include "barforge/version.h"
#include "bindings.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "barforge's C++ library (use the barforge package, not this module)";
  m.attr("__version__") = barforge::kVersion;
  barforge::python::BindErrors(m);
  barforge::python::BindBuild(m);
  barforge::python::BindDataset(m);
  barforge::python::BindBars(m);
  barforge::python::BindTransform(m);
}
