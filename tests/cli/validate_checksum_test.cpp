// `barforge validate` refuses a dataset with a flipped bit in any data page:
// the page checksums the writer puts in every page header catch what the
// value checks cannot (a flipped mantissa bit is still a finite float).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "barforge/parquet_reader.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/thrift_io.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

struct DataPage {
  uint64_t payload_offset = 0;
  uint64_t payload_size = 0;
};

std::vector<DataPage> DataPages(const std::filesystem::path& path, const std::string& bytes) {
  const parquet::ParquetReader reader(path);
  std::vector<DataPage> pages;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    for (const parquet::ColumnChunkMetadata& chunk : reader.row_group_metadata(g).columns) {
      auto pos = static_cast<uint64_t>(chunk.dictionary_page_offset.value_or(chunk.data_page_offset));
      const uint64_t end = pos + static_cast<uint64_t>(chunk.total_compressed_size);
      while (pos < end) {
        parquet::format::PageHeader header;
        pos += parquet::ReadThrift(reinterpret_cast<const uint8_t*>(bytes.data()) + pos, end - pos, &header,
                                   "page header");
        const auto size = static_cast<uint64_t>(header.compressed_page_size);
        if (header.type == parquet::format::PageType::DATA_PAGE) pages.push_back({pos, size});
        pos += size;
      }
    }
  }
  return pages;
}

TEST(ValidateChecksum, EveryBitFlipInADataPageIsRefused) {
  TempDir dir;
  WriteConfig(dir.path(), "data_dir: data\ntickers: [AAA, BBB]\nsynthetic: {n_bars: 600}\nwindow: 8\nhorizon: 4\n"
                          "n_samples: 400\nchunk_rows: 200\n");
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  const auto dataset = dir / "data/samples_400.parquet";
  ASSERT_EQ(RunBarforge(dir.path(), "validate data/samples_400.parquet").exit_code, 0);
  const std::string good = ReadFile(dataset);
  const std::vector<DataPage> pages = DataPages(dataset, good);
  ASSERT_GE(pages.size(), 18u);  // a page per column (9) and row group (2)
  const auto flipped = dir / "flipped.parquet";
  int flips = 0;
  for (size_t i = 0; flips < 60; ++i) {
    const DataPage& page = pages[i % pages.size()];
    const uint64_t at = page.payload_offset + (i * 2654435761u) % page.payload_size;
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (i % 8)));
    std::ofstream(flipped, std::ios::binary | std::ios::trunc) << bytes;
    const CommandResult result = RunBarforge(dir.path(), "validate flipped.parquet");
    EXPECT_EQ(result.exit_code, 1) << "bit " << i % 8 << " of byte " << at << " passed validate";
    EXPECT_NE(result.err.find("CRC-32"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.rfind("barforge: error: ", 0), 0u) << result.err;
    ++flips;
  }
}

}  // namespace
}  // namespace barforge::testing
