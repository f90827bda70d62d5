#include "rawdata/bar_loader.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "barforge/error.h"
#include "io/file_kind.h"
#include "barforge/parquet_reader.h"
#include "rawdata/bar_validation.h"
#include "rawdata/csv_bar_loader.h"
#include "rawdata/timestamp_text.h"

namespace barforge {

namespace {

using parquet::ColumnBuffer;
using parquet::PhysicalType;

std::vector<uint8_t> NullFlags(const ColumnBuffer& buffer) {
  std::vector<uint8_t> flags;
  if (buffer.valid.empty()) return flags;
  flags.resize(buffer.valid.size());
  for (size_t i = 0; i < flags.size(); ++i) flags[i] = buffer.valid[i] == 0 ? 1 : 0;
  return flags;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The column a `columns` name maps to, by the rule of CSV headers: the name
// exactly, else the name in any case. Two columns that match (exactly, or
// only in case) are refused: either could be meant. nullopt: none.
std::optional<size_t> MatchColumn(const parquet::ParquetReader& reader, const std::filesystem::path& path,
                                  const std::string& name) {
  const std::vector<parquet::ColumnInfo>& columns = reader.columns();
  for (const bool exact : {true, false}) {
    std::vector<size_t> found;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (exact ? columns[i].name == name : EqualsIgnoreCase(columns[i].name, name)) found.push_back(i);
    }
    if (found.size() > 1) {
      throw DataError(fmt::format("{}: {} columns are named '{}'{} (columns {} and {}): rename one, so that it is "
                                  "clear which holds the values",
                                  path.string(), found.size(), exact ? name : columns[found[0]].name,
                                  exact ? "" : fmt::format(" and '{}' (names match in any case)",
                                                           columns[found[1]].name),
                                  found[0], found[1]));
    }
    if (!found.empty()) return found.front();
  }
  return std::nullopt;
}

ColumnBuffer ReadFlatColumn(const parquet::ParquetReader& reader, const std::filesystem::path& path, size_t index) {
  ColumnBuffer buffer = reader.ReadColumn(index);
  if (buffer.info.is_list || buffer.size() != static_cast<size_t>(reader.num_rows())) {
    throw DataError(fmt::format("{}: column '{}': expected one value per row, found a nested column", path.string(),
                                buffer.info.name));
  }
  return buffer;
}

// The file's column of each of `names`, all missing ones named in one message.
std::vector<size_t> MatchColumns(const parquet::ParquetReader& reader, const std::filesystem::path& path,
                                 const std::vector<std::string>& names) {
  std::vector<size_t> indices;
  std::vector<std::string> missing;
  for (const std::string& name : names) {
    const std::optional<size_t> index = MatchColumn(reader, path, name);
    if (index) {
      indices.push_back(*index);
    } else {
      missing.push_back(fmt::format("'{}'", name));
    }
  }
  if (missing.empty()) return indices;
  std::string available;
  for (const auto& info : reader.columns()) available += (available.empty() ? "" : ", ") + info.name;
  throw DataError(fmt::format("{}: missing column{} {} (the file has: {})", path.string(), missing.size() > 1 ? "s" : "",
                              fmt::join(missing, ", "), available));
}

int64_t NanosPerUnit(EpochUnit unit) {
  switch (unit) {
    case EpochUnit::kSeconds: return 1000000000;
    case EpochUnit::kMillis: return 1000000;
    case EpochUnit::kMicros: return 1000;
    default: return 1;
  }
}

// Timestamps as ns since the epoch: TIMESTAMP (ms/us/ns), INT96 (already ns),
// DATE (days), or a plain INT64 in `timestamp_unit` (auto: from the first
// value's magnitude).
std::vector<int64_t> TimestampsNs(const ColumnBuffer& buffer, const std::filesystem::path& path,
                                  EpochUnit configured_unit) {
  const auto& info = buffer.info;
  int64_t scale = 1;
  const std::vector<int64_t>* values = &buffer.int64s;
  std::vector<int64_t> days;
  if (info.physical_type == PhysicalType::kInt32 && info.logical == parquet::LogicalKind::kDate) {
    days.assign(buffer.int32s.begin(), buffer.int32s.end());
    values = &days;
    scale = 86400LL * 1000000000LL;
  } else if (info.physical_type == PhysicalType::kInt64 && info.logical == parquet::LogicalKind::kTimestamp) {
    scale = info.time_unit == parquet::TimeUnit::kMillis   ? 1000000
            : info.time_unit == parquet::TimeUnit::kMicros ? 1000
                                                           : 1;
  } else if (info.physical_type == PhysicalType::kInt96) {
    scale = 1;  // the reader converts INT96 to ns
  } else if (info.physical_type == PhysicalType::kInt64 &&
             (info.logical == parquet::LogicalKind::kNone || info.logical == parquet::LogicalKind::kInteger)) {
    EpochUnit unit = configured_unit;
    if (unit == EpochUnit::kAuto) {
      unit = EpochUnit::kNanos;
      for (size_t i = 0; i < buffer.int64s.size(); ++i) {
        if (!buffer.is_null(i)) {
          unit = EpochUnitForMagnitude(buffer.int64s[i]);
          break;
        }
      }
    }
    scale = NanosPerUnit(unit);
    // The first value shows whether the unit is right (ms read as ns gives 1970).
    for (size_t i = 0; i < buffer.int64s.size(); ++i) {
      if (buffer.is_null(i)) continue;
      int64_t ns = 0;
      if (__builtin_mul_overflow(buffer.int64s[i], scale, &ns)) break;  // reported below
      if (const auto reason = ImplausibleEpoch(buffer.int64s[i], unit, ns)) {
        throw DataError(fmt::format("{}: row {}, column {}: {}", path.string(), i + 1, info.name, *reason));
      }
      break;
    }
  } else {
    throw DataError(fmt::format(
        "{}: column '{}': timestamps must be TIMESTAMP, DATE, INT96 or INT64 (epoch, unit from timestamp_unit)",
        path.string(), info.name));
  }
  std::vector<int64_t> ns(values->size());
  for (size_t i = 0; i < ns.size(); ++i) {
    if (buffer.is_null(i)) continue;
    if (__builtin_mul_overflow((*values)[i], scale, &ns[i])) {
      throw DataError(fmt::format("{}: row {}, column {}: value {}: timestamp out of the ns range", path.string(),
                                  i + 1, info.name, (*values)[i]));
    }
  }
  return ns;
}

// Why a column cannot hold prices (or volume), and what to cast it to.
[[noreturn]] void RefuseNumberColumn(const ColumnBuffer& buffer, const std::filesystem::path& path,
                                     std::string_view role, bool volume) {
  const parquet::ColumnInfo& info = buffer.info;
  const std::string accepted = volume ? "DOUBLE, FLOAT, DECIMAL or an integer" : "DOUBLE, FLOAT or DECIMAL";
  std::string advice;
  const bool time_like = info.physical_type == PhysicalType::kInt96 || info.logical == parquet::LogicalKind::kDate ||
                         info.logical == parquet::LogicalKind::kTimestamp || info.logical_name == "TIME" ||
                         info.logical_name == "TIME_MILLIS" || info.logical_name == "TIME_MICROS" ||
                         info.logical_name == "INTERVAL";
  if (time_like) {
    advice = fmt::format("a time, not a number: does columns.{} name the right column?", role);
  } else if (info.logical_name == "FLOAT16") {
    advice = "half precision: widen it to FLOAT or DOUBLE when writing the file";
  } else if (info.physical_type == PhysicalType::kInt32 || info.physical_type == PhysicalType::kInt64) {
    advice = "integer prices are not read (cents? ticks?): write them as DOUBLE in the price's unit, or as DECIMAL "
             "with the scale of that unit";
  } else {
    advice = fmt::format("cast it to DOUBLE when writing the file (DuckDB: CAST(\"{0}\" AS DOUBLE); pyarrow: "
                         "table.set_column(i, \"{0}\", table[\"{0}\"].cast(pa.float64())))",
                         info.name);
  }
  throw DataError(fmt::format("{}: column '{}' (columns.{}) is {}; {} must be {}: {}", path.string(), info.name, role,
                              parquet::TypeName(info), volume ? "volume" : "prices", accepted, advice));
}

std::vector<double> Numbers(ColumnBuffer& buffer, const std::filesystem::path& path, std::string_view role,
                            bool volume) {
  const parquet::LogicalKind logical = buffer.info.logical;
  if (logical == parquet::LogicalKind::kDecimal) {
    try {
      return parquet::DecimalsAsDoubles(buffer);
    } catch (const ParquetError& e) {
      throw DataError(fmt::format("{}: {}", path.string(), e.what()));
    }
  }
  const bool plain_integer = logical == parquet::LogicalKind::kNone || logical == parquet::LogicalKind::kInteger;
  switch (buffer.info.physical_type) {
    case PhysicalType::kDouble:
      if (logical == parquet::LogicalKind::kNone) return std::move(buffer.doubles);
      break;
    case PhysicalType::kFloat:
      if (logical == parquet::LogicalKind::kNone) return {buffer.floats.begin(), buffer.floats.end()};
      break;
    // Unsigned integers (UINT_32, UINT_64, INT(n, false)) are stored in the
    // signed physical type: values above its maximum read as negative
    // unless reinterpreted.
    case PhysicalType::kInt64:
      if (volume && plain_integer) {
        const bool is_unsigned = logical == parquet::LogicalKind::kInteger && !buffer.info.is_signed;
        std::vector<double> out(buffer.int64s.size());
        for (size_t i = 0; i < out.size(); ++i) {
          out[i] = is_unsigned ? static_cast<double>(static_cast<uint64_t>(buffer.int64s[i]))
                               : static_cast<double>(buffer.int64s[i]);
        }
        return out;
      }
      break;
    case PhysicalType::kInt32:
      if (volume && plain_integer) {
        const bool is_unsigned = logical == parquet::LogicalKind::kInteger && !buffer.info.is_signed;
        std::vector<double> out(buffer.int32s.size());
        for (size_t i = 0; i < out.size(); ++i) {
          out[i] = is_unsigned ? static_cast<double>(static_cast<uint32_t>(buffer.int32s[i]))
                               : static_cast<double>(buffer.int32s[i]);
        }
        return out;
      }
      break;
    default:
      break;
  }
  RefuseNumberColumn(buffer, path, role, volume);
}

}  // namespace

bool IsCsvPath(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension == ".csv" || extension == ".tsv" || extension == ".txt";
}

BarSeries LoadBars(const std::filesystem::path& path, const std::string& ticker, const Config& config) {
  const io::FileKind kind = io::KindOf(path);
  if (kind == io::FileKind::kMissing) {
    throw NotFoundError(fmt::format("{}: raw data file of ticker {} not found", path.string(), ticker));
  }
  if (kind != io::FileKind::kRegular) {
    throw DataError(fmt::format("{}: raw data file of ticker {} is {}, not a file", path.string(), ticker,
                                io::KindName(kind)));
  }
  if (IsCsvPath(path)) {
    CsvOptions options;
    options.delimiter = path.extension() == ".tsv" && config.csv_delimiter == ',' ? '\t' : config.csv_delimiter;
    options.epoch_unit = config.timestamp_unit;
    return LoadCsvBars(path, ticker, config, options);
  }
  if (!config.csv_header) {
    throw DataError(fmt::format("{}: csv_header: false describes CSV files without a header row, but this raw file is "
                                "Parquet (its columns have names: remove csv_header, or name CSV files .csv)",
                                path.string()));
  }
  const parquet::ParquetReader reader(path);
  const ColumnNames& names = config.columns;
  BarSeries bars;
  bars.ticker = ticker;
  bars.source = path;
  BarNulls nulls;
  const std::vector<size_t> at =
      MatchColumns(reader, path, {names.timestamp, names.open, names.high, names.low, names.close, names.volume});
  ColumnBuffer timestamp = ReadFlatColumn(reader, path, at[0]);
  bars.timestamp_ns = TimestampsNs(timestamp, path, config.timestamp_unit);
  nulls.timestamp = NullFlags(timestamp);
  struct NumberColumn {
    std::string_view role;  // the key under `columns`
    std::vector<double>& values;
    std::vector<uint8_t>& nulls;
  };
  const NumberColumn numbers[] = {
      {"open", bars.open, nulls.open},     {"high", bars.high, nulls.high},       {"low", bars.low, nulls.low},
      {"close", bars.close, nulls.close},  {"volume", bars.volume, nulls.volume},
  };
  for (size_t c = 0; c < std::size(numbers); ++c) {
    const NumberColumn& column = numbers[c];
    ColumnBuffer buffer = ReadFlatColumn(reader, path, at[c + 1]);
    column.nulls = NullFlags(buffer);
    column.values = Numbers(buffer, path, column.role, column.role == "volume");
  }
  // Messages name the file's own columns (which may differ in case).
  const auto file_name = [&](size_t c) { return reader.columns()[at[c]].name; };
  const ColumnNames file_names{file_name(0), file_name(1), file_name(2), file_name(3), file_name(4), file_name(5)};
  ValidateBars(bars, file_names, config.on_bad_bar, nulls);
  CheckSeriesLength(bars, config.window, config.horizon, config.on_short_series == OnShortSeries::kSkip);
  return bars;
}

}  // namespace barforge
