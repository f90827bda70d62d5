#include "pipeline/sample_chunk.h"

#include <chrono>
#include <stdexcept>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "labels/triple_barrier.h"
#include "pipeline/build_monitor.h"
#include "rewards/rewards.h"

namespace barforge {

namespace {

// Adds the time since `start` to `total` and restarts `start`.
void Lap(std::chrono::steady_clock::time_point& start, std::atomic<int64_t>& total) {
  const auto now = std::chrono::steady_clock::now();
  total += std::chrono::duration_cast<std::chrono::nanoseconds>(now - start).count();
  start = now;
}

}  // namespace

parquet::ColumnValues LabelColumns::View(DatasetColumnKind kind, size_t& extra) const {
  switch (kind) {
    case DatasetColumnKind::kRewards: return std::span<const float>(rewards);
    case DatasetColumnKind::kFwdReturn: return std::span<const float>(fwd_return);
    case DatasetColumnKind::kExtraFwdReturn: return std::span<const float>(extra_fwd_return[extra++]);
    case DatasetColumnKind::kTbLabel: return std::span<const int8_t>(tb_label);
    case DatasetColumnKind::kTbBars: return std::span<const int16_t>(tb_bars);
    case DatasetColumnKind::kTbReturn: return std::span<const float>(tb_return);
    default: throw std::logic_error("LabelColumns::View: not a label column");
  }
}

void LabelColumns::Resize(const DatasetLayout& layout, size_t slots, bool zero) {
  const auto size = [zero](auto& column, size_t n) {
    if (zero) column.assign(n, 0);
    else column.resize(n);
  };
  size(rewards, slots * kActionCount);
  size(fwd_return, slots);
  extra_fwd_return.resize(layout.extra_horizons.size());
  for (std::vector<float>& column : extra_fwd_return) size(column, slots);
  const size_t tb_slots = layout.triple_barrier ? slots : 0;
  size(tb_label, tb_slots);
  size(tb_bars, tb_slots);
  size(tb_return, tb_slots);
}

void LabelColumns::Compute(size_t slot, const PreparedSeries& series, int64_t end_bar, int8_t position,
                           const std::array<double, kMetaFeatureCount>& raw_meta, const DatasetLayout& layout,
                           double fee) {
  ComputeRewards(series, end_bar, layout.horizon, position, fee, &rewards[slot * kActionCount], &fwd_return[slot]);
  for (size_t k = 0; k < extra_fwd_return.size(); ++k) {
    extra_fwd_return[k][slot] = ForwardReturn(series, end_bar, layout.extra_horizons[k]);
  }
  if (layout.triple_barrier) {
    // sigma: the raw (unscaled) volatility meta feature of this sample.
    const double sigma = raw_meta[kVolatilityFeature];
    const TripleBarrierLabel tb = ComputeTripleBarrier(series.log_close, end_bar, layout.horizon, sigma,
                                                       layout.triple_barrier->profit, layout.triple_barrier->stop);
    tb_label[slot] = tb.label;
    tb_bars[slot] = tb.bars;
    tb_return[slot] = static_cast<float>(tb.log_return);
  }
}

void SampleChunk::Compute(const ChunkInputs& inputs, int64_t first_sample, int64_t num_rows,
                          ChunkStageClock& clock) {
  ComputeSamples(inputs, num_rows, [first_sample](size_t r) { return first_sample + static_cast<int64_t>(r); }, clock);
}

void SampleChunk::Compute(const ChunkInputs& inputs, std::span<const int64_t> sample_ids, ChunkStageClock& clock) {
  ComputeSamples(inputs, static_cast<int64_t>(sample_ids.size()), [sample_ids](size_t r) { return sample_ids[r]; },
              clock);
}

template <class IdOf>
void SampleChunk::ComputeSamples(const ChunkInputs& inputs, int64_t num_rows, IdOf id_of, ChunkStageClock& clock) {
  const auto n = static_cast<size_t>(num_rows);
  inputs_ = &inputs;
  clock_ = &clock;
  num_rows_ = num_rows;
  draws_.resize(n);
  sample_id_.resize(n);
  timestamp_.resize(n);
  bar_index_.resize(n);
  ticker_.resize(n);
  meta_.resize(n * kMetaFeatureCount);
  const DatasetLayout& layout = *inputs.layout;
  labels_.Resize(layout, n, false);

  // Every row depends only on its sample id, so blocks of rows can be done
  // on any thread in any order with the same values.
  constexpr size_t kBlockRows = 4096;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, kBlockRows), [&](const tbb::blocked_range<size_t>& block) {
    auto start = std::chrono::steady_clock::now();
    for (size_t r = block.begin(); r < block.end(); ++r) {
      const int64_t id = id_of(r);
      const SampleDraw draw = inputs.sampler->Draw(static_cast<uint64_t>(id));
      draws_[r] = draw;
      sample_id_[r] = id;
      ticker_[r] = static_cast<int32_t>(draw.ticker);
      bar_index_[r] = draw.end_bar;
      timestamp_[r] = inputs.series[draw.ticker].bars->timestamp_ns[static_cast<size_t>(draw.end_bar)];
    }
    Lap(start, clock.sampling);

    thread_local std::vector<WindowRef> windows;
    thread_local std::vector<std::array<double, kMetaFeatureCount>> raw_meta;
    windows.resize(block.size());
    raw_meta.resize(block.size());
    for (size_t r = block.begin(); r < block.end(); ++r) {
      const SampleDraw& draw = draws_[r];
      windows[r - block.begin()] = {&inputs.series[draw.ticker], draw.end_bar, draw.position};
    }
    ComputeRawMeta(windows, layout.window, raw_meta);
    Lap(start, clock.features);

    for (size_t r = block.begin(); r < block.end(); ++r) {
      inputs.scaler->Apply(raw_meta[r - block.begin()].data(), &meta_[r * kMetaFeatureCount]);
    }
    Lap(start, clock.scaling);

    for (size_t r = block.begin(); r < block.end(); ++r) {
      const SampleDraw& draw = draws_[r];
      labels_.Compute(r, inputs.series[draw.ticker], draw.end_bar, draw.position, raw_meta[r - block.begin()], layout,
                      inputs.fee);
    }
    Lap(start, clock.rewards);
  });
}

template <class ComputeRows>
void SampleChunk::FillWindowFeature(int64_t first_row, int64_t rows, std::span<float> out,
                                    ComputeRows compute_rows) const {
  auto start = std::chrono::steady_clock::now();
  thread_local std::vector<WindowRef> windows;
  windows.resize(static_cast<size_t>(rows));
  for (size_t r = 0; r < windows.size(); ++r) {
    const SampleDraw& draw = draws_[static_cast<size_t>(first_row) + r];
    windows[r] = {&inputs_->series[draw.ticker], draw.end_bar, draw.position};
  }
  compute_rows(windows, inputs_->layout->window, out.data());
  Lap(start, clock_->features);
}

void SampleChunk::FillOhlc(const void* chunk, int64_t first_row, int64_t rows, std::span<float> out) {
  const auto* self = static_cast<const SampleChunk*>(chunk);
  BuildMonitor* monitor = self->inputs_->monitor;
  if (monitor != nullptr) monitor->CheckCancelled();
  self->FillWindowFeature(first_row, rows, out, ComputeOhlcFeatures);
  if (monitor != nullptr) monitor->Add(rows);
}

void SampleChunk::FillVolume(const void* chunk, int64_t first_row, int64_t rows, std::span<float> out) {
  static_cast<const SampleChunk*>(chunk)->FillWindowFeature(first_row, rows, out, ComputeVolumeFeatures);
}

parquet::RowGroupData SampleChunk::View(std::span<const std::string> tickers) const {
  parquet::RowGroupData data;
  data.num_rows = num_rows_;
  size_t extra = 0;
  for (const DatasetColumn& column : inputs_->layout->Columns()) {
    switch (column.kind) {
      case DatasetColumnKind::kSampleId: data.columns.emplace_back(std::span<const int64_t>(sample_id_)); break;
      case DatasetColumnKind::kTicker:
        data.columns.emplace_back(parquet::DictionaryStrings{tickers, std::span<const int32_t>(ticker_)});
        break;
      case DatasetColumnKind::kTimestamp: data.columns.emplace_back(std::span<const int64_t>(timestamp_)); break;
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
      case DatasetColumnKind::kPosition:  // feature files of transform --all only
      case DatasetColumnKind::kPresent:   // cross-sections only (CrossSectionChunk)
        break;
    }
  }
  return data;
}

}  // namespace barforge
