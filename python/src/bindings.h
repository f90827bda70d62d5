#pragma once
// The binding areas of the extension barforge._core. Each lives in its own
// file and is registered in module.cpp; adding an area is one declaration
// here and one call there.

#include <pybind11/pybind11.h>

#include "barforge/parquet_writer.h"

namespace barforge::python {

/// barforge's C++ exceptions as Python exceptions (errors.cpp).
void BindErrors(pybind11::module_& m);
/// Config loading and the dataset build (build_bindings.cpp).
void BindBuild(pybind11::module_& m);
/// Reading datasets into numpy (dataset_bindings.cpp).
void BindDataset(pybind11::module_& m);
/// Reading bars datasets (storage: bars) into numpy (bars_bindings.cpp).
void BindBars(pybind11::module_& m);
/// MetaScaler and the feature transform (transform_bindings.cpp).
void BindTransform(pybind11::module_& m);

/// A column type as the readers' `columns` name it to Python ("int64",
/// "float32_list", ...; dataset_bindings.cpp), for both storages.
const char* KindName(parquet::ColumnType kind);

}  // namespace barforge::python
