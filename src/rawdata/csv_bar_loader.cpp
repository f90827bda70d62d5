#include "rawdata/csv_bar_loader.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>

#include "config/column_positions.h"
#include "rawdata/bar_validation.h"

namespace barforge {

namespace {

// The columns read, as bars; `names` name the columns in messages.
BarSeries ToValidBars(CsvColumns csv, const std::filesystem::path& path, const std::string& ticker,
                      const Config& config, const ColumnNames& names, int64_t first_row_number) {
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
  ValidateBars(bars, names, config.on_bad_bar, nulls, first_row_number);
  CheckSeriesLength(bars, config.window, config.horizon, config.on_short_series == OnShortSeries::kSkip);
  return bars;
}

}  // namespace

BarSeries LoadCsvBars(const std::filesystem::path& path, const std::string& ticker, const Config& config,
                      const CsvOptions& options) {
  CsvOptions read_options = options;
  read_options.header = config.csv_header;
  if (config.csv_header) {
    const ColumnNames& names = config.columns;
    CsvColumns csv = ReadCsvColumns(path, names.timestamp,
                                    {names.open, names.high, names.low, names.close, names.volume}, read_options);
    // Spreadsheet numbering: the header is row 1, the first bar row 2.
    return ToValidBars(std::move(csv), path, ticker, config, names, /*first_row_number=*/2);
  }
  // No header: each column is a field position; validation's messages name
  // it by position and role ("column 4 (close)").
  const std::array<size_t, 6> at = CsvColumnPositions(config.columns);
  CsvColumns csv = ReadCsvColumns(path, std::to_string(at[0]),
                                  {std::to_string(at[1]), std::to_string(at[2]), std::to_string(at[3]),
                                   std::to_string(at[4]), std::to_string(at[5])},
                                  read_options);
  static const ColumnNames roles;
  ColumnNames names;
  names.timestamp = fmt::format("{} ({})", at[0], roles.timestamp);
  names.open = fmt::format("{} ({})", at[1], roles.open);
  names.high = fmt::format("{} ({})", at[2], roles.high);
  names.low = fmt::format("{} ({})", at[3], roles.low);
  names.close = fmt::format("{} ({})", at[4], roles.close);
  names.volume = fmt::format("{} ({})", at[5], roles.volume);
  return ToValidBars(std::move(csv), path, ticker, config, names, /*first_row_number=*/1);
}

}  // namespace barforge
