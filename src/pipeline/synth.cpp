#include "barforge/pipeline.h"
#include "pipeline/raw_data_stage.h"

#include <fmt/format.h>

#include "barforge/error.h"

namespace barforge {

std::vector<TickerSummary> RunSynth(const Config& config, bool overwrite) {
  if (config.source != DataSource::kSynthetic) {
    throw ConfigError("source: `barforge synth` needs source: synthetic");
  }
  return PrepareRawData(config, overwrite).summary;
}

}  // namespace barforge
