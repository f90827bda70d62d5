// barforge's C++ exceptions as Python exceptions, chosen by the C++ type
// (never by the message), each carrying the one-line message the CLI prints
// after "barforge: error: ":
//   ConfigError          -> barforge.ConfigError   (a ValueError)
//   DataError            -> barforge.DataError     (a ValueError)
//   ParquetError         -> barforge.ParquetError  (a ValueError)
//   NotFoundError        -> FileNotFoundError
//   AlreadyExistsError   -> FileExistsError
//   IoError (any other)  -> OSError
//   Cancelled            -> KeyboardInterrupt (the build stopped on Ctrl-C)
//   any other Error      -> RuntimeError (ParquetUsageError: a bug, not the data)

#include <Python.h>

#include <string>

#include <pybind11/pybind11.h>

#include "barforge/error.h"
#include "bindings.h"
#include "errors.h"

namespace barforge::python {

namespace {

// The module's exception classes; they live as long as the interpreter
// (the module is never unloaded), so the references are kept for good.
PyObject* config_error_class = nullptr;
PyObject* data_error_class = nullptr;
PyObject* parquet_error_class = nullptr;

PyObject* AddClass(pybind11::module_& m, const char* name, const char* doc) {
  const std::string qualified = std::string("barforge.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, PyExc_ValueError, nullptr);
  if (type == nullptr) throw pybind11::error_already_set();
  m.add_object(name, pybind11::reinterpret_borrow<pybind11::object>(type));
  return type;  // the new reference is kept
}

}  // namespace

void BindErrors(pybind11::module_& m) {
  config_error_class = AddClass(m, "ConfigError",
                                "A config key is unknown, ill-typed or out of range (the message names the key).");
  data_error_class = AddClass(m, "DataError",
                              "Invalid input data: raw bars, a scaler, a file that is not a barforge dataset.");
  parquet_error_class = AddClass(m, "ParquetError", "A Parquet file is invalid, truncated or corrupt.");
  pybind11::register_exception_translator([](std::exception_ptr pointer) {
    try {
      if (pointer) std::rethrow_exception(pointer);
    } catch (const Cancelled&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const ConfigError& error) {
      PyErr_SetString(config_error_class, error.what());
    } catch (const DataError& error) {
      PyErr_SetString(data_error_class, error.what());
    } catch (const ParquetError& error) {
      PyErr_SetString(parquet_error_class, error.what());
    } catch (const NotFoundError& error) {
      PyErr_SetString(PyExc_FileNotFoundError, error.what());
    } catch (const AlreadyExistsError& error) {
      PyErr_SetString(PyExc_FileExistsError, error.what());
    } catch (const IoError& error) {
      PyErr_SetString(PyExc_OSError, error.what());
    } catch (const Error& error) {
      PyErr_SetString(PyExc_RuntimeError, error.what());
    }
  });
}

}  // namespace barforge::python
