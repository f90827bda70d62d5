#include "config/config_keys.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "barforge/error.h"
#include "config/iso8601.h"
#include "parquet/codec.h"
#include "text/suggest.h"

namespace barforge {

namespace {

std::string Scalar(const YAML::Node& value, std::string_view what) {
  if (!value.IsScalar()) throw ConfigError(fmt::format("expected {}, got a list or map", what));
  return value.Scalar();
}

int64_t ParseInt(const YAML::Node& value, int64_t min, int64_t max) {
  const std::string text = Scalar(value, "an integer");
  int64_t parsed = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, parsed);
  if (ec == std::errc::result_out_of_range) throw ConfigError(fmt::format("integer '{}' is out of range", text));
  if (ec != std::errc() || ptr != end) throw ConfigError(fmt::format("expected an integer, got '{}'", text));
  if (parsed < min || parsed > max) {
    if (max == std::numeric_limits<int64_t>::max() || max == std::numeric_limits<int>::max()) {
      throw ConfigError(fmt::format("must be >= {}, got {}", min, parsed));
    }
    throw ConfigError(fmt::format("must be in [{}, {}], got {}", min, max, parsed));
  }
  return parsed;
}

int ParseInt32(const YAML::Node& value, int64_t min) {
  return static_cast<int>(ParseInt(value, min, std::numeric_limits<int>::max()));
}

uint64_t ParseUint64(const YAML::Node& value) {
  const std::string text = Scalar(value, "an integer");
  uint64_t parsed = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, parsed);
  if (ec != std::errc() || ptr != end) {
    throw ConfigError(fmt::format("expected an integer in [0, 2^64), got '{}'", text));
  }
  return parsed;
}

double ParseFiniteDouble(const YAML::Node& value) {
  const std::string text = Scalar(value, "a number");
  double parsed = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, parsed);
  if (ec != std::errc() || ptr != end) throw ConfigError(fmt::format("expected a number, got '{}'", text));
  if (!std::isfinite(parsed)) throw ConfigError(fmt::format("must be finite, got '{}'", text));
  return parsed;
}

std::string ParseNonEmpty(const YAML::Node& value) {
  std::string text = Scalar(value, "a string");
  if (text.empty()) throw ConfigError("must not be empty");
  return text;
}

// A file name must not escape data_dir nor hold characters shells and
// file systems treat specially.
std::string ParseFileName(const YAML::Node& value) {
  std::string text = ParseNonEmpty(value);
  if (text == "." || text == "..") throw ConfigError(fmt::format("'{}' is a folder, not a file name", text));
  if (text.find('/') != std::string::npos || text.find('\\') != std::string::npos || text.find('\0') != std::string::npos) {
    throw ConfigError(fmt::format("'{}' must be a file name, without '/' or '\\'", text));
  }
  return text;
}

bool IsSafeTickerChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

std::vector<std::string> ParseTickers(const YAML::Node& value) {
  std::vector<std::string> tickers;
  if (value.IsScalar()) {
    tickers.push_back(value.Scalar());
  } else if (value.IsSequence()) {
    for (const YAML::Node& item : value) tickers.push_back(Scalar(item, "a ticker name"));
  } else {
    throw ConfigError("expected a list of ticker names");
  }
  if (tickers.empty()) throw ConfigError("must name at least one ticker");
  std::set<std::string> seen;
  for (const std::string& ticker : tickers) {
    if (ticker.empty() || ticker.front() == '.') {
      throw ConfigError(fmt::format("ticker '{}' is not a safe file name part (empty or starts with '.')", ticker));
    }
    for (char c : ticker) {
      if (!IsSafeTickerChar(c)) {
        throw ConfigError(fmt::format("ticker '{}' has a character unsafe in a file name (allowed: A-Z a-z 0-9 _ - .)",
                                      ticker));
      }
    }
    if (!seen.insert(ticker).second) throw ConfigError(fmt::format("ticker '{}' is listed twice", ticker));
  }
  return tickers;
}

// Double-quoted YAML: every string round-trips whatever its characters.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string FormatDouble(double value) {
  std::string text = fmt::format("{}", value);  // shortest text that reads back to the same double
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

// The one home of each enum key's names: parsing, the value's text and the
// docs' list of choices all read these tables.
template <typename Enum>
struct EnumName {
  std::string_view name;
  Enum value;
};

constexpr EnumName<DataSource> kSourceNames[] = {{"synthetic", DataSource::kSynthetic}, {"files", DataSource::kFiles}};
constexpr EnumName<OnBadBar> kOnBadBarNames[] = {{"error", OnBadBar::kError}, {"drop", OnBadBar::kDrop}};
constexpr EnumName<OnShortSeries> kOnShortSeriesNames[] = {{"error", OnShortSeries::kError},
                                                           {"skip", OnShortSeries::kSkip}};
constexpr EnumName<EpochUnit> kEpochUnitNames[] = {{"auto", EpochUnit::kAuto},
                                                   {"s", EpochUnit::kSeconds},
                                                   {"ms", EpochUnit::kMillis},
                                                   {"us", EpochUnit::kMicros},
                                                   {"ns", EpochUnit::kNanos}};
constexpr EnumName<parquet::FloatEncoding> kFloatEncodingNames[] = {
    {"plain", parquet::FloatEncoding::kPlain}, {"byte_stream_split", parquet::FloatEncoding::kByteStreamSplit}};

template <typename Enum, size_t N>
std::string_view NameOf(const EnumName<Enum> (&names)[N], Enum value) {
  for (const EnumName<Enum>& entry : names) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

// "a | b | c", for the docs and the refusal of another name.
template <typename Enum, size_t N>
std::string_view ChoicesOf(const EnumName<Enum> (&names)[N]) {
  static const std::string text = [&names] {
    std::string out;
    for (const EnumName<Enum>& entry : names) out += (out.empty() ? "" : " | ") + std::string(entry.name);
    return out;
  }();
  return text;
}

std::string DelimiterName(char delimiter) { return delimiter == '\t' ? "tab" : Quote(std::string(1, delimiter)); }

std::string ParseChoice(const YAML::Node& value, std::initializer_list<std::string_view> choices) {
  const std::string text = Scalar(value, "a name");
  for (std::string_view choice : choices) {
    if (text == choice) return text;
  }
  std::string list;
  for (std::string_view choice : choices) list += (list.empty() ? "" : " | ") + std::string(choice);
  throw ConfigError(fmt::format("must be one of {}, got '{}'", list, text));
}

template <typename Enum, size_t N>
Enum ParseEnum(const YAML::Node& value, const EnumName<Enum> (&names)[N]) {
  const std::string text = Scalar(value, "a name");
  for (const EnumName<Enum>& entry : names) {
    if (text == entry.name) return entry.value;
  }
  throw ConfigError(fmt::format("must be one of {}, got '{}'", ChoicesOf(names), text));
}

parquet::Codec ParseCodec(const YAML::Node& value) {
  const std::string text = Scalar(value, "a codec name");
  const std::optional<parquet::Codec> codec = parquet::CodecFromName(text);
  if (!codec) throw ConfigError(fmt::format("must be one of {}, got '{}'", parquet::WritableCodecNames(" | "), text));
  return *codec;
}

// `splits`: a list of {name, end, n_samples} maps (docs/configuration.md).
std::vector<SplitConfig> ParseSplits(const YAML::Node& value) {
  if (!value.IsSequence()) throw ConfigError("expected a list of splits ({name, end, n_samples})");
  std::vector<SplitConfig> splits;
  std::set<std::string> names;
  for (size_t s = 0; s < value.size(); ++s) {
    const YAML::Node item = value[s];
    if (!item.IsMap()) throw ConfigError(fmt::format("split {}: expected a map with name, end, n_samples", s + 1));
    SplitConfig split;
    const YAML::Node name = item["name"];
    if (!name) throw ConfigError(fmt::format("split {}: has no name", s + 1));
    split.name = Scalar(name, "a split name");
    if (split.name.empty() || split.name.front() == '.' ||
        !std::all_of(split.name.begin(), split.name.end(), IsSafeTickerChar)) {
      throw ConfigError(fmt::format("split '{}': the name must be a safe file name part (A-Z a-z 0-9 _ - ., not "
                                    "starting with '.')",
                                    split.name));
    }
    if (!names.insert(split.name).second) throw ConfigError(fmt::format("split '{}' is listed twice", split.name));
    for (const auto& entry : item) {
      const std::string key = entry.first.as<std::string>();
      if (key != "name" && key != "end" && key != "n_samples") {
        throw ConfigError(fmt::format("split '{}': unknown key '{}' (known: name, end, n_samples)", split.name, key));
      }
    }
    if (const YAML::Node end = item["end"]; end && !end.IsNull()) {
      split.end = Scalar(end, "an end (an ISO-8601 instant or a fraction)");
      double fraction = 0;
      const char* last = split.end.data() + split.end.size();
      const auto [ptr, ec] = std::from_chars(split.end.data(), last, fraction);
      if (ec == std::errc() && ptr == last) {
        if (!(fraction > 0 && fraction < 1)) {
          throw ConfigError(fmt::format("split '{}': end {} is a fraction outside (0, 1)", split.name, split.end));
        }
        split.end_fraction = fraction;
      } else if (const auto ns = ParseConfigInstant(split.end)) {
        split.end_ns = *ns;
      } else {
        throw ConfigError(fmt::format("split '{}': end '{}' is neither an ISO-8601 date or date-time nor a fraction "
                                      "in (0, 1)",
                                      split.name, split.end));
      }
    }
    if (const YAML::Node n = item["n_samples"]; n && !n.IsNull()) {
      if (n.IsScalar() && n.Scalar() == "all") {
        split.all = true;
      } else {
        try {
          split.n_samples = ParseInt(n, 1, std::numeric_limits<int64_t>::max());
        } catch (const ConfigError& e) {
          throw ConfigError(fmt::format("split '{}': n_samples: {} (or all)", split.name, e.what()));
        }
      }
    }
    splits.push_back(std::move(split));
  }
  for (size_t s = 0; s < splits.size(); ++s) {
    const bool last = s + 1 == splits.size();
    const bool has_end = splits[s].end_ns || splits[s].end_fraction;
    if (!last && !has_end) throw ConfigError(fmt::format("split '{}': has no end (only the last split has none)", splits[s].name));
    if (last && has_end) {
      throw ConfigError(fmt::format("split '{}': the last split has no end (it runs to the end of the data)",
                                    splits[s].name));
    }
    // Ends of the same kind are compared here; an instant against a
    // fraction once the data's time range is known.
    for (size_t p = 0; p < s && !last; ++p) {
      const bool same_kind_not_after = (splits[p].end_ns && splits[s].end_ns && *splits[s].end_ns <= *splits[p].end_ns) ||
                                       (splits[p].end_fraction && splits[s].end_fraction &&
                                        *splits[s].end_fraction <= *splits[p].end_fraction);
      if (same_kind_not_after) {
        throw ConfigError(fmt::format("split '{}': end {} is not after the end of split '{}' ({}); ends must increase",
                                      splits[s].name, splits[s].end, splits[p].name, splits[p].end));
      }
    }
  }
  return splits;
}

std::string SplitsToYaml(const std::vector<SplitConfig>& splits) {
  std::string out = "[";
  for (size_t s = 0; s < splits.size(); ++s) {
    const SplitConfig& split = splits[s];
    out += (s ? ", " : "") + fmt::format("{{name: {}", Quote(split.name));
    if (!split.end.empty()) out += ", end: " + (split.end_fraction ? split.end : Quote(split.end));
    if (split.all) out += ", n_samples: all";
    if (split.n_samples > 0) out += fmt::format(", n_samples: {}", split.n_samples);
    out += "}";
  }
  return out + "]";
}

// "0" (off) or a positive integer followed by s, m, h or d.
int64_t ParseDuration(const std::string& text) {
  if (text == "0") return 0;
  const std::string bad = fmt::format("expected 0 or a duration such as 90s, 5m, 2h or 4d, got '{}'", text);
  if (text.size() < 2) throw ConfigError(bad);
  int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: throw ConfigError(bad);
  }
  int64_t count = 0;
  const char* last = text.data() + text.size() - 1;
  const auto [ptr, ec] = std::from_chars(text.data(), last, count);
  int64_t ns = 0;
  if (ec != std::errc() || ptr != last || count <= 0 || __builtin_mul_overflow(count, unit * 1000000000LL, &ns)) {
    throw ConfigError(bad);
  }
  return ns;
}

std::vector<int> ParseHorizons(const YAML::Node& value) {
  if (!value.IsSequence()) throw ConfigError("expected a list of horizons, e.g. [1, 4]");
  std::vector<int> horizons;
  for (const YAML::Node& item : value) {
    // 1 <= h <= horizon is checked across keys.
    const int h = static_cast<int>(ParseInt(item, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    if (std::find(horizons.begin(), horizons.end(), h) != horizons.end()) {
      throw ConfigError(fmt::format("horizon {} is listed twice", h));
    }
    horizons.push_back(h);
  }
  return horizons;
}

std::optional<TripleBarrierConfig> ParseTripleBarrier(const YAML::Node& value) {
  if (value.IsNull() || (value.IsScalar() && (value.Scalar() == "null" || value.Scalar() == "~"))) {
    return std::nullopt;
  }
  if (!value.IsMap()) throw ConfigError("expected null or a map {profit: p, stop: q}");
  static const std::vector<std::string> kKeys = {"profit", "stop"};
  std::set<std::string> seen;
  for (const auto& entry : value) {
    const std::string key = entry.first.as<std::string>();
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      const std::string suggestion = text::DidYouMean(key, kKeys);
      throw ConfigError(fmt::format("unknown key '{}'{}", key, suggestion.empty() ? " (known: profit, stop)" : suggestion));
    }
    if (!seen.insert(key).second) throw ConfigError(fmt::format("'{}' is set twice; keep one", key));
  }
  TripleBarrierConfig barrier;
  for (const std::string& key : kKeys) {
    const YAML::Node node = value[key];
    if (!node) throw ConfigError(fmt::format("'{}' is missing: give both profit and stop", key));
    double x = 0;
    try {
      x = ParseFiniteDouble(node);
    } catch (const ConfigError& e) {
      throw ConfigError(fmt::format("{}: {}", key, e.what()));
    }
    if (!(x > 0) || x > kMaxBarrierWidth) {
      throw ConfigError(fmt::format("{} must be in (0, {}], got {}", key, kMaxBarrierWidth, node.Scalar()));
    }
    (key == "profit" ? barrier.profit : barrier.stop) = x;
  }
  return barrier;
}

// A '|' inside a Markdown table cell must be escaped.
std::string EscapePipes(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string_view EpochUnitName(EpochUnit unit) { return NameOf(kEpochUnitNames, unit); }

const std::vector<ConfigKey>& ConfigKeys() {
  static const std::string codec_names = parquet::WritableCodecNames(" | ");
  static const std::vector<ConfigKey> keys = {
      {"data_dir", "path", "folder of raw files, the dataset and the scaler", "non-empty",
       [](Config& c, const YAML::Node& v) { c.data_dir = ParseNonEmpty(v); },
       [](const Config& c) { return Quote(c.data_dir.string()); }},
      {"raw_data_filename", "string", "raw file of each ticker ({ticker} is replaced): Parquet, or CSV when it ends in .csv, .tsv or .txt",
       "a file name containing {ticker}",
       [](Config& c, const YAML::Node& v) {
         std::string name = ParseFileName(v);
         if (name.find("{ticker}") == std::string::npos) {
           throw ConfigError(fmt::format("'{}' must contain {{ticker}}", name));
         }
         c.raw_data_filename = std::move(name);
       },
       [](const Config& c) { return Quote(c.raw_data_filename); }},
      {"samples_filename", "string", "the dataset ({n}: 1M, 40M, 250K or the exact count)", "a file name",
       [](Config& c, const YAML::Node& v) { c.samples_filename = ParseFileName(v); },
       [](const Config& c) { return Quote(c.samples_filename); }},
      {"scaler_filename", "string", "the meta scaler JSON ({n} as in samples_filename)", "a file name",
       [](Config& c, const YAML::Node& v) { c.scaler_filename = ParseFileName(v); },
       [](const Config& c) { return Quote(c.scaler_filename); }},
      {"tickers", "list of strings", "which raw files to use", "non-empty, distinct, characters A-Z a-z 0-9 _ - .",
       [](Config& c, const YAML::Node& v) { c.tickers = ParseTickers(v); },
       [](const Config& c) {
         std::string out = "[";
         for (size_t i = 0; i < c.tickers.size(); ++i) out += (i ? ", " : "") + Quote(c.tickers[i]);
         return out + "]";
       }},
      {"source", "string", "synthetic: create missing raw files; files: they must exist", ChoicesOf(kSourceNames),
       [](Config& c, const YAML::Node& v) { c.source = ParseEnum(v, kSourceNames); },
       [](const Config& c) { return std::string(NameOf(kSourceNames, c.source)); }},
      {"synthetic.n_bars", "integer", "bars per synthetic ticker", "in [1, 10^9] (a bar takes about 80 bytes of memory)",
       [](Config& c, const YAML::Node& v) { c.synthetic.n_bars = ParseInt(v, 1, kMaxBars); },
       [](const Config& c) { return std::to_string(c.synthetic.n_bars); }},
      {"synthetic.bar_seconds", "integer", "seconds between synthetic bars", "in [1, 10^9]",
       [](Config& c, const YAML::Node& v) { c.synthetic.bar_seconds = ParseInt(v, 1, 1000000000); },
       [](const Config& c) { return std::to_string(c.synthetic.bar_seconds); }},
      {"synthetic.start", "string", "timestamp of the first synthetic bar",
       "ISO-8601 date or date-time; every generated bar from 1677-09-21T00:12:43.145224192Z to "
       "2262-04-11T23:47:16.854775807Z (int64 nanoseconds)",
       [](Config& c, const YAML::Node& v) {
         std::string text = Scalar(v, "an ISO-8601 date-time");
         const auto wide = ParseConfigInstantWide(text);
         if (!wide) throw ConfigError(fmt::format("'{}' is not an ISO-8601 date or date-time", text));
         const auto ns = ParseConfigInstant(text);
         if (!ns) {
           throw ConfigError(fmt::format("'{}' is outside the timestamps a dataset can hold ({} to {})", text,
                                         kFirstInstant, kLastInstant));
         }
         c.synthetic.start = std::move(text);
         c.synthetic.start_ns = *ns;
       },
       [](const Config& c) { return Quote(c.synthetic.start); }},
      {"synthetic.seed", "integer",
       "seed of the synthetic market (its bars); `seed` draws the samples, so a new draw over the same market "
       "changes only `seed`",
       "in [0, 2^64)",
       [](Config& c, const YAML::Node& v) { c.synthetic.seed = ParseUint64(v); },
       [](const Config& c) { return std::to_string(c.synthetic.seed); }},
      {"columns.timestamp", "string", "name of the timestamp column in raw files", "non-empty",
       [](Config& c, const YAML::Node& v) { c.columns.timestamp = ParseNonEmpty(v); },
       [](const Config& c) { return Quote(c.columns.timestamp); }},
      {"columns.open", "string", "name of the open column", "non-empty",
       [](Config& c, const YAML::Node& v) { c.columns.open = ParseNonEmpty(v); },
       [](const Config& c) { return Quote(c.columns.open); }},
      {"columns.high", "string", "name of the high column", "non-empty",
       [](Config& c, const YAML::Node& v) { c.columns.high = ParseNonEmpty(v); },
       [](const Config& c) { return Quote(c.columns.high); }},
      {"columns.low", "string", "name of the low column", "non-empty",
       [](Config& c, const YAML::Node& v) { c.columns.low = ParseNonEmpty(v); },
       [](const Config& c) { return Quote(c.columns.low); }},
      {"columns.close", "string", "name of the close column", "non-empty",
       [](Config& c, const YAML::Node& v) { c.columns.close = ParseNonEmpty(v); },
       [](const Config& c) { return Quote(c.columns.close); }},
      {"columns.volume", "string", "name of the volume column", "non-empty",
       [](Config& c, const YAML::Node& v) { c.columns.volume = ParseNonEmpty(v); },
       [](const Config& c) { return Quote(c.columns.volume); }},
      {"on_bad_bar", "string", "what an invalid raw bar does: stop the run, or be dropped and counted",
       ChoicesOf(kOnBadBarNames), [](Config& c, const YAML::Node& v) { c.on_bad_bar = ParseEnum(v, kOnBadBarNames); },
       [](const Config& c) { return std::string(NameOf(kOnBadBarNames, c.on_bad_bar)); }},
      {"on_short_series", "string",
       "a ticker with fewer than window + horizon bars (after drops): stop the run, or leave it out and report it",
       ChoicesOf(kOnShortSeriesNames),
       [](Config& c, const YAML::Node& v) { c.on_short_series = ParseEnum(v, kOnShortSeriesNames); },
       [](const Config& c) { return std::string(NameOf(kOnShortSeriesNames, c.on_short_series)); }},
      {"csv_delimiter", "string", "field delimiter of CSV raw files", "one character, or tab",
       [](Config& c, const YAML::Node& v) {
         const std::string text = Scalar(v, "a delimiter");
         if (text == "tab" || text == "\t") {
           c.csv_delimiter = '\t';
         } else if (text.size() == 1 && text != "\"" && text != "\n" && text != "\r") {
           c.csv_delimiter = text[0];
         } else {
           throw ConfigError(fmt::format("must be one character (not a quote or line end) or tab, got '{}'", text));
         }
       },
       [](const Config& c) { return DelimiterName(c.csv_delimiter); }},
      {"csv_header", "boolean",
       "whether CSV raw files start with a header row; false (headerless exports such as exchange kline dumps): "
       "each columns.* is a field position, 0 = the first field, and a column left at its name takes its usual "
       "place (timestamp 0, open 1, high 2, low 3, close 4, volume 5)",
       "true | false",
       [](Config& c, const YAML::Node& v) { c.csv_header = ParseChoice(v, {"true", "false"}) == "true"; },
       [](const Config& c) { return std::string(c.csv_header ? "true" : "false"); }},
      {"timestamp_unit", "string",
       "unit of integer timestamps in raw files (CSV epoch numbers, Parquet INT64 without a timestamp type); auto: "
       "from the first value's magnitude",
       ChoicesOf(kEpochUnitNames),
       [](Config& c, const YAML::Node& v) { c.timestamp_unit = ParseEnum(v, kEpochUnitNames); },
       [](const Config& c) { return std::string(NameOf(kEpochUnitNames, c.timestamp_unit)); }},
      {"window", "integer", "W: bars per sample", ">= 2",
       [](Config& c, const YAML::Node& v) { c.window = ParseInt32(v, 2); },
       [](const Config& c) { return std::to_string(c.window); }},
      {"horizon", "integer", "H: bars ahead for rewards", ">= 1",
       [](Config& c, const YAML::Node& v) { c.horizon = ParseInt32(v, 1); },
       [](const Config& c) { return std::to_string(c.horizon); }},
      {"fee_bps", "number", "cost of one unit of position change, basis points", "in [0, 10000] (at most 100%)",
       [](Config& c, const YAML::Node& v) {
         const double fee = ParseFiniteDouble(v);
         // Above 100% of the position a reward means nothing, and near
         // 1e38 it is no longer a finite float32.
         if (fee < 0 || fee > kMaxFeeBps) throw ConfigError(fmt::format("must be in [0, 10000], got {}", fee));
         c.fee_bps = fee;
       },
       [](const Config& c) { return FormatDouble(c.fee_bps); }},
      {"n_samples", "integer", "N: samples in the dataset",
       "in [1, 10^10] (10^10 samples at W=64 are 13 TB of float32 features; the build also checks free disk space)",
       [](Config& c, const YAML::Node& v) { c.n_samples = ParseInt(v, 1, kMaxSamples); },
       [](const Config& c) { return std::to_string(c.n_samples); }},
      {"seed", "integer", "seed of sampling: which (ticker, end bar, position) each sample is (the market has synthetic.seed)", "in [0, 2^64)",
       [](Config& c, const YAML::Node& v) { c.seed = ParseUint64(v); },
       [](const Config& c) { return std::to_string(c.seed); }},
      {"n_jobs", "integer", "worker threads; -1: all cores",
       "-1 or in [1, 1024]; a build uses at most 4 threads per core (more is lowered, with a note)",
       [](Config& c, const YAML::Node& v) {
         const int64_t jobs = ParseInt(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
         if (jobs != -1 && (jobs < 1 || jobs > kMaxJobs)) {
           throw ConfigError(fmt::format("must be -1 or in [1, {}], got {}", kMaxJobs, jobs));
         }
         c.n_jobs = static_cast<int>(jobs);
       },
       [](const Config& c) { return std::to_string(c.n_jobs); }},
      {"parquet_compression", "string", "codec of the dataset's pages", codec_names,
       [](Config& c, const YAML::Node& v) { c.parquet_compression = ParseCodec(v); },
       [](const Config& c) { return std::string(parquet::CodecName(c.parquet_compression)); }},
      {"compression_level", "integer", "level, where the codec has levels", "zstd: 1..22 or negative; gzip: 1..9",
       [](Config& c, const YAML::Node& v) {
         c.compression_level = static_cast<int>(
             ParseInt(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
       },
       [](const Config& c) { return std::to_string(c.compression_level); }},
      {"chunk_rows", "integer", "rows per Parquet row group",
       "in [1, 2^24]; at most 4096 row groups (n_samples / chunk_rows): each holds about 10 KB of footer in memory",
       [](Config& c, const YAML::Node& v) { c.chunk_rows = ParseInt(v, 1, kMaxChunkRows); },
       [](const Config& c) { return std::to_string(c.chunk_rows); }},
      {"float_encoding", "string", "encoding of float32 values in the dataset", ChoicesOf(kFloatEncodingNames),
       [](Config& c, const YAML::Node& v) { c.float_encoding = ParseEnum(v, kFloatEncodingNames); },
       [](const Config& c) { return std::string(NameOf(kFloatEncodingNames, c.float_encoding)); }},
      {"splits", "list of maps",
       "time splits, one file each: {name, end, n_samples}; end: an ISO-8601 instant or a fraction in (0, 1) of the "
       "data's time range, none for the last split; n_samples: a count (drawn with replacement) or all (every valid "
       "window once); without it the first split takes the n_samples key and every later split all",
       "names distinct, ends increasing",
       [](Config& c, const YAML::Node& v) { c.splits = ParseSplits(v); },
       [](const Config& c) { return SplitsToYaml(c.splits); }},
      {"embargo_bars", "integer", "bars skipped at the start of every split but the first", ">= 0",
       [](Config& c, const YAML::Node& v) { c.embargo_bars = ParseInt(v, 0, std::numeric_limits<int32_t>::max()); },
       [](const Config& c) { return std::to_string(c.embargo_bars); }},
      {"max_gap", "duration", "longest time between two consecutive bars of a sample; 0: off", "0 or 90s, 5m, 2h, 4d",
       [](Config& c, const YAML::Node& v) {
         const std::string text = Scalar(v, "a duration");
         c.max_gap_ns = ParseDuration(text);
         c.max_gap = text;
       },
       [](const Config& c) { return c.max_gap == "0" ? std::string("0") : Quote(c.max_gap); }},
      {"extra_horizons", "list of integers", "adds fwd_return_{h} = ln(C_{e+h} / C_e) per h",
       "distinct, each in 1..horizon",
       [](Config& c, const YAML::Node& v) { c.extra_horizons = ParseHorizons(v); },
       [](const Config& c) {
         std::string out = "[";
         for (size_t i = 0; i < c.extra_horizons.size(); ++i) out += (i ? ", " : "") + std::to_string(c.extra_horizons[i]);
         return out + "]";
       }},
      {"triple_barrier", "map", "adds tb_label, tb_bars, tb_return: which the closes reach first, a profit barrier, "
       "a stop barrier (profit / stop times the raw volatility times sqrt(horizon), in log return) or the horizon; "
       "null: off",
       "null or {profit: p, stop: q}, p and q in (0, 1000]; needs horizon <= 32767",
       [](Config& c, const YAML::Node& v) { c.triple_barrier = ParseTripleBarrier(v); },
       [](const Config& c) {
         return c.triple_barrier ? fmt::format("{{profit: {}, stop: {}}}", FormatDouble(c.triple_barrier->profit),
                                               FormatDouble(c.triple_barrier->stop))
                                 : std::string("null");
       }},
      {"storage", "string",
       "what build writes: windows, the samples file (every window, readable by any Parquet reader); bars, the "
       "validated bars once, each row computed when it is read (docs/dataset.md, Storage)",
       "windows | bars; bars: the file's name gets .bars before its extension",
       [](Config& c, const YAML::Node& v) {
         c.storage = ParseChoice(v, {"windows", "bars"}) == "windows" ? Storage::kWindows : Storage::kBars;
       },
       [](const Config& c) { return std::string(c.storage == Storage::kWindows ? "windows" : "bars"); }},
      {"cross_section", "boolean",
       "true: a sample is an end timestamp t with every ticker's window ending there (ohlc of shape [tickers, "
       "window, 4], ... and present per ticker); t drawn from the timestamps where at least min_present tickers "
       "have a valid end bar (docs/dataset.md, Cross-sections)",
       "true | false; with either storage",
       [](Config& c, const YAML::Node& v) { c.cross_section = ParseChoice(v, {"true", "false"}) == "true"; },
       [](const Config& c) { return std::string(c.cross_section ? "true" : "false"); }},
      {"min_present", "integer", "cross_section: the fewest tickers present at a timestamp for it to be sampled",
       "in [1, the number of tickers]; above 1 needs cross_section: true",
       [](Config& c, const YAML::Node& v) { c.min_present = ParseInt(v, 1, std::numeric_limits<int32_t>::max()); },
       [](const Config& c) { return std::to_string(c.min_present); }},
  };
  return keys;
}

std::string ConfigReferenceMarkdown() {
  const Config defaults;
  std::string out =
      "# Configuration reference\n\n"
      "Generated from the key table in `src/config/config_keys.cpp`; the test\n"
      "`ConfigTest.ReferenceDocMatchesTheTable` fails when this file and the\n"
      "table differ (run it with `BARFORGE_REGENERATE=1` to rewrite this file\n"
      "and `config/default.yaml`).\n\n"
      "Keys are set in a YAML file (`--config`, default `config/default.yaml`)\n"
      "and overridden with `--set key=value`, applied in order, values in YAML\n"
      "syntax, nested keys dotted (`--set synthetic.n_bars=1000`,\n"
      "`--set 'tickers=[A, B]'`, `--set columns.open=Open`; quote a value with\n"
      "spaces or brackets, or the shell splits it). For a string key an\n"
      "override value that is not a YAML scalar (`{ticker}.csv`) is taken as\n"
      "written. Unknown keys (with the nearest known key suggested), keys set\n"
      "twice in one file, ill-typed and out-of-range values are errors naming\n"
      "the key (and the file and lines, or the override as written). A config\n"
      "file with no keys (empty, or comments only) is an error, not a build of\n"
      "every default. `build --samples`, `--seed` and `--jobs` are short for\n"
      "`--set n_samples=`, `seed=` and `n_jobs=`; giving one with a `--set` of\n"
      "its key is an error.\n\n"
      "| key | type | default | description | accepted values |\n"
      "|---|---|---|---|---|\n";
  for (const ConfigKey& key : ConfigKeys()) {
    out += fmt::format("| `{}` | {} | `{}` | {} | {} |\n", key.name, key.type, key.get(defaults),
                       EscapePipes(key.description), EscapePipes(key.validation));
  }
  out +=
      "\nAlso checked across keys: `compression_level` must be valid for\n"
      "`parquet_compression` (it is ignored by snappy, lz4 and none); the\n"
      "dataset (with `splits`, every split's file), the scaler and the raw\n"
      "files of all tickers must have different names (a split file whose\n"
      "`{n}` the data decides is checked once the data is read); `{split}` in\n"
      "`samples_filename` or `scaler_filename` needs `splits`; the synthetic\n"
      "bars must end by 2262-04-11T23:47:16.854775807Z; and n_samples /\n"
      "chunk_rows must not exceed 4096 row groups.\n\n"
      "With `splits`, `{split}` in `samples_filename` is each split's name (a\n"
      "name without it gets `_{split}` before its extension) and `{n}` that\n"
      "split's count; the build has one scaler, fitted on the first split, so\n"
      "`{split}` in `scaler_filename` is the first split's name and `{n}` there\n"
      "stays the `n_samples` key's value.\n";
  return out;
}

}  // namespace barforge
