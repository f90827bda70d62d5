#include "pipeline/cross_section_chunk.h"

#include <algorithm>
#include <array>
#include <chrono>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "pipeline/build_monitor.h"

namespace barforge {

namespace {

void Lap(std::chrono::steady_clock::time_point& start, std::atomic<int64_t>& total) {
  const auto now = std::chrono::steady_clock::now();
  total += std::chrono::duration_cast<std::chrono::nanoseconds>(now - start).count();
  start = now;
}

}  // namespace

void CrossSectionChunk::Compute(const CrossSectionInputs& inputs, int64_t first_sample, int64_t num_rows,
                                ChunkStageClock& clock) {
  ComputeSamples(inputs, num_rows, [first_sample](size_t r) { return first_sample + static_cast<int64_t>(r); }, clock);
}

void CrossSectionChunk::Compute(const CrossSectionInputs& inputs, std::span<const int64_t> sample_ids,
                                ChunkStageClock& clock) {
  ComputeSamples(inputs, static_cast<int64_t>(sample_ids.size()), [sample_ids](size_t r) { return sample_ids[r]; },
                 clock);
}

template <class IdOf>
void CrossSectionChunk::ComputeSamples(const CrossSectionInputs& inputs, int64_t num_rows, IdOf id_of,
                                       ChunkStageClock& clock) {
  const auto n = static_cast<size_t>(num_rows);
  const auto m_count = inputs.members.size();
  const size_t slots = n * m_count;
  inputs_ = &inputs;
  clock_ = &clock;
  num_rows_ = num_rows;
  members_ = static_cast<int>(m_count);
  const DatasetLayout& layout = *inputs.chunk.layout;
  position_.resize(n);
  sample_id_.resize(n);
  timestamp_.resize(n);
  present_.resize(slots);
  bar_index_.resize(slots);
  // An absent slot's values are 0: every buffer starts at 0, a present
  // slot's values are then written.
  meta_.assign(slots * kMetaFeatureCount, 0.0f);
  labels_.Resize(layout, slots, true);

  // Rows depend only on their sample id, so blocks of rows can be done on
  // any thread in any order with the same values.
  const size_t block_rows = std::max<size_t>(1, 4096 / std::max<size_t>(1, m_count));
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, block_rows), [&](const tbb::blocked_range<size_t>& block) {
    auto start = std::chrono::steady_clock::now();
    thread_local std::vector<WindowRef> windows;
    thread_local std::vector<size_t> window_slot;
    windows.clear();
    window_slot.clear();
    for (size_t r = block.begin(); r < block.end(); ++r) {
      const int64_t id = id_of(r);
      const CrossSectionDraw draw = inputs.sampler->Draw(static_cast<uint64_t>(id));
      sample_id_[r] = id;
      timestamp_[r] = draw.timestamp_ns;
      position_[r] = draw.position;
      for (size_t m = 0; m < m_count; ++m) {
        const size_t slot = r * m_count + m;
        const int64_t end_bar = inputs.sampler->EndBar(draw.t_index, static_cast<int>(m));
        present_[slot] = end_bar >= 0 ? 1 : 0;
        bar_index_[slot] = std::max<int64_t>(end_bar, 0);
        if (end_bar < 0) continue;
        windows.push_back({&inputs.chunk.series[inputs.members[m]], end_bar, draw.position});
        window_slot.push_back(slot);
      }
    }
    Lap(start, clock.sampling);

    thread_local std::vector<std::array<double, kMetaFeatureCount>> raw_meta;
    raw_meta.resize(windows.size());
    ComputeRawMeta(windows, layout.window, raw_meta);
    Lap(start, clock.features);

    for (size_t w = 0; w < windows.size(); ++w) {
      inputs.chunk.scaler->Apply(raw_meta[w].data(), &meta_[window_slot[w] * kMetaFeatureCount]);
    }
    Lap(start, clock.scaling);

    for (size_t w = 0; w < windows.size(); ++w) {
      labels_.Compute(window_slot[w], *windows[w].series, windows[w].end_bar, windows[w].position, raw_meta[w], layout,
                      inputs.chunk.fee);
    }
    Lap(start, clock.rewards);
  });
}

template <class ComputeRows>
void CrossSectionChunk::FillWindowFeature(int64_t first_row, int64_t rows, size_t per_slot, std::span<float> out,
                                          ComputeRows compute_rows) const {
  const auto m_count = static_cast<size_t>(members_);
  const size_t first_slot = static_cast<size_t>(first_row) * m_count;
  const size_t end_slot = first_slot + static_cast<size_t>(rows) * m_count;
  thread_local std::vector<WindowRef> windows;
  // Runs of consecutive present slots are consecutive in `out`: each run is
  // one call, so the windows are grouped as SampleChunk groups them (the
  // grouping changes no bit, window_features.h).
  size_t slot = first_slot;
  while (slot < end_slot) {
    if (present_[slot] == 0) {
      std::fill_n(out.begin() + static_cast<std::ptrdiff_t>((slot - first_slot) * per_slot), per_slot, 0.0f);
      ++slot;
      continue;
    }
    const size_t run_first = slot;
    windows.clear();
    for (; slot < end_slot && present_[slot] != 0; ++slot) {
      const size_t r = slot / m_count;
      windows.push_back({&inputs_->chunk.series[inputs_->members[slot % m_count]], bar_index_[slot], position_[r]});
    }
    compute_rows(windows, inputs_->chunk.layout->window, out.data() + (run_first - first_slot) * per_slot);
  }
}

void CrossSectionChunk::FillOhlcRows(int64_t first_row, int64_t rows, std::span<float> out) const {
  FillWindowFeature(first_row, rows, 4 * static_cast<size_t>(inputs_->chunk.layout->window), out,
                    ComputeOhlcFeatures);
}

void CrossSectionChunk::FillVolumeRows(int64_t first_row, int64_t rows, std::span<float> out) const {
  FillWindowFeature(first_row, rows, static_cast<size_t>(inputs_->chunk.layout->window), out, ComputeVolumeFeatures);
}

void CrossSectionChunk::FillOhlc(const void* chunk, int64_t first_row, int64_t rows, std::span<float> out) {
  const auto* self = static_cast<const CrossSectionChunk*>(chunk);
  BuildMonitor* monitor = self->inputs_->chunk.monitor;
  if (monitor != nullptr) monitor->CheckCancelled();
  auto start = std::chrono::steady_clock::now();
  self->FillOhlcRows(first_row, rows, out);
  Lap(start, self->clock_->features);
  if (monitor != nullptr) monitor->Add(rows);
}

void CrossSectionChunk::FillVolume(const void* chunk, int64_t first_row, int64_t rows, std::span<float> out) {
  const auto* self = static_cast<const CrossSectionChunk*>(chunk);
  auto start = std::chrono::steady_clock::now();
  self->FillVolumeRows(first_row, rows, out);
  Lap(start, self->clock_->features);
}

parquet::RowGroupData CrossSectionChunk::View() const {
  parquet::RowGroupData data;
  data.num_rows = num_rows_;
  size_t extra = 0;
  for (const DatasetColumn& column : inputs_->chunk.layout->Columns()) {
    switch (column.kind) {
      case DatasetColumnKind::kSampleId: data.columns.emplace_back(std::span<const int64_t>(sample_id_)); break;
      case DatasetColumnKind::kTimestamp: data.columns.emplace_back(std::span<const int64_t>(timestamp_)); break;
      case DatasetColumnKind::kPresent: data.columns.emplace_back(std::span<const uint8_t>(present_)); break;
      case DatasetColumnKind::kBarIndex: data.columns.emplace_back(std::span<const int64_t>(bar_index_)); break;
      case DatasetColumnKind::kOhlc: data.columns.emplace_back(parquet::FloatPages{&FillOhlc, this}); break;
      case DatasetColumnKind::kVolume: data.columns.emplace_back(parquet::FloatPages{&FillVolume, this}); break;
      case DatasetColumnKind::kMeta: data.columns.emplace_back(std::span<const float>(meta_)); break;
      case DatasetColumnKind::kRewards:
      case DatasetColumnKind::kFwdReturn:
      case DatasetColumnKind::kExtraFwdReturn:
      case DatasetColumnKind::kTbLabel:
      case DatasetColumnKind::kTbBars:
      case DatasetColumnKind::kTbReturn: data.columns.push_back(labels_.View(column.kind, extra)); break;
      case DatasetColumnKind::kTicker:    // not in a cross-section's layout
      case DatasetColumnKind::kPosition:  // feature files of transform --all only
        break;
    }
  }
  return data;
}

}  // namespace barforge
