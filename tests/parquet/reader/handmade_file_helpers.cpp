#include "parquet/reader/handmade_file_helpers.h"

#include <unistd.h>

#include <fstream>

#include "parquet/rle.h"
#include "parquet/thrift_io.h"

namespace barforge::parquet::testing {

std::vector<uint8_t> SerializePage(const format::PageHeader& header, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> out;
  AppendThrift(header, out);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

format::PageHeader DataPageV1Header(int64_t num_values, size_t raw_size, size_t compressed_size,
                                    format::Encoding::type encoding) {
  format::PageHeader header;
  header.__set_type(format::PageType::DATA_PAGE);
  header.__set_uncompressed_page_size(static_cast<int32_t>(raw_size));
  header.__set_compressed_page_size(static_cast<int32_t>(compressed_size));
  format::DataPageHeader data;
  data.__set_num_values(static_cast<int32_t>(num_values));
  data.__set_encoding(encoding);
  data.__set_definition_level_encoding(format::Encoding::RLE);
  data.__set_repetition_level_encoding(format::Encoding::RLE);
  header.__set_data_page_header(data);
  return header;
}

void AppendPrefixedLevels(const std::vector<uint32_t>& levels, int bit_width, std::vector<uint8_t>& out) {
  std::vector<uint8_t> encoded;
  AppendRleBitPacked(levels, bit_width, encoded);
  const auto length = static_cast<uint32_t>(encoded.size());
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>(length >> (8 * b)));
  out.insert(out.end(), encoded.begin(), encoded.end());
}

std::vector<uint8_t> UncompressedDataPage(const std::vector<uint8_t>& body, int64_t num_values,
                                          format::Encoding::type encoding) {
  return SerializePage(DataPageV1Header(num_values, body.size(), body.size(), encoding), body);
}

std::vector<uint8_t> BuildFile(const std::vector<format::SchemaElement>& schema,
                               const std::vector<std::vector<HandChunk>>& row_groups,
                               const std::vector<int64_t>& rows_per_group,
                               const std::function<void(format::FileMetaData&)>& mutate) {
  std::vector<uint8_t> file = {'P', 'A', 'R', '1'};
  format::FileMetaData meta;
  meta.__set_version(1);
  meta.__set_schema(schema);
  int64_t total_rows = 0;
  std::vector<format::RowGroup> groups;
  for (size_t g = 0; g < row_groups.size(); ++g) {
    format::RowGroup group;
    int64_t group_bytes = 0;
    for (const HandChunk& chunk : row_groups[g]) {
      format::ColumnMetaData cm;
      cm.__set_type(chunk.type);
      cm.__set_encodings({format::Encoding::PLAIN, format::Encoding::RLE, format::Encoding::RLE_DICTIONARY});
      cm.__set_path_in_schema(chunk.path);
      cm.__set_codec(chunk.codec);
      cm.__set_num_values(chunk.num_values);
      const auto begin = static_cast<int64_t>(file.size());
      int64_t offset = begin;
      for (size_t p = 0; p < chunk.pages.size(); ++p) {
        if (p == 0 && chunk.has_dictionary) {
          cm.__set_dictionary_page_offset(offset);
        } else if ((p == 0 && !chunk.has_dictionary) || (p == 1 && chunk.has_dictionary)) {
          cm.__set_data_page_offset(offset);
        }
        file.insert(file.end(), chunk.pages[p].begin(), chunk.pages[p].end());
        offset = static_cast<int64_t>(file.size());
      }
      cm.__set_total_compressed_size(offset - begin);
      cm.__set_total_uncompressed_size(offset - begin);
      group_bytes += offset - begin;
      format::ColumnChunk cc;
      cc.__set_file_offset(0);
      cc.__set_meta_data(cm);
      group.columns.push_back(cc);
    }
    group.__set_total_byte_size(group_bytes);
    group.__set_num_rows(rows_per_group[g]);
    total_rows += rows_per_group[g];
    groups.push_back(group);
  }
  meta.__set_row_groups(groups);
  meta.__set_num_rows(total_rows);
  meta.__set_created_by("barforge reader tests");
  if (mutate) mutate(meta);
  std::vector<uint8_t> footer;
  AppendThrift(meta, footer);
  file.insert(file.end(), footer.begin(), footer.end());
  const auto length = static_cast<uint32_t>(footer.size());
  for (int b = 0; b < 4; ++b) file.push_back(static_cast<uint8_t>(length >> (8 * b)));
  file.insert(file.end(), {'P', 'A', 'R', '1'});
  return file;
}

namespace {

// This test process's folder of handmade files, removed when it exits.
struct ProcessTempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("barforge_reader_tests_" + std::to_string(::getpid()));
  ~ProcessTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

std::filesystem::path WriteTempFile(const std::string& name, const std::vector<uint8_t>& bytes) {
  static const ProcessTempDir dir;
  std::filesystem::create_directories(dir.path);
  const auto path = dir.path / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace barforge::parquet::testing
