// The build summary as text (what `barforge build` and Python's
// build_dataset print) and as JSON (`build --json`): one description of a
// build for both doors.

#include <algorithm>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "barforge/pipeline.h"
#include "text/human.h"

namespace barforge {

namespace {

nlohmann::json TickersJson(const std::vector<TickerSummary>& tickers) {
  nlohmann::json out = nlohmann::json::array();
  for (const TickerSummary& t : tickers) {
    out.push_back({{"ticker", t.ticker},
                   {"raw_file", t.raw_file.string()},
                   {"bars", t.bars},
                   {"dropped_bars", t.dropped_bars},
                   {"gap_excluded_end_bars", t.gap_excluded_end_bars},
                   {"generated", t.generated},
                   {"skipped", t.skipped}});
  }
  return out;
}

// The files of splits (named); open ends (the first split's start, the last
// split's end) are null. Without splits: [].
nlohmann::json SplitsJson(const std::vector<FileSummary>& files) {
  nlohmann::json out = nlohmann::json::array();
  for (const FileSummary& file : files) {
    if (file.name.empty()) continue;
    out.push_back({{"name", file.name},
                   {"output", file.output.string()},
                   {"start_ns", file.start_ns == std::numeric_limits<int64_t>::min() ? nlohmann::json(nullptr)
                                                                                      : nlohmann::json(file.start_ns)},
                   {"end_ns", file.end_ns == std::numeric_limits<int64_t>::max() ? nlohmann::json(nullptr)
                                                                                  : nlohmann::json(file.end_ns)},
                   {"valid_pairs", file.valid_pairs},
                   {"rows", file.rows},
                   {"row_groups", file.row_groups},
                   {"bytes", file.bytes}});
    if (file.valid_timestamps >= 0) out.back()["valid_timestamps"] = file.valid_timestamps;
  }
  return out;
}

bool Named(const BuildSummary& s) { return !s.files.empty() && !s.files.front().name.empty(); }

std::vector<std::string> FileNames(const BuildSummary& s) {
  std::vector<std::string> names;
  for (const FileSummary& file : s.files) names.push_back(file.output.string());
  return names;
}

nlohmann::json ReusedJson(const BuildSummary& s) {
  nlohmann::json out;
  if (Named(s)) {
    out["outputs"] = FileNames(s);
  } else {
    out["output"] = s.output.string();
  }
  out["scaler"] = s.scaler.string();
  out["skipped"] = true;
  out["scaler_restored"] = s.scaler_restored;
  return out;
}

std::string ReusedText(const BuildSummary& s) {
  const bool one = s.files.size() == 1 && !Named(s);
  return fmt::format("{} {} built from this config already; nothing to do ({} rebuilds {}){}\n",
                     fmt::join(FileNames(s), ", "), one ? "was" : "were", s.overwrite_flag, one ? "it" : "them",
                     s.scaler_restored ? fmt::format("; restored the missing {} from {} footer", s.scaler.string(),
                                                     one ? "its" : "a")
                                       : "");
}

}  // namespace

std::string BuildSummaryJson(const BuildSummary& s) {
  if (s.reused) return ReusedJson(s).dump();
  const StageTimes& t = s.stages;
  nlohmann::json out = {
      {"output", s.output.string()},
      {"scaler", s.scaler.string()},
      {"rows", s.rows},
      {"row_groups", s.row_groups},
      {"bytes", s.bytes},
      {"raw_float_bytes", s.raw_float_bytes},
      {"seconds", s.seconds},
      {"samples_per_second", s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0},
      {"peak_rss_bytes", s.peak_rss_bytes},
      {"jobs", s.jobs},
      {"stages",
       {{"raw_data", t.raw_data},
        {"prepare", t.prepare},
        {"sampling", t.sampling},
        {"features", t.features},
        {"scaling", t.scaling},
        {"rewards", t.rewards},
        {"encoding", t.encoding},
        {"writing", t.writing}}},
      {"phases",
       {{"raw_data", s.phases.raw_data},
        {"prepare", s.phases.prepare},
        {"scaler", s.phases.scaler},
        {"writing", s.phases.writing},
        {"finishing", s.phases.finishing}}},
      {"tickers", TickersJson(s.tickers)},
      {"splits", SplitsJson(s.files)},
      {"valid_pairs", s.valid_pairs},
      {"warnings", s.warnings}};
  // A cross-sectional build: the valid timestamps its samples come from
  // (the sum over splits, each split's in `splits`).
  if (!s.files.empty() && s.files.front().valid_timestamps >= 0) {
    int64_t timestamps = 0;
    for (const FileSummary& file : s.files) timestamps += file.valid_timestamps;
    out["valid_timestamps"] = timestamps;
  }
  return out.dump();
}

std::string SynthSummaryJson(const std::vector<TickerSummary>& tickers) {
  return nlohmann::json{{"tickers", TickersJson(tickers)}}.dump();
}

std::string BuildSummaryText(const BuildSummary& s) {
  if (s.reused) return ReusedText(s);
  std::string out;
  auto sink = std::back_inserter(out);
  const PhaseTimes& p = s.phases;
  const StageTimes& t = s.stages;
  fmt::format_to(sink, "phases (wall time):\n");
  fmt::format_to(sink, "  raw data    {:>9}\n", text::Duration(p.raw_data));
  fmt::format_to(sink, "  preparing   {:>9}\n", text::Duration(p.prepare));
  fmt::format_to(sink, "  scaler fit  {:>9}\n", text::Duration(p.scaler));
  // The writing phase runs its stages at the same time on every thread:
  // their thread time says where it went.
  // Three lines, so that the summary fits 80 columns.
  fmt::format_to(sink, "  writing     {:>9}   on {}, thread time:\n", text::Duration(p.writing),
                 text::Count(s.jobs, "thread"));
  fmt::format_to(sink, "{:26}encoding {}, features {}, sampling {},\n", "", text::Duration(t.encoding),
                 text::Duration(t.features), text::Duration(t.sampling));
  fmt::format_to(sink, "{:26}rewards {}, scaling {}\n", "", text::Duration(t.rewards),
                 text::Duration(t.scaling - p.scaler));
  fmt::format_to(sink, "  finishing   {:>9}   footer, flush to disk, rename, scaler\n", text::Duration(p.finishing));
  fmt::format_to(sink, "tickers:\n");
  size_t name_width = 0, bars_width = 0;
  for (const TickerSummary& ticker : s.tickers) {
    name_width = std::max(name_width, ticker.ticker.size());
    bars_width = std::max(bars_width, text::Thousands(ticker.bars).size());
  }
  for (const TickerSummary& ticker : s.tickers) {
    fmt::format_to(sink, "  {:<{}}  {:>{}} {}  {}{}{}\n", ticker.ticker, name_width, text::Thousands(ticker.bars),
                   bars_width, ticker.bars == 1 ? "bar " : "bars", ticker.raw_file.string(),
                   ticker.generated ? " (generated)"
                   : ticker.skipped ? " (skipped: too short for one window)"
                                    : "",
                   ticker.dropped_bars > 0 ? fmt::format(", {} dropped", text::Count(ticker.dropped_bars, "bad bar"))
                                           : "");
    if (ticker.gap_excluded_end_bars > 0) {
      fmt::format_to(sink, "  {:<{}}  {} excluded by max_gap\n", "", name_width,
                     text::Count(ticker.gap_excluded_end_bars, "end bar"));
    }
  }
  // A split's file says which split and how many windows its samples come
  // from; the one file of a build without splits, only the windows.
  for (const FileSummary& file : s.files) {
    if (file.valid_timestamps >= 0) {
      // Cross-sections draw timestamps; the windows are their present slots.
      fmt::format_to(sink, "{}{} drawn from {} valid timestamps ({} valid windows (ticker, end bar)){}\n",
                     file.name.empty() ? "" : fmt::format("split {}: ", file.name),
                     text::Count(file.rows, "cross-section"), text::Thousands(file.valid_timestamps),
                     text::Thousands(file.valid_pairs),
                     file.name.empty() ? "" : fmt::format(" \u2192 {}, {}", file.output.string(), text::Bytes(file.bytes)));
    } else if (file.name.empty()) {
      fmt::format_to(sink, "{} drawn from {} valid windows (ticker, end bar)\n", text::Count(file.rows, "sample"),
                     text::Thousands(file.valid_pairs));
    } else {
      fmt::format_to(sink, "split {}: {} of {} valid pairs \u2192 {}, {}\n", file.name, text::Count(file.rows, "sample"),
                     text::Thousands(file.valid_pairs), file.output.string(), text::Bytes(file.bytes));
    }
  }
  fmt::format_to(sink, "{}, {} samples/s, peak memory {}; scaler {}\n", text::Count(s.row_groups, "row group"),
                 text::Thousands(s.seconds > 0 ? static_cast<int64_t>(static_cast<double>(s.rows) / s.seconds) : 0),
                 text::Mebibytes(s.peak_rss_bytes), s.scaler.string());
  fmt::format_to(sink, "built {} in {} \u2192 {}, {}\n", text::Count(s.rows, "sample"), text::Duration(s.seconds),
                 Named(s) ? text::Count(static_cast<int64_t>(s.files.size()), "split file") : s.output.string(),
                 text::Bytes(s.bytes));
  return out;
}

}  // namespace barforge
