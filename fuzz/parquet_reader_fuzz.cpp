// libFuzzer target: reading any bytes as Parquet never crashes, hangs or
// reads out of bounds; bad input is a ParquetError (or IoError).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader works on files; /dev/shm keeps this in memory.
  static const std::string path = "/dev/shm/barforge-fuzz-" + std::to_string(getpid()) + ".parquet";
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return 0;
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  try {
    const barforge::parquet::ParquetReader reader(path);
    for (size_t c = 0; c < reader.columns().size(); ++c) {
      const auto column = reader.ReadColumn(c);
      if (column.num_rows != reader.num_rows()) __builtin_trap();
    }
  } catch (const barforge::Error&) {
  }
  return 0;
}
