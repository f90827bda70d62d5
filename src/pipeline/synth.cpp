#include "barforge/pipeline.h"
#include "pipeline/raw_data_stage.h"

#include <fmt/format.h>

#include "barforge/error.h"
#include "io/atomic_file.h"
#include "pipeline/output_pair.h"

namespace barforge {

std::vector<TickerSummary> RunSynth(const Config& config, bool overwrite,
                                    const std::function<void(const std::string&)>& on_notice) {
  if (config.source != DataSource::kSynthetic) {
    throw ConfigError("source: `barforge synth` needs source: synthetic");
  }
  RefuseTemporaryNames(config);
  for (const std::string& ticker : config.tickers) {
    for (const std::filesystem::path& leftover : io::RemoveStaleTemporaries(RawDataPath(config, ticker))) {
      if (on_notice) on_notice(fmt::format("removed {}, left by an interrupted run", leftover.string()));
    }
  }
  RawData raw = PrepareRawData(config, overwrite);
  CommitRawFiles(raw);
  return raw.summary;
}

}  // namespace barforge
