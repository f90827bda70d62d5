#pragma once
// Exceptions of the Python layer that are not barforge errors.

#include <exception>

namespace barforge::python {

/// Thrown from a build's progress hook when the caller asked to stop
/// (Ctrl-C in Python); translated to KeyboardInterrupt.
class Cancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "cancelled"; }
};

}  // namespace barforge::python
