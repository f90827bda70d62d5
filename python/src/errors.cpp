// barforge's C++ exceptions as the Python exceptions a user expects, each
// carrying the one-line message the CLI prints after "barforge: error: ".
//   ConfigError                      -> ValueError
//   missing file ("... not found", "cannot open ...: No such file ...")
//                                    -> FileNotFoundError
//   output exists ("... already exists ...")
//                                    -> FileExistsError
//   DataError, ParquetError          -> ValueError
//   IoError                          -> OSError
//   Cancelled (build stopped)        -> KeyboardInterrupt

#include <Python.h>

#include <string_view>

#include "barforge/error.h"
#include "bindings.h"
#include "errors.h"

namespace barforge::python {

namespace {

bool Contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

PyObject* ExceptionTypeFor(const Error& error) {
  const std::string_view message = error.what();
  if (Contains(message, "not found") || Contains(message, "No such file or directory")) {
    return PyExc_FileNotFoundError;
  }
  if (Contains(message, "already exists")) return PyExc_FileExistsError;
  if (dynamic_cast<const IoError*>(&error) != nullptr) return PyExc_OSError;
  return PyExc_ValueError;
}

}  // namespace

void BindErrors(pybind11::module_& m) {
  (void)m;
  pybind11::register_exception_translator([](std::exception_ptr pointer) {
    try {
      if (pointer) std::rethrow_exception(pointer);
    } catch (const Cancelled&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const Error& error) {
      PyErr_SetString(ExceptionTypeFor(error), error.what());
    }
  });
}

}  // namespace barforge::python
