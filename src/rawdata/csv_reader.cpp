#include "rawdata/csv_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "barforge/error.h"
#include "io/file_kind.h"
#include "io/message_text.h"

namespace barforge {

namespace {

constexpr int64_t kMissingTimestamp = std::numeric_limits<int64_t>::min();
// Header names listed when a column is missing; the rest are counted.
constexpr size_t kMaxListedColumns = 20;

// Splits CSV text into fields one record at a time, without copying unless
// a quoted field holds "" escapes.
class CsvCursor {
 public:
  CsvCursor(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte-order mark
  }

  bool AtEnd() const { return pos_ >= text_.size(); }

  /// Reads one record's fields into `fields` (views into the text or into
  /// `scratch_`). Returns false at the end of the text.
  bool NextRecord(std::vector<std::string_view>& fields) {
    fields.clear();
    scratch_.clear();
    if (AtEnd()) return false;
    while (true) {
      fields.push_back(NextField());
      if (pos_ >= text_.size()) return true;
      const char c = text_[pos_];
      if (c == delimiter_) {
        ++pos_;
        continue;
      }
      // End of record: \n or \r\n (a lone \r too).
      ++pos_;
      if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      return true;
    }
  }

  bool unterminated_quote() const { return unterminated_quote_; }

 private:
  std::string_view NextField() {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      const size_t start = pos_;
      bool escaped = false;
      while (true) {
        const size_t quote = text_.find('"', pos_);
        if (quote == std::string_view::npos) {
          unterminated_quote_ = true;
          pos_ = text_.size();
          return text_.substr(start);
        }
        if (quote + 1 < text_.size() && text_[quote + 1] == '"') {
          escaped = true;
          pos_ = quote + 2;
          continue;
        }
        pos_ = quote + 1;
        std::string_view raw = text_.substr(start, quote - start);
        if (!escaped) return raw;
        scratch_.emplace_back();
        std::string& unescaped = scratch_.back();
        for (size_t i = 0; i < raw.size(); ++i) {
          unescaped += raw[i];
          if (raw[i] == '"') ++i;
        }
        return unescaped;
      }
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
    return text_.substr(start, pos_ - start);
  }

  std::string_view text_;
  char delimiter_;
  size_t pos_ = 0;
  bool unterminated_quote_ = false;
  // Unescaped quoted fields of the current record. A deque, because fields
  // already returned are views into its strings: growing must not move them
  // (found by the fuzzer with a vector).
  std::deque<std::string> scratch_;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsMissing(std::string_view value) {
  return value.empty() || EqualsIgnoreCase(value, "null") || EqualsIgnoreCase(value, "nan") ||
         EqualsIgnoreCase(value, "na");
}

// The header field a `columns` name maps to: the name exactly, else in any
// case; two fields that match (exactly, or only in case) are refused.
std::optional<size_t> MatchHeader(const std::vector<std::string_view>& header, const std::string& name,
                                  const std::filesystem::path& path) {
  for (const bool exact : {true, false}) {
    std::vector<size_t> found;
    for (size_t i = 0; i < header.size(); ++i) {
      if (exact ? Trim(header[i]) == name : EqualsIgnoreCase(Trim(header[i]), name)) found.push_back(i);
    }
    if (found.size() > 1) {
      throw DataError(fmt::format("{}: the header names '{}' {} times{} (fields {} and {}, 0 = the first): rename one, "
                                  "so that it is clear which holds the values",
                                  path.string(), io::MessageText(name, 64), found.size(),
                                  exact ? "" : " (names match in any case)", found[0], found[1]));
    }
    if (!found.empty()) return found.front();
  }
  return std::nullopt;
}

// The field of each name; all missing names in one message.
std::vector<size_t> FindColumns(const std::vector<std::string_view>& header, const std::vector<std::string>& names,
                                const std::filesystem::path& path) {
  std::vector<size_t> indices;
  std::vector<std::string> missing;
  for (const std::string& name : names) {
    if (const std::optional<size_t> index = MatchHeader(header, name, path)) {
      indices.push_back(*index);
    } else {
      missing.push_back(fmt::format("'{}'", io::MessageText(name, 64)));
    }
  }
  if (missing.empty()) return indices;
  std::string columns;
  for (size_t i = 0; i < header.size() && i < kMaxListedColumns; ++i) {
    columns += fmt::format("{}'{}'", columns.empty() ? "" : ", ", io::MessageText(Trim(header[i]), 64));
  }
  if (header.size() > kMaxListedColumns) columns += fmt::format(" and {} more", header.size() - kMaxListedColumns);
  // A header read as one field holding another usual delimiter: the file
  // is delimited by that one.
  if (header.size() == 1) {
    for (const auto& [delimiter, setting] : {std::pair{';', "';'"}, std::pair{'\t', "tab"}, std::pair{',', "','"},
                                              std::pair{'|', "'|'"}}) {
      if (header[0].find(delimiter) != std::string_view::npos) {
        throw DataError(fmt::format("{}: the header is one field containing {}: set csv_delimiter: {}",
                                    path.string(), delimiter == '\t' ? "tabs" : setting, setting));
      }
    }
  }
  std::string list;
  for (const std::string& name : missing) list += (list.empty() ? "" : ", ") + name;
  throw DataError(fmt::format("{}: missing column{} {} (header has {})", path.string(), missing.size() > 1 ? "s" : "",
                              list, columns));
}

// Where each wanted column is in a row, how messages name it, and the field
// count rows must have (the header's, or the first row's).
struct CsvLayout {
  size_t timestamp_index = 0;
  std::vector<size_t> number_index;
  std::string timestamp_label;
  std::vector<std::string> number_labels;
  size_t expected_fields = 0;  ///< 0: the first row's, once read
  std::string expected_what;
  int64_t last_row = 0;        ///< the spreadsheet row number of the last record read
  size_t needed = 0;           ///< fields a row needs to hold every wanted column
};

// With a header: the columns by name (FindColumns), rows numbered from 2.
CsvLayout LayoutFromHeader(CsvCursor& cursor, const std::filesystem::path& path, const std::string& timestamp_column,
                           const std::vector<std::string>& number_columns) {
  std::vector<std::string_view> fields;
  if (!cursor.NextRecord(fields) || (fields.size() == 1 && Trim(fields[0]).empty())) {
    throw DataError(fmt::format("{}: empty file (no header row)", path.string()));
  }
  const std::vector<std::string> header(fields.begin(), fields.end());
  const std::vector<std::string_view> header_views(header.begin(), header.end());
  std::vector<std::string> wanted = {timestamp_column};
  wanted.insert(wanted.end(), number_columns.begin(), number_columns.end());
  const std::vector<size_t> found = FindColumns(header_views, wanted, path);
  CsvLayout layout;
  layout.timestamp_index = found[0];
  layout.number_index.assign(found.begin() + 1, found.end());
  layout.timestamp_label = fmt::format("column '{}'", timestamp_column);
  for (const std::string& name : number_columns) layout.number_labels.push_back(fmt::format("column '{}'", name));
  layout.expected_fields = header.size();
  layout.expected_what = "the header has";
  layout.last_row = 1;
  return layout;
}

// Without a header: the columns are field positions (0 = the first field),
// rows numbered from 1.
CsvLayout LayoutFromPositions(const std::string& timestamp_column, const std::vector<std::string>& number_columns) {
  const auto position = [](const std::string& digits) {
    size_t value = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      throw std::invalid_argument("CSV column position '" + digits + "' is not a number");
    }
    return value;
  };
  CsvLayout layout;
  layout.timestamp_index = position(timestamp_column);
  for (const std::string& name : number_columns) layout.number_index.push_back(position(name));
  layout.timestamp_label = fmt::format("column {}", layout.timestamp_index);
  for (const size_t index : layout.number_index) layout.number_labels.push_back(fmt::format("column {}", index));
  return layout;
}

// A row's field count: too few for a wanted column, or more than the header
// (or first row) has, is refused: an unquoted "1,000" would otherwise be
// read as 1 without a word.
void CheckFieldCount(CsvLayout& layout, size_t fields, bool header, const std::filesystem::path& path) {
  if (layout.expected_fields == 0) {
    layout.expected_fields = fields;
    layout.expected_what = "the first row has";
  }
  if (!header && fields < layout.needed) {
    throw DataError(fmt::format("{}: row {}: {} fields, but column {} is asked for (0 = the first field)",
                                path.string(), layout.last_row, fields, layout.needed - 1));
  }
  if (fields < layout.needed || fields > layout.expected_fields) {
    throw DataError(fmt::format("{}: row {}: {} fields, {} {}", path.string(), layout.last_row, fields,
                                layout.expected_what, layout.expected_fields));
  }
}

// A timestamp field: ISO 8601, or an integer epoch in the file's unit. With
// timestamp_unit auto, the first epoch's magnitude fixes the unit for the
// whole file (one file never mixes units), and the first epoch number shows
// whether the unit is right.
class TimestampField {
 public:
  TimestampField(EpochUnit unit, const std::filesystem::path& path, const CsvLayout& layout)
      : unit_(unit), path_(path), layout_(layout) {}

  int64_t Parse(std::string_view stamp) {
    std::optional<int64_t> ns = ParseIsoTimestamp(stamp);
    const bool iso = ns.has_value();
    if (!ns) {
      int64_t value = 0;
      const auto [ptr, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), value);
      if (ec == std::errc() && ptr == stamp.data() + stamp.size() && unit_ == EpochUnit::kAuto) {
        unit_ = EpochUnitForMagnitude(value);
      }
      ns = ParseEpochTimestamp(stamp, unit_);
    }
    if (!ns) {
      throw DataError(fmt::format("{}: row {}, {}: cannot parse '{}' as a timestamp (accepted: "
                                  "ISO-8601 dates 2021-01-04, date-times 2021-01-04T09:30:00 with an optional "
                                  "fraction and Z or offset +01:00, or integer epochs in timestamp_unit)",
                                  path_.string(), layout_.last_row, layout_.timestamp_label, io::MessageText(stamp)));
    }
    if (!checked_epoch_ && !iso) {
      checked_epoch_ = true;
      int64_t value = 0;
      std::from_chars(stamp.data(), stamp.data() + stamp.size(), value);
      if (const auto reason =
              ImplausibleEpoch(value, unit_ == EpochUnit::kAuto ? EpochUnitForMagnitude(value) : unit_, *ns)) {
        throw DataError(fmt::format("{}: row {}, {}: {}", path_.string(), layout_.last_row, layout_.timestamp_label,
                                    *reason));
      }
    }
    return *ns;
  }

 private:
  EpochUnit unit_;
  bool checked_epoch_ = false;
  const std::filesystem::path& path_;
  const CsvLayout& layout_;
};

// A price or volume field ('+' allowed, '.' the decimal point).
double ParseNumberField(std::string_view value, const CsvLayout& layout, size_t column,
                        const std::filesystem::path& path) {
  double number = 0;
  const char* begin = value.data() + (value.front() == '+' ? 1 : 0);
  const auto [ptr, ec] = std::from_chars(begin, value.data() + value.size(), number);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    const bool decimal_comma = value.find(',') != std::string_view::npos && value.find('.') == std::string_view::npos;
    throw DataError(fmt::format("{}: row {}, {}: cannot parse '{}' as a number{}", path.string(), layout.last_row,
                                layout.number_labels[column], io::MessageText(value),
                                decimal_comma ? " (a decimal comma: numbers must use '.' as the decimal point; "
                                                "export the file with '.' decimals)"
                                              : ""));
  }
  return number;
}

}  // namespace

CsvColumns ParseCsvColumns(std::string_view text, const std::filesystem::path& path,
                           const std::string& timestamp_column, const std::vector<std::string>& number_columns,
                           const CsvOptions& options) {
  CsvCursor cursor(text, options.delimiter);
  CsvLayout layout = options.header ? LayoutFromHeader(cursor, path, timestamp_column, number_columns)
                                    : LayoutFromPositions(timestamp_column, number_columns);
  layout.needed = std::max(layout.timestamp_index, layout.number_index.empty()
                                                       ? 0
                                                       : *std::max_element(layout.number_index.begin(),
                                                                           layout.number_index.end())) +
                  1;
  TimestampField timestamps(options.epoch_unit, path, layout);
  CsvColumns columns;
  columns.numbers.resize(number_columns.size());
  std::vector<std::string_view> fields;
  while (cursor.NextRecord(fields)) {
    ++layout.last_row;
    if (fields.size() == 1 && Trim(fields[0]).empty()) continue;  // blank line
    if (cursor.unterminated_quote()) {
      throw DataError(fmt::format("{}: row {}: unterminated quoted field", path.string(), layout.last_row));
    }
    CheckFieldCount(layout, fields.size(), options.header, path);
    // A missing value keeps its row (NaN, or kMissingTimestamp) and is
    // listed, for the bar validation to report or drop.
    bool missing = false;
    const std::string_view stamp = Trim(fields[layout.timestamp_index]);
    missing = IsMissing(stamp);
    columns.timestamp_ns.push_back(missing ? kMissingTimestamp : timestamps.Parse(stamp));
    for (size_t c = 0; c < layout.number_index.size(); ++c) {
      const std::string_view value = Trim(fields[layout.number_index[c]]);
      const bool absent = IsMissing(value);
      missing = missing || absent;
      columns.numbers[c].push_back(absent ? std::numeric_limits<double>::quiet_NaN()
                                          : ParseNumberField(value, layout, c, path));
    }
    if (missing) columns.missing_rows.push_back(columns.rows() - 1);
  }
  return columns;
}

CsvColumns ReadCsvColumns(const std::filesystem::path& path, const std::string& timestamp_column,
                          const std::vector<std::string>& number_columns, const CsvOptions& options) {
  const io::FileKind kind = io::KindOf(path);
  if (kind != io::FileKind::kRegular && kind != io::FileKind::kMissing) {
    throw DataError(fmt::format("{}: is {}, not a CSV file", path.string(), io::KindName(kind)));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    const std::string message = fmt::format("{}: cannot open: {}", path.string(), std::strerror(err));
    if (err == ENOENT) throw NotFoundError(message);
    throw DataError(message);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    throw DataError(fmt::format("{}: cannot stat: {}", path.string(), std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw DataError(fmt::format("{}: not a regular file", path.string()));
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    throw DataError(fmt::format("{}: empty file ({})", path.string(), options.header ? "no header row" : "no bars"));
  }
  // Read, not mapped: a mapped file that shrinks while it is parsed kills
  // the process with SIGBUS; a read sees the change and says so.
  std::string text(size, '\0');
  size_t done = 0;
  while (done < size) {
    const ssize_t got = ::pread(fd, text.data() + done, size - done, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      const std::string reason = got < 0 ? std::strerror(errno) : "it became shorter";
      ::close(fd);
      throw DataError(fmt::format("{}: file changed while being read ({})", path.string(), reason));
    }
    done += static_cast<size_t>(got);
  }
  struct stat after {};
  const bool changed = fstat(fd, &after) != 0 || after.st_size != st.st_size ||
                       after.st_mtim.tv_sec != st.st_mtim.tv_sec || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec;
  ::close(fd);
  if (changed) throw DataError(fmt::format("{}: file changed while being read", path.string()));
  return ParseCsvColumns(text, path.string(), timestamp_column, number_columns, options);
}

}  // namespace barforge
