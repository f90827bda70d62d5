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

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/parquet_writer.h"
#include "barforge/pipeline.h"
#include "barforge/version.h"
#include "dataset/dataset_footer.h"
#include "features/meta_scaler.h"
#include "io/atomic_file.h"
#include "pipeline/arrow_schema.h"
#include "pipeline/bars_dataset_writer.h"
#include "pipeline/build_monitor.h"
#include "pipeline/build_range.h"
#include "pipeline/cross_section_chunk.h"
#include "pipeline/output_pair.h"
#include "pipeline/peak_rss.h"
#include "pipeline/raw_data_stage.h"
#include "pipeline/sample_chunk.h"
#include "pipeline/split_plan.h"
#include "pipeline/writer_options.h"
#include "text/human.h"

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
                                         const std::string& split, const BuildRange& range,
                                         const std::vector<parquet::ColumnSpec>& schema, const DatasetLayout& layout) {
  parquet::WriterOptions options = WriterOptionsFor(config, jobs);
  DatasetFooter footer;
  footer.version = kVersion;
  footer.seed = std::to_string(config.seed);
  footer.config = StoredConfigYaml(config);
  if (layout.cross_section()) footer.tickers = DatasetFooter::TickersJson(layout.cross_section_tickers);
  footer.scaler = scaler.ToJson();
  footer.arrow_schema = ArrowSchemaBase64(schema);
  if (!split.empty()) footer.split = split;
  options.key_value_metadata = footer.ToKeyValues();
  options.key_value_metadata.insert(options.key_value_metadata.end(), range.metadata.begin(), range.metadata.end());
  return options;
}

// Writes samples [first, first + count) of one split (`inputs.sampler`) to
// `writer`, a row group per chunk_rows. Returns the wall time spent handing
// pages to the file.
double WriteSamples(const Config& config, const ChunkInputs& inputs, int64_t first, int64_t count,
                    parquet::ParquetWriter& writer, ChunkStageClock& clock) {
  double writing_seconds = 0;
  SampleChunk chunk;
  for (int64_t row = first; row < first + count; row += config.chunk_rows) {
    if (inputs.monitor != nullptr) inputs.monitor->CheckCancelled();
    chunk.Compute(inputs, row, std::min(config.chunk_rows, first + count - row), clock);
    // Writing computes the window features page by page (timed as
    // features; counted for progress), compresses pages on all threads and
    // streams them out.
    const parquet::RowGroupWriteTimes times = writer.WriteRowGroup(chunk.View(config.tickers));
    clock.encoding += static_cast<int64_t>(times.encode_thread_seconds * 1e9);
    writing_seconds += times.write_seconds;
  }
  return writing_seconds;
}

// WriteSamples for cross-sections: rows [first, first + count) of
// `inputs.sampler`'s split.
double WriteCrossSections(const Config& config, const CrossSectionInputs& inputs, int64_t first, int64_t count,
                          parquet::ParquetWriter& writer, ChunkStageClock& clock) {
  double writing_seconds = 0;
  CrossSectionChunk chunk;
  for (int64_t row = first; row < first + count; row += config.chunk_rows) {
    if (inputs.chunk.monitor != nullptr) inputs.chunk.monitor->CheckCancelled();
    chunk.Compute(inputs, row, std::min(config.chunk_rows, first + count - row), clock);
    const parquet::RowGroupWriteTimes times = writer.WriteRowGroup(chunk.View());
    clock.encoding += static_cast<int64_t>(times.encode_thread_seconds * 1e9);
    writing_seconds += times.write_seconds;
  }
  return writing_seconds;
}

// Reports the distinct valid windows (ticker, end bar) each file draws
// from, and warns of a file with more samples than windows: drawn with
// replacement, its rows repeat windows (only the position differs), which a
// count alone hides.
void NoteValidWindows(const BuildPlan& plan, BuildSummary& summary) {
  for (size_t k = 0; k < summary.tickers.size(); ++k) {
    summary.tickers[k].gap_excluded_end_bars = plan.gap_excluded_end_bars[k];
  }
  for (const SplitPlan& split : plan.splits) {
    const int64_t pairs = split.sampler.num_pairs();
    summary.valid_pairs += pairs;
    if (split.cross_section) {
      // A cross-section draws timestamps: more samples than valid
      // timestamps repeat rows (only the position differs).
      const int64_t timestamps = split.cross_section->num_timestamps();
      if (split.n_samples <= timestamps) continue;
      summary.warnings.push_back(fmt::format(
          "{}{} drawn from {} valid timestamps (cross-sections): each timestamp is in about {:.1f} rows on average; "
          "set n_samples to at most {} (or `all` in a split for every timestamp once), or give more bars",
          split.name.empty() ? "" : fmt::format("split '{}': ", split.name), text::Count(split.n_samples, "sample"),
          text::Thousands(timestamps), static_cast<double>(split.n_samples) / static_cast<double>(timestamps),
          text::Thousands(timestamps)));
      continue;
    }
    if (split.n_samples <= pairs) continue;
    summary.warnings.push_back(fmt::format(
        "{}{} drawn from {} valid windows (ticker, end bar): each window is in about {:.1f} rows on average; set "
        "n_samples to at most {} (or `all` in a split for every window once), or give more bars",
        split.name.empty() ? "" : fmt::format("split '{}': ", split.name), text::Count(split.n_samples, "sample"),
        text::Thousands(pairs), static_cast<double>(split.n_samples) / static_cast<double>(pairs),
        text::Thousands(pairs)));
  }
}

// What this process writes of each file: each whole, or in parts as
// range.split_part says.
std::vector<SplitPart> PartsToWrite(const BuildPlan& plan, const BuildRange& range) {
  std::vector<SplitPart> parts;
  for (size_t s = 0; s < plan.splits.size(); ++s) {
    const SplitPlan& split = plan.splits[s];
    if (range.split_part) {
      parts.push_back(range.split_part(s, split.output, split.n_samples));
      continue;
    }
    // A file whose name the data gave ({n} of a share or of `all`): RunBuild
    // could not see to it before.
    io::RemoveStaleTemporaries(split.output);
    RefuseExisting(split.output, range.replace_output);
    parts.push_back({0, split.n_samples, split.output, {}});
  }
  return parts;
}

// The meta scaler, fitted on the first file only (with splits, the training
// split's). A distributed build sums its own part and reduces the sums
// across processes; otherwise the fit is over all of the first file's
// samples here. With splits it records every split's range and count.
MetaScaler FitScaler(const Config& config, const BuildPlan& plan, std::span<const PreparedSeries> prepared,
                     const SplitPart& first_part, const BuildRange& range, int jobs, BuildMonitor* monitor) {
  const SplitPlan& first = plan.splits.front();
  std::function<void(int64_t)> on_scaler_block;
  if (monitor != nullptr) {
    on_scaler_block = [monitor](int64_t samples) {
      monitor->Add(samples);
      monitor->CheckCancelled();
    };
  }
  // Cross-sections with reduced sums (MPI): each process sums its part's
  // present pairs; the pair count of the whole file follows from the draws.
  const auto cross_section_sums = [&] {
    int64_t pairs = 0;
    const MetaFeatureSums sums =
        range.reduce_sums(SumCrossSectionMetaFeatures(*first.cross_section, prepared, plan.members, first_part.first,
                                                      first_part.end, config.window, jobs, pairs, on_scaler_block));
    return ScalerFromSums(sums, first.cross_section->PresentSlots(0, first.n_samples), config.window, config.horizon);
  };
  MetaScaler scaler =
      first.cross_section && range.reduce_sums ? cross_section_sums()
      : first.cross_section
          ? FitCrossSectionMetaScaler(*first.cross_section, prepared, plan.members, first.n_samples, config.window,
                                      config.horizon, jobs, on_scaler_block)
      : range.reduce_sums
          ? ScalerFromSums(range.reduce_sums(SumMetaFeatures(first.sampler, prepared, first_part.first, first_part.end,
                                                             config.window, jobs, on_scaler_block)),
                           first.n_samples, config.window, config.horizon)
          : FitMetaScaler(first.sampler, prepared, first.n_samples, config.window, config.horizon, jobs,
                          on_scaler_block);
  if (!config.splits.empty()) {
    for (const SplitPlan& split : plan.splits) {
      scaler.splits.push_back({split.name, split.start_ns, split.end_ns, split.n_samples});
    }
    scaler.embargo_bars = config.embargo_bars;
  }
  return scaler;
}

// The files being written: each stays a temporary until all are written, so
// a failing file leaves none at its final name.
struct WrittenFiles {
  std::vector<std::unique_ptr<parquet::ParquetWriter>> writers;
  std::vector<size_t> files;  ///< the plan's file of each writer
  double writing_seconds = 0;  ///< handing pages to the files
  ChunkStageClock clock;
};

// Writes each part (a row group per chunk_rows) into its file, or with
// `storage: bars` the bars once (include/barforge/bars_dataset.h); parts kept
// from an earlier run (no output) are skipped.
void WriteParts(const Config& config, const BuildPlan& plan, const std::vector<SplitPart>& parts,
                std::span<const BarSeries> series, std::span<const PreparedSeries> prepared,
                const MetaScaler& scaler, const DatasetLayout& layout, const BuildRange& range, int jobs,
                BuildMonitor* monitor, WrittenFiles& out) {
  for (size_t s = 0; s < plan.splits.size(); ++s) {
    const SplitPlan& split = plan.splits[s];
    const SplitPart& part = parts[s];
    if (part.output.empty()) continue;
    const bool bars = config.storage == Storage::kBars;
    parquet::WriterOptions writer_options = MakeWriterOptions(config, scaler, jobs, split.name, range,
                                                              bars ? BarsDatasetSchema() : layout.Schema(), layout);
    writer_options.key_value_metadata.insert(writer_options.key_value_metadata.end(), part.metadata.begin(),
                                             part.metadata.end());
    writer_options.replace_existing = range.replace_output;
    if (bars) {
      if (part.first != 0 || part.end != split.n_samples) RefusePartsOfBarsDataset(config);
      out.writers.push_back(WriteBarsDataset(part.output, series, split.n_samples, std::move(writer_options)));
      out.files.push_back(s);
      continue;
    }
    out.writers.push_back(
        std::make_unique<parquet::ParquetWriter>(part.output, layout.Schema(), std::move(writer_options)));
    out.files.push_back(s);
    const ChunkInputs inputs{&split.sampler, prepared, &scaler, &layout, config.fee_bps * 1e-4, monitor};
    if (split.cross_section) {
      const CrossSectionInputs cross{inputs, &*split.cross_section, plan.members};
      out.writing_seconds += WriteCrossSections(config, cross, part.first, part.end - part.first,
                                                *out.writers.back(), out.clock);
      continue;
    }
    out.writing_seconds += WriteSamples(config, inputs, part.first, part.end - part.first, *out.writers.back(),
                                        out.clock);
  }
}

// One result: all files are finished before any is committed, so a failing
// file leaves none at its final name; then, under the folder's lock, the old
// scaler file is removed and the raw files generated by this run, every
// dataset file (each footer holds the scaler) and the scaler file are renamed
// into place (output_pair.h). A stop in between leaves a dataset without a
// scaler file, which the next run restores (CheckOutputs).
void CommitFiles(const Config& config, RawData& raw, const MetaScaler& scaler, const BuildRange& range,
                 WrittenFiles& written) {
  for (const std::unique_ptr<parquet::ParquetWriter>& writer : written.writers) writer->Finish();
  OutputCommit commit;
  commit.raw = &raw;
  for (const std::unique_ptr<parquet::ParquetWriter>& writer : written.writers) commit.datasets.push_back(writer.get());
  commit.replace_datasets = range.replace_output;
  commit.scaler = range.scaler;
  commit.scaler_json = scaler.ToJson();
  commit.replace_scaler = range.replace_scaler;
  commit.config = &config;
  CommitOutputs(commit);
}

// What each committed file holds, in the summary.
void SummarizeFiles(const Config& config, const BuildPlan& plan, const std::vector<SplitPart>& parts,
                    const WrittenFiles& written, BuildSummary& summary) {
  for (size_t w = 0; w < written.writers.size(); ++w) {
    const parquet::ParquetWriter& writer = *written.writers[w];
    const SplitPlan& split = plan.splits[written.files[w]];
    // A bars dataset's rows are its samples, not the bars it stores.
    const bool bars = config.storage == Storage::kBars;
    const int64_t rows = bars ? split.n_samples : writer.rows_written();
    const int64_t row_groups = bars ? 0 : (writer.rows_written() + config.chunk_rows - 1) / config.chunk_rows;
    summary.files.push_back({split.name, parts[written.files[w]].output, split.start_ns, split.end_ns,
                             split.sampler.num_pairs(), rows, row_groups, writer.bytes_written(),
                             split.cross_section ? split.cross_section->num_timestamps() : -1});
    summary.rows += rows;
    summary.bytes += writer.bytes_written();
    summary.row_groups += row_groups;
  }
}

// The build itself, phase by phase (BuildPhase); `monitor` (may be null)
// receives progress and may cancel it at its checks.
BuildSummary BuildSteps(const Config& config, const BuildRange& range, BuildMonitor* monitor) {
  const auto build_start = Clock::now();
  const int jobs = config.EffectiveJobs();
  tbb::global_control thread_limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(jobs));
  auto stage_start = Clock::now();
  const auto start_phase = [monitor, &stage_start](BuildPhase phase, int64_t total) {
    stage_start = Clock::now();
    if (monitor == nullptr) return;
    monitor->CheckCancelled();
    monitor->StartPhase(phase, total);
  };
  BuildSummary summary;
  summary.jobs = jobs;
  summary.scaler = range.scaler;

  // Raw data: generated or loaded, validated.
  start_phase(BuildPhase::kRawData, static_cast<int64_t>(config.tickers.size()));
  RawData raw = PrepareRawData(config, range.overwrite_raw, monitor);
  summary.tickers = raw.summary;
  summary.stages.raw_data = summary.phases.raw_data = SecondsSince(stage_start);

  // Preparing: per-ticker log arrays; the files planned (splits, valid
  // windows, counts) and what this process writes of each.
  start_phase(BuildPhase::kPrepare, 0);
  std::vector<PreparedSeries> prepared(raw.series.size());
  tbb::parallel_for(size_t{0}, raw.series.size(), [&](size_t t) { prepared[t] = PrepareSeries(raw.series[t]); });
  const BuildPlan plan = PlanBuild(config, raw.series);
  NoteValidWindows(plan, summary);
  const std::vector<SplitPart> parts = PartsToWrite(plan, range);
  summary.output = parts.front().output;
  summary.stages.prepare = summary.phases.prepare = SecondsSince(stage_start);

  // The scaler fit, on the first file.
  start_phase(BuildPhase::kScaler,
              range.reduce_sums ? parts.front().end - parts.front().first : plan.splits.front().n_samples);
  const MetaScaler scaler = FitScaler(config, plan, prepared, parts.front(), range, jobs, monitor);
  summary.stages.scaling = summary.phases.scaler = SecondsSince(stage_start);
  if (range.before_writing) range.before_writing(scaler);
  if (std::all_of(parts.begin(), parts.end(), [](const SplitPart& part) { return part.output.empty(); })) {
    CommitRawFiles(raw);  // no dataset to commit them with
    summary.seconds = SecondsSince(build_start);
    summary.peak_rss_bytes = PeakRssBytes();
    return summary;
  }

  // Writing: every file's part, row group after row group.
  int64_t total_samples = 0;
  for (const SplitPart& part : parts) total_samples += part.output.empty() ? 0 : part.end - part.first;
  start_phase(BuildPhase::kWriting, total_samples);
  std::vector<std::string> members;
  for (const uint32_t k : plan.members) members.push_back(config.tickers[k]);
  const DatasetLayout layout = DatasetLayout::FromConfig(config, std::move(members));
  WrittenFiles written;
  WriteParts(config, plan, parts, raw.series, prepared, scaler, layout, range, jobs, monitor, written);
  summary.phases.writing = SecondsSince(stage_start);

  // Finishing: footers, flush, the pair committed.
  start_phase(BuildPhase::kFinishing, 0);
  CommitFiles(config, raw, scaler, range, written);
  SummarizeFiles(config, plan, parts, written, summary);
  summary.phases.finishing = SecondsSince(stage_start);
  summary.stages.writing = written.writing_seconds + summary.phases.finishing;
  summary.stages.sampling = Seconds(written.clock.sampling);
  summary.stages.features = Seconds(written.clock.features);
  summary.stages.scaling += Seconds(written.clock.scaling);
  summary.stages.rewards = Seconds(written.clock.rewards);
  summary.stages.encoding = Seconds(written.clock.encoding);
  summary.raw_float_bytes = summary.rows * layout.RawFloatBytesPerRow();
  summary.seconds = SecondsSince(build_start);
  summary.peak_rss_bytes = PeakRssBytes();
  return summary;
}

}  // namespace

BuildSummary RunBuild(const Config& config, const BuildOptions& options) {
  // Dataset files that exist: refused, reused (same effective config) or
  // replaced, as options.on_existing says.
  if (std::optional<BuildSummary> reused = ReuseExisting(config, options)) return *std::move(reused);
  BuildRange range;
  range.scaler = ScalerPath(config);
  range.overwrite_raw = options.overwrite();
  range.replace_output = options.overwrite();
  range.replace_scaler = options.overwrite();
  // On the caller's thread, before any work: repair what an interrupted run
  // left, refuse an existing dataset, a scaler file the build may not
  // replace (one another dataset holds, or not a scaler) and an output
  // folder that cannot take the dataset. A barforge scaler left behind by a
  // dataset that was deleted never blocks, it is replaced. Every file the
  // config names is seen to here; a file the data names ({n} of every valid
  // window once) once the data is planned.
  CheckOutputs(config, options.overwrite(), options.on_notice);
  for (const OutputFile& file : OutputFiles(config)) {
    if (file.path) RefuseExisting(*file.path, options.overwrite());
  }
  CheckOutputFolder(config);
  if (config.EffectiveJobs() < config.n_jobs && options.on_notice) {
    options.on_notice(fmt::format("n_jobs: {} lowered to {} threads (at most 4 per core)", config.n_jobs,
                                  config.EffectiveJobs()));
  }
  return RunBuildRange(config, options, range);
}

std::vector<std::filesystem::path> OutputPaths(const Config& config) {
  std::vector<std::filesystem::path> paths;
  for (const OutputFile& file : OutputFiles(config)) {
    if (!file.path) {
      // Generated raw files stay uncommitted temporaries, dropped here.
      const RawData raw = PrepareRawData(config, false);
      const BuildPlan plan = PlanBuild(config, raw.series);
      paths.clear();
      for (const SplitPlan& split : plan.splits) paths.push_back(split.output);
      return paths;
    }
    paths.push_back(*file.path);
  }
  return paths;
}

BuildSummary RunBuildRange(const Config& config, const BuildOptions& options, const BuildRange& range) {
  if (!options.on_progress) return BuildSteps(config, range, nullptr);
  return BuildMonitor::Run([&](BuildMonitor& monitor) { return BuildSteps(config, range, &monitor); },
                           options.on_progress, options.progress_interval);
}

}  // namespace barforge
