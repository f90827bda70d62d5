#pragma once
// One row group's worth of samples, column-major, computed stage by stage.

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "barforge/parquet_writer.h"
#include "features/meta_scaler.h"
#include "features/prepared_series.h"
#include "sampling/sampler.h"

namespace barforge {

/// Nanoseconds spent in each per-chunk stage, summed over threads.
struct ChunkStageClock {
  std::atomic<int64_t> sampling{0};
  std::atomic<int64_t> features{0};
  std::atomic<int64_t> scaling{0};
  std::atomic<int64_t> rewards{0};
  std::atomic<int64_t> encoding{0};
};

/// Everything the per-chunk stages read; shared by all threads, read-only.
struct ChunkInputs {
  const Sampler* sampler = nullptr;
  std::span<const PreparedSeries> series;
  const MetaScaler* scaler = nullptr;
  int window = 0;
  int horizon = 0;
  double fee = 0;  ///< fee_bps * 1e-4
};

/// Column buffers of one chunk. Reused between chunks to avoid refaulting
/// hundreds of megabytes per row group.
class SampleChunk {
 public:
  /// Computes samples [first_sample, first_sample + num_rows).
  void Compute(const ChunkInputs& inputs, int64_t first_sample, int64_t num_rows, ChunkStageClock& clock);

  /// Views of the buffers in dataset schema order (see dataset_schema.h).
  parquet::RowGroupData View(std::span<const std::string> tickers) const;

  int64_t num_rows() const { return num_rows_; }

 private:
  int64_t num_rows_ = 0;
  std::vector<SampleDraw> draws_;
  std::vector<int64_t> sample_id_, timestamp_, bar_index_;
  std::vector<int32_t> ticker_;
  std::vector<double> raw_meta_;
  std::vector<float> ohlc_, volume_, meta_, rewards_, fwd_return_;
};

}  // namespace barforge
