// RunBuild: raw bars -> prepared series -> scaler fit -> streamed row groups.
//
// Row groups are made one after the other, each on all threads: the narrow
// columns of a chunk are computed in parallel blocks of rows, then the
// writer computes the window features page by page while it compresses
// pages in parallel and writes them in order (a oneTBB parallel_pipeline
// with a few pages per thread in flight). Memory is the raw data, one
// chunk's narrow columns and a few pages, whatever the sample count.

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/parquet_writer.h"
#include "barforge/pipeline.h"
#include "barforge/version.h"
#include "features/meta_scaler.h"
#include "pipeline/arrow_schema.h"
#include "pipeline/build_monitor.h"
#include "pipeline/build_range.h"
#include "pipeline/output_pair.h"
#include "pipeline/peak_rss.h"
#include "pipeline/raw_data_stage.h"
#include "pipeline/sample_chunk.h"

namespace barforge {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Seconds(const std::atomic<int64_t>& nanoseconds) { return static_cast<double>(nanoseconds.load()) * 1e-9; }

void RefuseExisting(const std::filesystem::path& path, bool overwrite) {
  if (!overwrite && std::filesystem::exists(path)) {
    throw AlreadyExistsError(fmt::format("{}: already exists (use --overwrite to replace it)", path.string()));
  }
}

parquet::WriterOptions MakeWriterOptions(const Config& config, const MetaScaler& scaler, int jobs,
                                         const BuildRange& range, const std::vector<parquet::ColumnSpec>& schema) {
  parquet::WriterOptions options;
  options.codec = config.parquet_compression;
  options.compression_level = config.compression_level;
  options.threads = jobs;
  options.float_encoding = config.float_encoding == FloatEncodingOption::kByteStreamSplit
                               ? parquet::FloatEncoding::kByteStreamSplit
                               : parquet::FloatEncoding::kPlain;
  options.key_value_metadata = {
      {"barforge.version", kVersion},
      {"barforge.seed", std::to_string(config.seed)},
      {"barforge.config", StoredConfigYaml(config)},
      {"barforge.scaler", scaler.ToJson()},
      {kArrowSchemaKey, ArrowSchemaBase64(schema)},
  };
  options.key_value_metadata.insert(options.key_value_metadata.end(), range.metadata.begin(), range.metadata.end());
  return options;
}

// The build itself; `monitor` (may be null) receives progress and may
// cancel it at its checks.
BuildSummary BuildSteps(const Config& config, const BuildRange& range, BuildMonitor* monitor) {
  const auto build_start = Clock::now();
  const int jobs = config.EffectiveJobs();
  tbb::global_control thread_limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(jobs));
  const auto start_phase = [monitor](BuildPhase phase, int64_t total) {
    if (monitor == nullptr) return;
    monitor->CheckCancelled();
    monitor->StartPhase(phase, total);
  };

  BuildSummary summary;
  summary.jobs = jobs;
  summary.output = range.output;
  summary.scaler = range.scaler;

  start_phase(BuildPhase::kRawData, static_cast<int64_t>(config.tickers.size()));
  auto stage_start = Clock::now();
  RawData raw = PrepareRawData(config, range.overwrite_raw, monitor);
  summary.tickers = raw.summary;
  summary.stages.raw_data = summary.phases.raw_data = SecondsSince(stage_start);

  start_phase(BuildPhase::kPrepare, 0);
  stage_start = Clock::now();
  std::vector<PreparedSeries> prepared(raw.series.size());
  std::vector<int64_t> bars_per_ticker;
  tbb::parallel_for(size_t{0}, raw.series.size(), [&](size_t t) { prepared[t] = PrepareSeries(raw.series[t]); });
  for (const BarSeries& bars : raw.series) bars_per_ticker.push_back(bars.size());
  const Sampler sampler(config.seed, bars_per_ticker, config.window, config.horizon);
  summary.stages.prepare = summary.phases.prepare = SecondsSince(stage_start);

  start_phase(BuildPhase::kScaler, range.reduce_sums ? range.end - range.first : config.n_samples);
  stage_start = Clock::now();
  std::function<void(int64_t)> on_scaler_block;
  if (monitor != nullptr) {
    on_scaler_block = [monitor](int64_t samples) {
      monitor->Add(samples);
      monitor->CheckCancelled();
    };
  }
  // A distributed build sums its own range and reduces the sums across
  // processes; otherwise the fit is over all n_samples here.
  const MetaScaler scaler =
      range.reduce_sums
          ? ScalerFromSums(range.reduce_sums(SumMetaFeatures(sampler, prepared, range.first, range.end,
                                                             config.window, jobs, on_scaler_block)),
                           config.n_samples, config.window, config.horizon)
          : FitMetaScaler(sampler, prepared, config.n_samples, config.window, config.horizon, jobs, on_scaler_block);
  summary.stages.scaling = summary.phases.scaler = SecondsSince(stage_start);
  if (range.before_writing) range.before_writing(scaler);
  if (range.output.empty()) {
    CommitRawFiles(raw);  // no dataset to commit them with
    summary.seconds = SecondsSince(build_start);
    summary.peak_rss_bytes = PeakRssBytes();
    return summary;
  }

  start_phase(BuildPhase::kWriting, range.end - range.first);
  stage_start = Clock::now();
  const DatasetLayout layout = DatasetLayout::FromConfig(config);
  parquet::WriterOptions writer_options = MakeWriterOptions(config, scaler, jobs, range, layout.Schema());
  writer_options.replace_existing = range.replace_output;
  parquet::ParquetWriter writer(summary.output, layout.Schema(), std::move(writer_options));

  const ChunkInputs inputs{&sampler, prepared, &scaler, &layout, config.fee_bps * 1e-4, monitor};
  ChunkStageClock clock;
  double writing_seconds = 0;
  SampleChunk chunk;
  for (int64_t first = range.first; first < range.end; first += config.chunk_rows) {
    if (monitor != nullptr) monitor->CheckCancelled();
    chunk.Compute(inputs, first, std::min(config.chunk_rows, range.end - first), clock);
    // Writing computes the window features page by page (timed as
    // features; counted for progress), compresses pages on all threads and
    // streams them out.
    const parquet::RowGroupWriteTimes times = writer.WriteRowGroup(chunk.View(config.tickers));
    clock.encoding += static_cast<int64_t>(times.encode_thread_seconds * 1e9);
    writing_seconds += times.write_seconds;
    ++summary.row_groups;
  }
  summary.phases.writing = SecondsSince(stage_start);

  start_phase(BuildPhase::kFinishing, 0);
  stage_start = Clock::now();
  // One result: raw files generated by this run, then the dataset (whose
  // footer holds the scaler), then the scaler file. A stop in between leaves
  // a dataset whose scaler file the next run restores (CheckOutputs).
  writer.Finish();
  CommitRawFiles(raw);
  writer.Commit();
  if (!range.scaler.empty()) SaveMetaScaler(scaler, range.scaler, true);
  summary.phases.finishing = SecondsSince(stage_start);
  summary.stages.writing = writing_seconds + summary.phases.finishing;
  summary.stages.sampling = Seconds(clock.sampling);
  summary.stages.features = Seconds(clock.features);
  summary.stages.scaling += Seconds(clock.scaling);
  summary.stages.rewards = Seconds(clock.rewards);
  summary.stages.encoding = Seconds(clock.encoding);

  summary.rows = writer.rows_written();
  summary.bytes = writer.bytes_written();
  summary.raw_float_bytes = summary.rows * layout.RawFloatBytesPerRow();
  summary.seconds = SecondsSince(build_start);
  summary.peak_rss_bytes = PeakRssBytes();
  return summary;
}

}  // namespace

BuildSummary RunBuild(const Config& config, const BuildOptions& options) {
  BuildRange range;
  range.end = config.n_samples;
  range.output = SamplesPath(config);
  range.scaler = ScalerPath(config);
  range.overwrite_raw = options.overwrite;
  range.replace_output = options.overwrite;
  // On the caller's thread, before any work: repair what an interrupted run
  // left, refuse an existing dataset and an output folder that cannot take
  // the dataset. The scaler belongs to the dataset: one left behind by a
  // dataset that was deleted never blocks, it is replaced.
  CheckOutputs(config, options.on_notice);
  RefuseExisting(range.output, options.overwrite);
  CheckOutputFolder(config);
  if (config.EffectiveJobs() < config.n_jobs && options.on_notice) {
    options.on_notice(fmt::format("n_jobs: {} lowered to {} threads (at most 4 per core)", config.n_jobs,
                                  config.EffectiveJobs()));
  }
  return RunBuildRange(config, options, range);
}

BuildSummary RunBuildRange(const Config& config, const BuildOptions& options, const BuildRange& range) {
  if (!options.on_progress) return BuildSteps(config, range, nullptr);
  return BuildMonitor::Run([&](BuildMonitor& monitor) { return BuildSteps(config, range, &monitor); },
                           options.on_progress, options.progress_interval);
}

}  // namespace barforge
