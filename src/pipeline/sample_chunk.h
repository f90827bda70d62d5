#pragma once
// One row group's worth of samples, column-major, computed stage by stage.

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "barforge/dataset_layout.h"
#include "barforge/parquet_writer.h"
#include "features/meta_scaler.h"
#include "features/prepared_series.h"
#include "sampling/sampler.h"

namespace barforge {

class BuildMonitor;

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
  const DatasetLayout* layout = nullptr;
  double fee = 0;  ///< fee_bps * 1e-4
  /// Progress and cancellation (may be null): each ohlc page adds its rows
  /// and checks for cancellation.
  BuildMonitor* monitor = nullptr;
};

/// The label columns of a chunk (rewards, fwd_return, fwd_return_{h},
/// tb_*), one slot per sample (a cross-section has one per (row, ticker)):
/// SampleChunk and CrossSectionChunk compute a slot with the one Compute
/// below, so a ticker's slice of a cross-section has the single-ticker
/// sample's values by construction.
struct LabelColumns {
  std::vector<float> rewards;                         ///< kActionCount per slot
  std::vector<float> fwd_return;
  std::vector<std::vector<float>> extra_fwd_return;  ///< one column per extra horizon
  std::vector<int8_t> tb_label;                      ///< triple barrier only (else empty)
  std::vector<int16_t> tb_bars;
  std::vector<float> tb_return;

  /// `slots` slots of `layout`'s columns; `zero` sets every value to 0
  /// (else the values left from the last chunk stay until computed).
  void Resize(const DatasetLayout& layout, size_t slots, bool zero);
  /// Slot `slot`: the labels of the sample (series, end_bar, position);
  /// `raw_meta` its raw meta features (the triple barrier's sigma is the
  /// raw volatility).
  void Compute(size_t slot, const PreparedSeries& series, int64_t end_bar, int8_t position,
               const std::array<double, kMetaFeatureCount>& raw_meta, const DatasetLayout& layout, double fee);
  /// The writer's values of label column `kind` (rewards, fwd_return,
  /// fwd_return_{h}, tb_label, tb_bars, tb_return), viewed; both chunks'
  /// View() call it in the layout's column order, with `extra` counting the
  /// fwd_return_{h} columns viewed so far.
  parquet::ColumnValues View(DatasetColumnKind kind, size_t& extra) const;
};

/// One chunk's samples. The narrow columns are computed for the whole chunk
/// (on all threads) into buffers reused between chunks; the wide window
/// features (ohlc and volume, 1,280 bytes a row at W=64) are computed page
/// by page while the writer encodes, so a row group never exists
/// uncompressed in memory.
class SampleChunk {
 public:
  /// Computes samples [first_sample, first_sample + num_rows) except the
  /// window features. `inputs` and `clock` must outlive View()'s use.
  void Compute(const ChunkInputs& inputs, int64_t first_sample, int64_t num_rows, ChunkStageClock& clock);
  /// The same for the samples `sample_ids`, row r being sample sample_ids[r]
  /// (a bars dataset's reader: any rows, in any order). `sample_ids` must
  /// outlive Compute only.
  void Compute(const ChunkInputs& inputs, std::span<const int64_t> sample_ids, ChunkStageClock& clock);

  /// The columns of the layout's Columns(), in that order; ohlc and
  /// volume are FloatPages that compute their rows on demand (timed as
  /// features).
  parquet::RowGroupData View(std::span<const std::string> tickers) const;

  int64_t num_rows() const { return num_rows_; }

 private:
  /// Both Compute: row r is sample id_of(r).
  template <class IdOf>
  void ComputeSamples(const ChunkInputs& inputs, int64_t num_rows, IdOf id_of, ChunkStageClock& clock);
  /// FloatPages::Fill of the ohlc and volume columns (source: the chunk).
  static void FillOhlc(const void* chunk, int64_t first_row, int64_t rows, std::span<float> out);
  static void FillVolume(const void* chunk, int64_t first_row, int64_t rows, std::span<float> out);
  template <class ComputeRows>
  void FillWindowFeature(int64_t first_row, int64_t rows, std::span<float> out, ComputeRows compute_rows) const;

  const ChunkInputs* inputs_ = nullptr;
  ChunkStageClock* clock_ = nullptr;
  int64_t num_rows_ = 0;
  std::vector<SampleDraw> draws_;
  std::vector<int64_t> sample_id_, timestamp_, bar_index_;
  std::vector<int32_t> ticker_;
  std::vector<float> meta_;
  LabelColumns labels_;
};

}  // namespace barforge
