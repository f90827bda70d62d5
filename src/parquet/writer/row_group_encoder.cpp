#include "parquet/writer/row_group_encoder.h"

#include <chrono>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/codec.h"

namespace barforge::parquet {

namespace {

// One compressor per thread and codec/level, reused for every page.
PageCompressor& ThreadCompressor(Codec codec, int level) {
  thread_local std::vector<std::unique_ptr<PageCompressor>> compressors;
  for (auto& compressor : compressors) {
    if (compressor->codec() == codec && compressor->level() == level) return *compressor;
  }
  compressors.push_back(std::make_unique<PageCompressor>(codec, level));
  return *compressors.back();
}

}  // namespace

RowGroupEncoder::RowGroupEncoder(std::span<const ColumnSpec> schema, const RowGroupData& data,
                                 const WriterOptions& options)
    : options_(options) {
  if (data.columns.size() != schema.size()) {
    throw ParquetUsageError(fmt::format("parquet writer: row group has {} columns, the schema has {}",
                                        data.columns.size(), schema.size()));
  }
  if (data.num_rows < 0) throw ParquetUsageError("parquet writer: negative row count");
  for (size_t c = 0; c < schema.size(); ++c) {
    encoders_.push_back(ColumnChunkEncoder::Make(schema[c], data.columns[c], data.num_rows, options));
    for (size_t p = 0; p < encoders_.back()->num_pages(); ++p) jobs_.push_back({c, p});
    pages_.emplace_back(encoders_.back()->num_pages());
  }
}

EncodedPage& RowGroupEncoder::EncodePage(size_t index) {
  const auto start = std::chrono::steady_clock::now();
  const PageJob& job = jobs_[index];
  EncodedPage& page = this->page(index);
  page = encoders_[job.column]->EncodePage(job.page, ThreadCompressor(options_.codec, options_.compression_level));
  const std::chrono::duration<double> spent = std::chrono::steady_clock::now() - start;
  encode_ns_ += static_cast<int64_t>((spent.count() - page.fill_seconds) * 1e9);
  return page;
}

std::vector<EncodedColumnChunk> RowGroupEncoder::Finish() {
  std::vector<EncodedColumnChunk> chunks;
  chunks.reserve(encoders_.size());
  for (size_t c = 0; c < encoders_.size(); ++c) chunks.push_back(encoders_[c]->Finish(std::move(pages_[c])));
  return chunks;
}

}  // namespace barforge::parquet
