#pragma once
// The features of a dataset row, computed from bars in memory: the same
// code the build runs, so a model sees at inference exactly the float32
// values it was trained on (ohlc, volume and the scaled meta of the window
// of W bars ending at a given bar, with a given position).
//
//   const auto transform = barforge::FeatureTransform::FromFile("data/meta_scaler.json");
//   barforge::BarColumns bars{.timestamp_ns = ts, .open = o, .high = h, .low = l, .close = c, .volume = v};
//   const barforge::WindowFeatures f = transform.Transform(bars, bars.size() - 1, /*position=*/0);
//
// Every error is a barforge::DataError (bars, end bar, position) or, for the
// scaler file, IoError / ParquetError / DataError, with a message naming the
// file (or BarColumns::source) and the reason.

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/meta_features.h"
#include "barforge/timestamp.h"  // FormatTimestampNs, for the timestamps of a window

namespace barforge {

/// Bars in memory, oldest first, one array per column (viewed, not owned;
/// all of the same length). They must be valid bars as a raw file's are:
/// timestamps strictly increasing; open, high, low, close finite and > 0;
/// volume finite and >= 0; high >= max(open, close); low <= min(open, close).
struct BarColumns {
  std::string source = "bars";  ///< names the bars in error messages (e.g. the file they came from)
  ColumnNames names;            ///< column names used in error messages
  std::span<const int64_t> timestamp_ns;  ///< ns since the epoch, UTC
  std::span<const double> open, high, low, close, volume;

  int64_t size() const { return static_cast<int64_t>(timestamp_ns.size()); }
};

/// One window's features, as in a dataset row.
struct WindowFeatures {
  std::vector<float> ohlc;    ///< 4 * window values, row-major [bar][open, high, low, close]
  std::vector<float> volume;  ///< window values
  std::array<float, kMetaFeatureCount> meta{};  ///< scaled meta features (kMetaFeatureNames order)
};

/// Many windows' features, window after window (backtests).
struct FeatureBatch {
  int64_t rows = 0;
  int window = 0;
  std::vector<float> ohlc;    ///< rows * 4 * window
  std::vector<float> volume;  ///< rows * window
  std::vector<float> meta;    ///< rows * kMetaFeatureCount
};

/// Where TransformInto writes. An empty span skips that feature; otherwise
/// it must hold exactly ends.size() rows (4W, W and 6 floats per row).
struct FeatureOutput {
  std::span<float> ohlc;
  std::span<float> volume;
  std::span<float> meta;
};

class FeatureTransform;

/// Bars checked once and reduced to the per-bar logarithms the features
/// add up, for computing many windows (bars first..last of the input).
/// Holds a copy: the input arrays may go away.
class PreparedBars {
 public:
  PreparedBars();
  ~PreparedBars();
  PreparedBars(PreparedBars&&) noexcept;
  PreparedBars& operator=(PreparedBars&&) noexcept;

  /// Input index of the first and last bar held.
  int64_t first() const;
  int64_t last() const;

  struct Impl;  ///< internal

 private:
  friend class FeatureTransform;
  std::unique_ptr<Impl> impl_;
};

/// The transform of one scaler: the window W it was fitted with and the
/// mean and population std of each raw meta feature.
class FeatureTransform {
 public:
  /// Reads the scaler from a meta scaler JSON file or from a dataset
  /// Parquet file's footer (key `barforge.scaler`), whichever the file
  /// holds; for a dataset written in parts (a directory), from its first
  /// part's footer. With `expected_window` > 0, a scaler fitted with another
  /// window is refused.
  static FeatureTransform FromFile(const std::filesystem::path& path, int expected_window = 0);
  /// From the scaler's JSON text (as the build writes it); `source` names it in messages.
  static FeatureTransform FromJson(const std::string& json, const std::string& source = "meta scaler JSON");

  FeatureTransform(const FeatureTransform&);
  FeatureTransform& operator=(const FeatureTransform&);
  FeatureTransform(FeatureTransform&&) noexcept;
  FeatureTransform& operator=(FeatureTransform&&) noexcept;
  ~FeatureTransform();

  int window() const;
  int horizon() const;
  /// Samples the scaler was fitted on.
  int64_t count() const;
  const std::array<double, kMetaFeatureCount>& mean() const;
  const std::array<double, kMetaFeatureCount>& std() const;
  /// The scaler as JSON, as the build writes it.
  std::string ToJson() const;
  /// The file (or `source`) the scaler was read from.
  const std::string& source() const;

  /// The window of `bars` ending at bar index `end` (0-based, >= window-1)
  /// with the agent's `position` (-1, 0 or +1). Only the window's bars are
  /// read and checked.
  WindowFeatures Transform(const BarColumns& bars, int64_t end, int position) const;
  /// Transform into caller buffers (one row each; see FeatureOutput).
  void Transform(const BarColumns& bars, int64_t end, int position, const FeatureOutput& out) const;

  /// The windows ending at each of `ends`, with `positions` (one per end,
  /// a single one for all, or none: 0), computed on all threads.
  FeatureBatch TransformMany(const BarColumns& bars, std::span<const int64_t> ends,
                             std::span<const int> positions) const;
  /// TransformMany into caller buffers (see FeatureOutput).
  void TransformMany(const BarColumns& bars, std::span<const int64_t> ends, std::span<const int> positions,
                     const FeatureOutput& out) const;

  /// Checks and prepares bars first..last (inclusive; last = -1: the last
  /// bar) of `bars` for TransformInto.
  PreparedBars Prepare(const BarColumns& bars, int64_t first = 0, int64_t last = -1) const;
  /// TransformMany into caller buffers, from prepared bars; each end must
  /// have its whole window inside the prepared bars.
  void TransformInto(const PreparedBars& bars, std::span<const int64_t> ends, std::span<const int> positions,
                     const FeatureOutput& out) const;

  /// Index of the bar whose timestamp is exactly `timestamp_ns`; DataError
  /// naming bars.source when there is none.
  static int64_t FindBar(const BarColumns& bars, int64_t timestamp_ns);
  /// The input index of a dataset row's `bar_index`, as an end for
  /// Transform. A build numbers each ticker's bars after dropping invalid
  /// ones (on_bad_bar: drop), so an index names the same bar in `bars` only
  /// when no bar up to it is invalid: the bars before its window
  /// (0..bar_index-W) are checked with the raw rules here, and an invalid
  /// one is a DataError naming its row and saying to pass the row's
  /// timestamp (FindBar) or to remove the invalid bars; the window's own
  /// bars are checked by Transform, as always. Never another window,
  /// silently. Reads bar_index + 1 - W bars.
  int64_t BarOfIndex(const BarColumns& bars, int64_t bar_index) const;

  struct Impl;  ///< internal

 private:
  explicit FeatureTransform(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

/// Why a ticker of a cross-section is absent at a timestamp (or that it is present).
enum class CrossSectionStatus : uint8_t {
  kPresent,    ///< a bar at exactly t with a whole window up to it
  kNoBar,      ///< no bar at exactly t (none given, not listed yet, delisted, a hole)
  kTooEarly,   ///< a bar at t, but fewer than W bars up to it
  kGap,        ///< a bar at t, but two consecutive bars of its window are more than max_gap apart
};

/// A short text for a status ("present", "no bar at t", "fewer than W bars up to t", "a gap above max_gap in the window").
const char* CrossSectionStatusText(CrossSectionStatus status);

/// The M windows ending at one timestamp, in the cross-section's ticker
/// order: what one row of a cross-sectional dataset holds of them.
struct CrossSectionFeatures {
  int tickers = 0;           ///< M
  int window = 0;            ///< W
  int64_t timestamp_ns = 0;  ///< t
  std::vector<float> ohlc;     ///< M * 4W, ticker after ticker, each as WindowFeatures::ohlc
  std::vector<float> volume;   ///< M * W
  std::vector<float> meta;     ///< M * 6
  std::vector<uint8_t> present;  ///< M, 1 when the ticker is present at t
  std::vector<int64_t> end;      ///< M, the index of the ticker's bar at t in its bars (0 when absent)
  std::vector<CrossSectionStatus> status;  ///< M, why a ticker is absent
};

/// Where CrossSectionTransform::Transform writes: spans of M * 4W, M * W, M * 6
/// floats and M present flags / end bars / statuses. An empty span skips
/// that output.
struct CrossSectionOutput {
  std::span<float> ohlc;
  std::span<float> volume;
  std::span<float> meta;
  std::span<uint8_t> present;
  std::span<int64_t> end;
  std::span<CrossSectionStatus> status;
};

/// The serving side of a cross-sectional dataset (`cross_section: true`):
/// from the bars of its M tickers and a timestamp t, the M windows ending
/// at t, each present ticker's exactly the single-ticker FeatureTransform of
/// that ticker at its bar at t (the same float32 bits as the dataset row's
/// slice, for the same position).
///
/// A ticker is present at t when its bars have one at exactly t (index e)
/// with W bars up to it (e >= W-1) and, when max_gap is set (> 0), no two
/// consecutive bars among e-W+1..e more than max_gap apart: the build's
/// rules of a valid end bar that need no future bar (the horizon, splits,
/// purge and embargo are the build's, not the serving's). An absent
/// ticker's values are 0. Bars that break the rules of BarColumns (ragged
/// columns, invalid values in a present ticker's window) are a DataError
/// naming the ticker (BarColumns::source, or the ticker's name when source
/// is left "bars"), as FeatureTransform::Transform raises it, never an
/// absence.
class CrossSectionTransform {
 public:
  /// `tickers`: the M tickers in the dataset's order (distinct, not empty);
  /// `max_gap_ns`: the build's max_gap (0: off).
  CrossSectionTransform(FeatureTransform transform, std::vector<std::string> tickers, int64_t max_gap_ns = 0);

  /// From a cross-sectional dataset (a samples file, or a directory of
  /// parts: its first part): the scaler of its footer, its tickers and its
  /// config's max_gap. DataError for a dataset that is not cross-sectional.
  static CrossSectionTransform FromDataset(const std::filesystem::path& path);

  const FeatureTransform& transform() const { return transform_; }
  const std::vector<std::string>& tickers() const { return tickers_; }
  int64_t max_gap_ns() const { return max_gap_ns_; }
  int window() const { return transform_.window(); }

  /// The windows ending at `timestamp_ns`. `bars`: every ticker of tickers()
  /// by name, no other (DataError naming the unknown or missing ones);
  /// empty bars are allowed (the ticker is absent). `positions`: one for
  /// all tickers (as a dataset row's), or one per ticker in tickers() order,
  /// each -1, 0 or 1; an absent ticker's position is not used.
  CrossSectionFeatures Transform(const std::map<std::string, BarColumns, std::less<>>& bars, int64_t timestamp_ns,
                                 std::span<const int> positions) const;
  /// Transform into caller buffers (see CrossSectionOutput).
  void Transform(const std::map<std::string, BarColumns, std::less<>>& bars, int64_t timestamp_ns,
                 std::span<const int> positions, const CrossSectionOutput& out) const;

  /// Whether ticker `bars` is present at `timestamp_ns`, and its bar there
  /// (`end`, set when present or too early / across a gap).
  CrossSectionStatus Locate(const BarColumns& bars, int64_t timestamp_ns, int64_t& end) const;

 private:
  FeatureTransform transform_;
  std::vector<std::string> tickers_;
  int64_t max_gap_ns_ = 0;
};

}  // namespace barforge
