#include "rawdata/csv_bar_loader.h"

#include <cmath>
#include <limits>

#include "rawdata/bar_validation.h"

namespace barforge {

BarSeries LoadCsvBars(const std::filesystem::path& path, const std::string& ticker, const Config& config,
                      const CsvOptions& options) {
  const ColumnNames& names = config.columns;
  CsvColumns csv =
      ReadCsvColumns(path, names.timestamp, {names.open, names.high, names.low, names.close, names.volume}, options);
  BarSeries bars;
  bars.ticker = ticker;
  bars.source = path;
  bars.timestamp_ns = std::move(csv.timestamp_ns);
  bars.open = std::move(csv.numbers[0]);
  bars.high = std::move(csv.numbers[1]);
  bars.low = std::move(csv.numbers[2]);
  bars.close = std::move(csv.numbers[3]);
  bars.volume = std::move(csv.numbers[4]);

  // Missing values become nulls, which validation treats as bad bars.
  BarNulls nulls;
  if (!csv.missing_rows.empty()) {
    const size_t n = bars.timestamp_ns.size();
    for (auto* flags : {&nulls.timestamp, &nulls.open, &nulls.high, &nulls.low, &nulls.close, &nulls.volume}) {
      flags->assign(n, 0);
    }
    for (const int64_t row : csv.missing_rows) {
      const auto r = static_cast<size_t>(row);
      nulls.timestamp[r] = bars.timestamp_ns[r] == std::numeric_limits<int64_t>::min() ? 1 : 0;
      nulls.open[r] = std::isnan(bars.open[r]) ? 1 : 0;
      nulls.high[r] = std::isnan(bars.high[r]) ? 1 : 0;
      nulls.low[r] = std::isnan(bars.low[r]) ? 1 : 0;
      nulls.close[r] = std::isnan(bars.close[r]) ? 1 : 0;
      nulls.volume[r] = std::isnan(bars.volume[r]) ? 1 : 0;
    }
  }
  // Spreadsheet numbering: the header is row 1, the first bar row 2.
  ValidateBars(bars, names, config.on_bad_bar, nulls, /*first_row_number=*/2);
  CheckSeriesLength(bars, config.window, config.horizon, config.on_short_series == OnShortSeries::kSkip);
  return bars;
}

}  // namespace barforge
