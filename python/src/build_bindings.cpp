// Config loading and the dataset build, for barforge.build_dataset.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "barforge/config.h"
#include "barforge/error.h"
#include "barforge/pipeline.h"
#include "cli/commands.h"
#include "io/signal_cleanup.h"
#include "pipeline/output_pair.h"
#include "dataset/dataset_footer.h"
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
      CheckOutputs(config, false, {});
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
      CheckOutputs(config, false, {});  // a stale scaler file replaced, or refused
      break;
    case ExistingDataset::State::kOtherConfig:
      throw cli::ExistsFromOtherConfig(existing, "overwrite=True");
  }
  return out;
}

// The barforge.config footer value of an existing dataset.
std::string StoredConfigOf(const std::string& path) { return DatasetFooter::Read(path).RequireConfig(path); }

// The CLI's --json summary, parsed, plus its text: one description of a
// build for both doors.
py::dict SummaryDict(const BuildSummary& s) {
  py::dict out = py::module_::import("json").attr("loads")(cli::BuildSummaryJson(s));
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
    // SIGTERM, SIGHUP, SIGQUIT (where Python left the default action) then
    // remove the build's temporaries before they end the process.
    io::InstallSignalCleanup();
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
