// libFuzzer target: CSV bar parsing never crashes; bad input is a DataError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "barforge/error.h"
#include "rawdata/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the options so that delimiters and units are fuzzed too.
  barforge::CsvOptions options;
  options.delimiter = ",;\t|"[data[0] & 3];
  options.epoch_unit = static_cast<barforge::EpochUnit>((data[0] >> 2) % 5);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const auto columns = barforge::ParseCsvColumns(text, "fuzz.csv", "timestamp",
                                                   {"open", "high", "low", "close", "volume"}, options);
    if (columns.numbers.size() != 5) __builtin_trap();
    for (const auto& column : columns.numbers) {
      if (static_cast<int64_t>(column.size()) != columns.rows()) __builtin_trap();
    }
  } catch (const barforge::DataError&) {
  }
  return 0;
}
