#include "rawdata/bar_validation.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "barforge/error.h"
#include "barforge/timestamp.h"
#include "text/human.h"

namespace barforge {

namespace {

struct Problem {
  const std::string* column;
  std::string value;
  std::string reason;
};

bool IsNull(const std::vector<uint8_t>& flags, size_t i) { return !flags.empty() && flags[i] != 0; }

std::optional<Problem> CheckPrice(const std::string& column, double value) {
  if (!std::isfinite(value)) return Problem{&column, fmt::format("{}", value), "price is not finite"};
  if (value <= 0) return Problem{&column, fmt::format("{}", value), "price must be > 0"};
  return std::nullopt;
}

// The first rule bar i breaks, in the order of the rules; nullopt when valid.
// `previous_ns` is the timestamp of the last kept bar, if any.
std::optional<Problem> CheckBar(const BarSeries& bars, const ColumnNames& names, const BarNulls& nulls, size_t i,
                                std::optional<int64_t> previous_ns, std::optional<double> previous_close) {
  const std::pair<const std::vector<uint8_t>*, const std::string*> null_checks[] = {
      {&nulls.timestamp, &names.timestamp}, {&nulls.open, &names.open},   {&nulls.high, &names.high},
      {&nulls.low, &names.low},             {&nulls.close, &names.close}, {&nulls.volume, &names.volume}};
  for (const auto& [flags, column] : null_checks) {
    if (IsNull(*flags, i)) return Problem{column, "null", "value is missing"};
  }
  const int64_t ts = bars.timestamp_ns[i];
  if (previous_ns && ts <= *previous_ns) {
    return Problem{&names.timestamp, FormatTimestampNs(ts),
                   fmt::format("timestamp is not after the previous bar's ({}){}", FormatTimestampNs(*previous_ns),
                               ts == *previous_ns ? " (duplicate)" : "")};
  }
  const std::pair<const std::string*, double> prices[] = {
      {&names.open, bars.open[i]}, {&names.high, bars.high[i]}, {&names.low, bars.low[i]}, {&names.close, bars.close[i]}};
  for (const auto& [column, value] : prices) {
    if (auto problem = CheckPrice(*column, value)) return problem;
  }
  const double volume = bars.volume[i];
  if (!std::isfinite(volume)) return Problem{&names.volume, fmt::format("{}", volume), "volume is not finite"};
  if (volume < 0) return Problem{&names.volume, fmt::format("{}", volume), "volume must be >= 0"};
  const double open = bars.open[i];
  const double close = bars.close[i];
  if (bars.high[i] < std::max(open, close)) {
    return Problem{&names.high, fmt::format("{}", bars.high[i]),
                   fmt::format("high is below max(open, close) = {}", std::max(open, close))};
  }
  if (bars.low[i] > std::min(open, close)) {
    return Problem{&names.low, fmt::format("{}", bars.low[i]),
                   fmt::format("low is above min(open, close) = {}", std::min(open, close))};
  }
  // Every rule above holds, yet the features take ln(high / low) and
  // ln(close / previous close), with one division each: a ratio that
  // overflows to inf (or a close ratio that underflows to 0) would make a
  // feature, the scaler and every later value infinite.
  // ln(x) is finite exactly when x is finite and > 0; no log is taken here.
  if (const double range = bars.high[i] / bars.low[i]; !(std::isfinite(range) && range > 0)) {
    return Problem{&names.low, fmt::format("{}", bars.low[i]),
                   fmt::format("high / low = {} / {} overflows a double, so ln(high / low) is not finite",
                               bars.high[i], bars.low[i])};
  }
  if (previous_close) {
    const double ratio = close / *previous_close;
    if (!(std::isfinite(ratio) && ratio > 0)) {
      return Problem{&names.close, fmt::format("{}", close),
                     fmt::format("close / the previous bar's close {} is {}, so the return ln(close / previous "
                                 "close) is not finite",
                                 *previous_close, ratio)};
    }
  }
  return std::nullopt;
}

}  // namespace

void ValidateBars(BarSeries& bars, const ColumnNames& names, OnBadBar mode, const BarNulls& nulls,
                  int64_t first_row_number) {
  const auto n = static_cast<size_t>(bars.size());
  // A file sorted newest first breaks the order rule at every bar: say so
  // once, whatever on_bad_bar says, instead of reporting (or dropping) all
  // but one bar.
  const std::vector<int64_t>& ts = bars.timestamp_ns;
  const auto has_time = [&nulls](size_t i) { return !IsNull(nulls.timestamp, i); };
  if (n >= 3 && has_time(0) && has_time(1) && has_time(n - 1) && ts[1] < ts[0] && ts[n - 1] < ts[0]) {
    throw DataError(fmt::format("{}: rows are in descending time order (row {} is {}, row {} is {}, the last row is "
                                "{}); sort the file by {}, oldest first",
                                bars.source.string(), first_row_number, FormatTimestampNs(ts[0]),
                                first_row_number + 1, FormatTimestampNs(ts[1]), FormatTimestampNs(ts[n - 1]),
                                names.timestamp));
  }
  size_t kept = 0;
  std::optional<int64_t> previous_ns;
  std::optional<double> previous_close;
  for (size_t i = 0; i < n; ++i) {
    if (const auto problem = CheckBar(bars, names, nulls, i, previous_ns, previous_close)) {
      if (mode == OnBadBar::kError) {
        throw DataError(fmt::format("{}: row {}, column {}: value {}: {}", bars.source.string(),
                                    static_cast<int64_t>(i) + first_row_number, *problem->column, problem->value,
                                    problem->reason));
      }
      ++bars.dropped_bars;
      continue;
    }
    previous_ns = bars.timestamp_ns[i];
    previous_close = bars.close[i];
    if (kept != i) {
      bars.timestamp_ns[kept] = bars.timestamp_ns[i];
      bars.open[kept] = bars.open[i];
      bars.high[kept] = bars.high[i];
      bars.low[kept] = bars.low[i];
      bars.close[kept] = bars.close[i];
      bars.volume[kept] = bars.volume[i];
    }
    ++kept;
  }
  for (auto* column : {&bars.open, &bars.high, &bars.low, &bars.close, &bars.volume}) column->resize(kept);
  bars.timestamp_ns.resize(kept);
}

void CheckSeriesLength(const BarSeries& bars, int window, int horizon, bool allow_short) {
  const std::string dropped = bars.dropped_bars > 0
                                  ? fmt::format(" after dropping {}", text::Count(bars.dropped_bars, "invalid bar"))
                                  : std::string();
  if (bars.size() == 0) throw DataError(fmt::format("{}: no bars{}", bars.source.string(), dropped));
  if (!allow_short && bars.size() < static_cast<int64_t>(window) + horizon) {
    throw DataError(fmt::format("{}: {}{} is too short for one window (window {} + horizon {} = {} bars)",
                                bars.source.string(), text::Count(bars.size(), "bar"), dropped, window, horizon,
                                window + horizon));
  }
}

}  // namespace barforge
