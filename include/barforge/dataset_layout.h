#pragma once
// The layout of a samples file: which columns it has, in which order, with
// which types and list lengths. Made once from the config by the build, or
// read back from a file's footer by the validator, `inspect` and readers, so
// that every part of barforge agrees on one description.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "barforge/actions.h"
#include "barforge/config.h"
#include "barforge/parquet_writer.h"

namespace barforge {

/// What a column holds, so that code switches on the kind, not the name.
enum class DatasetColumnKind {
  kSampleId,
  kTicker,
  kTimestamp,
  kBarIndex,
  kOhlc,
  kVolume,
  kMeta,
  kRewards,
  kFwdReturn,
  kExtraFwdReturn,  ///< fwd_return_{h}, one per extra horizon
  kTbLabel,         ///< triple barrier: int8 label -1 / 0 / +1
  kTbBars,          ///< triple barrier: int16 bars from the end bar to the touch (H when none)
  kTbReturn,        ///< triple barrier: float32 log return at the touch
  kPosition,        ///< feature files of `transform --all`: the agent's position, int64 -1 / 0 / +1
  kPresent,         ///< cross-sections: per ticker, whether it has a sample at the row's timestamp
};

struct DatasetColumn {
  DatasetColumnKind kind;
  parquet::ColumnSpec spec;  ///< name, type, list length
  int horizon = 0;           ///< kExtraFwdReturn: its h
};

struct DatasetLayout {
  int window = 64;                   ///< W
  int horizon = 16;                  ///< H
  std::vector<int> extra_horizons;   ///< in config order
  /// With a value: the tb_label, tb_bars, tb_return columns, with these barriers.
  std::optional<TripleBarrierConfig> triple_barrier;
  /// A feature file of `transform --all` (footer key barforge.bars, no
  /// barforge.config): timestamp, bar_index, position, ohlc, volume, meta;
  /// no labels, since its last rows have no horizon ahead.
  bool features_only = false;
  /// cross_section: true: a row is a timestamp holding the samples of these
  /// M tickers (config order, those too short for one window left out);
  /// every per-sample column is a list of shape [M, ...] (docs/dataset.md,
  /// "Cross-sections"). Empty for a single-ticker file.
  std::vector<std::string> cross_section_tickers;

  bool cross_section() const { return !cross_section_tickers.empty(); }

  /// The layout of `transform --all` with a scaler of window `window`.
  static DatasetLayout FeatureFile(int window);

  /// The layout a build with `config` writes; with cross_section, over
  /// `tickers` (the members the plan kept; empty: every ticker of the config).
  static DatasetLayout FromConfig(const Config& config, std::vector<std::string> tickers = {});
  /// The layout recorded in a samples file's key-value metadata (its stored
  /// config), or of a feature file of `transform --all` (the window of the
  /// scaler in its footer). Throws DataError naming `file` when the metadata
  /// is neither's.
  static DatasetLayout FromKeyValueMetadata(const std::vector<std::pair<std::string, std::string>>& key_values,
                                            const std::filesystem::path& file);
  /// Opens `file` and reads its footer (FromKeyValueMetadata).
  static DatasetLayout FromFile(const std::filesystem::path& file);

  /// Every column, in file order: sample_id, ticker, timestamp, bar_index,
  /// ohlc (4W), volume (W), meta (6), rewards (3), fwd_return, then
  /// fwd_return_{h} per extra horizon, then tb_label, tb_bars, tb_return
  /// with a triple barrier. A cross-section: sample_id, timestamp, present
  /// [M], bar_index [M], ohlc [M, W, 4], volume [M, W], meta [M, 6], rewards
  /// [M, 3], fwd_return [M], fwd_return_{h} [M], tb_label [M], tb_bars [M],
  /// tb_return [M] (ColumnSpec::shape; list_size the product).
  std::vector<DatasetColumn> Columns() const;
  /// Columns() as the writer's schema.
  std::vector<parquet::ColumnSpec> Schema() const;
  /// Bytes of the float32 values of one row before encoding (list values
  /// and float scalars; integer and string columns are not counted).
  int64_t RawFloatBytesPerRow() const;

 private:
  std::vector<DatasetColumn> CrossSectionColumns() const;
};

}  // namespace barforge
