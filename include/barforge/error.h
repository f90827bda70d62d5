#pragma once
// barforge's exceptions, by cause. Every message that reaches a user names
// where the problem is: file, row, column, key, byte offset.

#include <stdexcept>
#include <string>

namespace barforge {

/// Base of every error barforge reports to a user.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A configuration key is unknown, ill-typed or out of range.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// Input data (raw bars, CSV) is missing or invalid.
class DataError : public Error {
 public:
  using Error::Error;
};

/// A Parquet file is invalid or corrupt (the message names file and offset).
class ParquetError : public Error {
 public:
  using Error::Error;
};

/// The Parquet writer was called in a way its API does not allow: a schema
/// or options it cannot write, or row-group values that do not match the
/// schema. A bug in the caller, not in the data.
class ParquetUsageError : public Error {
 public:
  using Error::Error;
};

/// An operating-system level failure: open, write, rename, disk full.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A file or directory the caller named does not exist: a config, raw
/// data or bars file, a dataset, a scaler. The message names it.
class NotFoundError : public IoError {
 public:
  using IoError::IoError;
};

/// An output exists and may not be replaced. The message names it and says
/// how to replace it.
class AlreadyExistsError : public IoError {
 public:
  using IoError::IoError;
};

}  // namespace barforge
