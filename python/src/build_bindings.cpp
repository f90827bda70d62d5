// Config loading and the dataset build, for barforge.build_dataset.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "barforge/config.h"
#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "barforge/pipeline.h"
#include "cli/commands.h"
#include "bindings.h"
#include "errors.h"

namespace py = pybind11;

namespace barforge::python {

namespace {

/// Set from Python (Ctrl-C) while a build runs on another thread; the
/// build's progress hook sees it and stops the build.
class CancelToken {
 public:
  void Cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

 private:
  std::atomic<bool> cancelled_{false};
};

// What is at the config's output name: "absent" or "same" (built from the
// same effective config; a missing scaler file is restored from its footer),
// as `build --skip-existing` decides; one built from another config is
// refused (AlreadyExistsError, the CLI's text naming `overwrite=True`).
// With splits, every split's file is looked at: "same" when all of them are
// (with "splits", name -> path), "absent" when none exists, and a partial
// set refused.
py::dict Existing(const std::string& yaml_text) {
  const Config config = LoadConfigText(yaml_text, "config");
  py::dict out;
  out["output"] = SamplesPath(config).string();
  out["scaler"] = ScalerPath(config).string();
  out["state"] = "absent";
  if (!config.splits.empty()) {
    const std::vector<ExistingDataset> existing = CheckExistingSplits(config);
    if (cli::SplitsAlreadyBuilt(existing, "overwrite=True")) {
      py::dict splits;
      for (size_t i = 0; i < existing.size(); ++i) splits[py::str(config.splits[i].name)] = existing[i].path.string();
      out["state"] = "same";
      out["splits"] = splits;
      out["scaler_restored"] = RestoreScalerFromDataset(config);
    }
    return out;
  }
  const ExistingDataset existing = CheckExistingDataset(config);
  switch (existing.state) {
    case ExistingDataset::State::kAbsent:
      break;
    case ExistingDataset::State::kSameConfig:
      out["state"] = "same";
      out["scaler_restored"] = RestoreScalerFromDataset(config);
      break;
    case ExistingDataset::State::kOtherConfig:
      throw cli::ExistsFromOtherConfig(existing, "overwrite=True");
  }
  return out;
}

// The "barforge.config" footer value of an existing dataset.
std::string StoredConfigOf(const std::string& path) {
  const parquet::ParquetReader reader(path);
  for (const auto& [key, value] : reader.key_value_metadata()) {
    if (key == "barforge.config") return value;
  }
  throw DataError(path + ": not a barforge dataset (its footer has no barforge.config)");
}

py::dict SummaryDict(const BuildSummary& s) {
  py::dict stages;
  stages["raw_data"] = s.stages.raw_data;
  stages["prepare"] = s.stages.prepare;
  stages["sampling"] = s.stages.sampling;
  stages["features"] = s.stages.features;
  stages["scaling"] = s.stages.scaling;
  stages["rewards"] = s.stages.rewards;
  stages["encoding"] = s.stages.encoding;
  stages["writing"] = s.stages.writing;
  py::list tickers;
  for (const TickerSummary& t : s.tickers) {
    py::dict ticker;
    ticker["ticker"] = t.ticker;
    ticker["raw_file"] = t.raw_file.string();
    ticker["bars"] = t.bars;
    ticker["dropped_bars"] = t.dropped_bars;
    ticker["generated"] = t.generated;
    tickers.append(ticker);
  }
  py::list splits;
  for (const SplitSummary& split : s.splits) {
    py::dict one;
    one["name"] = split.name;
    one["output"] = split.output.string();
    one["rows"] = split.rows;
    one["row_groups"] = split.row_groups;
    one["bytes"] = split.bytes;
    one["valid_pairs"] = split.valid_pairs;
    splits.append(one);
  }
  py::dict out;
  out["output"] = s.output.string();
  out["splits"] = splits;
  out["scaler"] = s.scaler.string();
  out["rows"] = s.rows;
  out["row_groups"] = s.row_groups;
  out["bytes"] = s.bytes;
  out["seconds"] = s.seconds;
  out["peak_rss_bytes"] = s.peak_rss_bytes;
  out["jobs"] = s.jobs;
  out["stages"] = stages;
  out["tickers"] = tickers;
  out["text"] = cli::BuildSummaryText(s);
  return out;
}

py::dict Build(const std::string& yaml_text, bool overwrite, std::shared_ptr<CancelToken> token) {
  BuildSummary summary;
  {
    py::gil_scoped_release release;
    const Config config = LoadConfigText(yaml_text, "config");
    BuildOptions options;
    options.overwrite = overwrite;
    // Called on this thread every 100 ms while the build runs on others.
    options.on_progress = [token](const BuildProgress&) {
      if (token && token->cancelled()) throw Cancelled();
    };
    summary = RunBuild(config, options);
  }
  return SummaryDict(summary);
}

}  // namespace

void BindBuild(py::module_& m) {
  py::class_<CancelToken, std::shared_ptr<CancelToken>>(m, "CancelToken")
      .def(py::init<>())
      .def("cancel", &CancelToken::Cancel)
      .def_property_readonly("cancelled", &CancelToken::cancelled);
  m.def("existing", &Existing, py::arg("yaml_text"),
        "Validates a config (YAML text) and says what is at its output name.");
  m.def("stored_config", &StoredConfigOf, py::arg("path"),
        "The effective config an existing dataset was built from (its footer).");
  m.def("build", &Build, py::arg("yaml_text"), py::arg("overwrite"), py::arg("token"),
        "Builds the dataset of a config (YAML text) with the GIL released; returns the build summary.");
}

}  // namespace barforge::python
