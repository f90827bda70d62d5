// Config loading and the dataset build, for barforge.build_dataset.

#include <atomic>
#include <memory>
#include <string>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "barforge/config.h"
#include "barforge/error.h"
#include "barforge/pipeline.h"
#include "io/signal_cleanup.h"
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

// The barforge.config footer value of an existing dataset.
std::string StoredConfigOf(const std::string& path) { return DatasetFooter::Read(path).RequireConfig(path); }

// overwrite=False reuses a dataset of the same effective config (as
// `build --skip-existing`); True rebuilds (`--overwrite`).
OnExisting OnExistingOf(bool overwrite) { return overwrite ? OnExisting::kOverwrite : OnExisting::kReuseSameConfig; }

// The library's summary: its JSON, parsed, plus its text and the files (name
// -> path; the name is empty without splits), for built and reused builds
// alike.
py::dict SummaryDict(const BuildSummary& s) {
  py::dict out = py::module_::import("json").attr("loads")(BuildSummaryJson(s));
  out["text"] = BuildSummaryText(s);
  py::list files;
  for (const FileSummary& file : s.files) files.append(py::make_tuple(file.name, file.output.string()));
  out["files"] = files;
  out["reused"] = s.reused;
  return out;
}

py::dict Build(const std::string& yaml_text, bool overwrite, std::shared_ptr<CancelToken> token) {
  BuildSummary summary;
  {
    py::gil_scoped_release release;
    const Config config = LoadConfigText(yaml_text, "config");
    BuildOptions options;
    options.on_existing = OnExistingOf(overwrite);
    options.overwrite_flag = "overwrite=True";
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
  m.def("stored_config", &StoredConfigOf, py::arg("path"),
        "The effective config an existing dataset was built from (its footer).");
  m.def("build", &Build, py::arg("yaml_text"), py::arg("overwrite"), py::arg("token"),
        "Builds the dataset of a config (YAML text) with the GIL released, or reuses the existing one of the same "
        "config unless overwrite; returns the build summary.");
}

}  // namespace barforge::python
