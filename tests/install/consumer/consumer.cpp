// Builds a small synthetic dataset through barforge's public API and reads it
// back: what a C++ user of an installed barforge can do with nothing but
// find_package(barforge CONFIG) and barforge::barforge.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/dataset_reader.h"
#include "barforge/error.h"
#include "barforge/pipeline.h"
#include "barforge/version.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: barforge_consumer DATA_DIR\n");
    return 2;
  }
  try {
    const std::filesystem::path data_dir = argv[1];
    const barforge::Config config = barforge::LoadConfig(
        "", {"data_dir=" + data_dir.string(), "n_samples=3000", "chunk_rows=1000", "window=8", "horizon=4",
             "synthetic.n_bars=500", "n_jobs=1"});
    const barforge::BuildSummary summary = barforge::RunBuild(config, barforge::BuildOptions{});

    const barforge::DatasetReader reader(barforge::SamplesPath(config));
    int64_t rows = 0;
    int64_t ids_in_order = 0;
    for (int g = 0; g < reader.num_row_groups(); ++g) {
      const std::vector<barforge::DatasetColumnData> columns = reader.ReadRowGroup(g, {"sample_id", "ohlc"});
      // In the order asked for.
      const barforge::DatasetColumnData& ids = columns.at(0);
      const barforge::DatasetColumnData& ohlc = columns.at(1);
      if (ohlc.width != 4 * 8 || ohlc.floats.size() != static_cast<size_t>(ohlc.rows * ohlc.width)) {
        std::fprintf(stderr, "ohlc of row group %d: width %lld, %zu values\n", g,
                     static_cast<long long>(ohlc.width), ohlc.floats.size());
        return 1;
      }
      for (int64_t r = 0; r < ids.rows; ++r) ids_in_order += ids.int64s[r] == rows + r ? 1 : 0;
      rows += ids.rows;
    }
    std::printf("barforge %s: built %lld samples in %d row groups, read back %lld rows, %lld sample ids in order\n",
                barforge::kVersion, static_cast<long long>(summary.rows), reader.num_row_groups(),
                static_cast<long long>(rows), static_cast<long long>(ids_in_order));
    return 0;
  } catch (const barforge::Error& e) {
    std::fprintf(stderr, "barforge_consumer: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "barforge_consumer: unexpected: %s\n", e.what());
    return 1;
  }
}
