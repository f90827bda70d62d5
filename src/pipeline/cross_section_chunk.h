#pragma once
// One row group of cross-sectional samples (docs/dataset.md,
// "Cross-sections"): row r is a timestamp t, and its slot (r, m) holds
// member m's sample (m, end bar at t, the row's position), computed by the
// per-sample code of SampleChunk (LabelColumns, ComputeRawMeta,
// MetaScaler::Apply, the window features), or zeros when m is absent.

#include <cstdint>
#include <span>
#include <vector>

#include "barforge/dataset_layout.h"
#include "barforge/parquet_writer.h"
#include "pipeline/sample_chunk.h"
#include "sampling/cross_section_sampler.h"

namespace barforge {

/// What a cross-sectional chunk reads besides ChunkInputs (whose sampler is
/// unused): the split's timestamps and which series each member is.
struct CrossSectionInputs {
  ChunkInputs chunk;
  const CrossSectionSampler* sampler = nullptr;
  std::span<const uint32_t> members;  ///< member m is chunk.series[members[m]]
};

class CrossSectionChunk {
 public:
  /// Computes rows [first_sample, first_sample + num_rows) except the
  /// window features (computed page by page in View()'s FloatPages).
  /// `inputs` and `clock` must outlive View()'s use.
  void Compute(const CrossSectionInputs& inputs, int64_t first_sample, int64_t num_rows, ChunkStageClock& clock);
  /// The same for the samples `sample_ids`, row r being sample sample_ids[r]
  /// (a bars dataset's reader: any rows, in any order, the same bits as the
  /// range Compute). `sample_ids` must outlive Compute only.
  void Compute(const CrossSectionInputs& inputs, std::span<const int64_t> sample_ids, ChunkStageClock& clock);

  /// The columns of the layout's Columns(), in that order.
  parquet::RowGroupData View() const;

  int64_t num_rows() const { return num_rows_; }
  int members() const { return members_; }
  /// Column values, slot (r, m) at r * M + m (tests read them here).
  const std::vector<int64_t>& sample_ids() const { return sample_id_; }
  const std::vector<int64_t>& timestamps() const { return timestamp_; }
  const std::vector<uint8_t>& present() const { return present_; }
  const std::vector<int64_t>& bar_index() const { return bar_index_; }
  const std::vector<float>& meta() const { return meta_; }
  const LabelColumns& labels() const { return labels_; }
  /// The ohlc (4W per slot) or volume (W per slot) values of rows
  /// [first_row, first_row + rows): what the FloatPages give the writer.
  void FillOhlcRows(int64_t first_row, int64_t rows, std::span<float> out) const;
  void FillVolumeRows(int64_t first_row, int64_t rows, std::span<float> out) const;

 private:
  /// Both Compute: row r is sample id_of(r).
  template <class IdOf>
  void ComputeSamples(const CrossSectionInputs& inputs, int64_t num_rows, IdOf id_of, ChunkStageClock& clock);
  static void FillOhlc(const void* chunk, int64_t first_row, int64_t rows, std::span<float> out);
  static void FillVolume(const void* chunk, int64_t first_row, int64_t rows, std::span<float> out);
  /// Writes `per_slot` values per slot of rows [first_row, first_row + rows):
  /// compute_rows over each run of consecutive present slots, 0 elsewhere.
  template <class ComputeRows>
  void FillWindowFeature(int64_t first_row, int64_t rows, size_t per_slot, std::span<float> out,
                         ComputeRows compute_rows) const;

  const CrossSectionInputs* inputs_ = nullptr;
  ChunkStageClock* clock_ = nullptr;
  int64_t num_rows_ = 0;
  int members_ = 0;
  std::vector<int8_t> position_;  ///< per row
  std::vector<int64_t> sample_id_, timestamp_;
  std::vector<uint8_t> present_;  ///< per slot, 0 / 1
  std::vector<int64_t> bar_index_;  ///< per slot: the end bar, 0 when absent
  std::vector<float> meta_;         ///< kMetaFeatureCount per slot
  LabelColumns labels_;
};

}  // namespace barforge
