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

}  // namespace

CsvColumns ParseCsvColumns(std::string_view text, const std::filesystem::path& path,
                           const std::string& timestamp_column, const std::vector<std::string>& number_columns,
                           const CsvOptions& options) {
  CsvCursor cursor(text, options.delimiter);
  std::vector<std::string_view> fields;
  // Where each column is, and how messages name it: by the header's name,
  // or without a header by its field position (0 = the first field).
  size_t timestamp_index = 0;
  std::vector<size_t> number_index;
  std::string timestamp_label;
  std::vector<std::string> number_labels;
  // The field count rows must have: the header's, or the first row's.
  size_t expected_fields = 0;
  std::string expected_what;
  int64_t spreadsheet_row = 1;
  if (options.header) {
    if (!cursor.NextRecord(fields) || (fields.size() == 1 && Trim(fields[0]).empty())) {
      throw DataError(fmt::format("{}: empty file (no header row)", path.string()));
    }
    const std::vector<std::string> header(fields.begin(), fields.end());
    const std::vector<std::string_view> header_views(header.begin(), header.end());
    std::vector<std::string> wanted = {timestamp_column};
    wanted.insert(wanted.end(), number_columns.begin(), number_columns.end());
    const std::vector<size_t> found = FindColumns(header_views, wanted, path);
    timestamp_index = found[0];
    number_index.assign(found.begin() + 1, found.end());
    timestamp_label = fmt::format("column '{}'", timestamp_column);
    for (const std::string& name : number_columns) number_labels.push_back(fmt::format("column '{}'", name));
    expected_fields = header.size();
    expected_what = "the header has";
  } else {
    spreadsheet_row = 0;
    const auto position = [](const std::string& digits) {
      size_t value = 0;
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec != std::errc() || ptr != digits.data() + digits.size()) {
        throw std::invalid_argument("CSV column position '" + digits + "' is not a number");
      }
      return value;
    };
    timestamp_index = position(timestamp_column);
    for (const std::string& name : number_columns) number_index.push_back(position(name));
    timestamp_label = fmt::format("column {}", timestamp_index);
    for (const size_t index : number_index) number_labels.push_back(fmt::format("column {}", index));
  }
  const size_t needed = std::max(timestamp_index, number_index.empty() ? 0 : *std::max_element(number_index.begin(), number_index.end())) + 1;

  CsvColumns columns;
  columns.numbers.resize(number_columns.size());
  EpochUnit unit = options.epoch_unit;
  bool checked_epoch = false;
  while (cursor.NextRecord(fields)) {
    ++spreadsheet_row;
    if (fields.size() == 1 && Trim(fields[0]).empty()) continue;  // blank line
    if (cursor.unterminated_quote()) {
      throw DataError(fmt::format("{}: row {}: unterminated quoted field", path.string(), spreadsheet_row));
    }
    // Too many fields is refused too: an unquoted "1,000" would otherwise
    // be read as 1 without a word.
    if (expected_fields == 0) {
      expected_fields = fields.size();
      expected_what = "the first row has";
    }
    if (!options.header && fields.size() < needed) {
      throw DataError(fmt::format("{}: row {}: {} fields, but column {} is asked for (0 = the first field)",
                                  path.string(), spreadsheet_row, fields.size(), needed - 1));
    }
    if (fields.size() < needed || fields.size() > expected_fields) {
      throw DataError(fmt::format("{}: row {}: {} fields, {} {}", path.string(), spreadsheet_row, fields.size(),
                                  expected_what, expected_fields));
    }
    bool missing = false;
    const std::string_view stamp = Trim(fields[timestamp_index]);
    if (IsMissing(stamp)) {
      missing = true;
      columns.timestamp_ns.push_back(kMissingTimestamp);
    } else {
      std::optional<int64_t> ns = ParseIsoTimestamp(stamp);
      if (!ns) {
        // Integer epochs: with auto, the first row's magnitude fixes the
        // unit for the whole file, so one file never mixes units.
        int64_t value = 0;
        const auto [ptr, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), value);
        if (ec == std::errc() && ptr == stamp.data() + stamp.size() && unit == EpochUnit::kAuto) {
          unit = EpochUnitForMagnitude(value);
        }
        ns = ParseEpochTimestamp(stamp, unit);
      }
      if (!ns) {
        throw DataError(fmt::format("{}: row {}, {}: cannot parse '{}' as a timestamp (accepted: "
                                    "ISO-8601 dates 2021-01-04, date-times 2021-01-04T09:30:00 with an optional "
                                    "fraction and Z or offset +01:00, or integer epochs in timestamp_unit)",
                                    path.string(), spreadsheet_row, timestamp_label, io::MessageText(stamp)));
      }
      if (!checked_epoch && !ParseIsoTimestamp(stamp)) {
        // The first epoch number of the file shows whether its unit is right.
        checked_epoch = true;
        int64_t value = 0;
        std::from_chars(stamp.data(), stamp.data() + stamp.size(), value);
        if (const auto reason = ImplausibleEpoch(value, unit == EpochUnit::kAuto ? EpochUnitForMagnitude(value) : unit, *ns)) {
          throw DataError(fmt::format("{}: row {}, {}: {}", path.string(), spreadsheet_row, timestamp_label,
                                      *reason));
        }
      }
      columns.timestamp_ns.push_back(*ns);
    }
    for (size_t c = 0; c < number_index.size(); ++c) {
      const std::string_view value = Trim(fields[number_index[c]]);
      double number = std::numeric_limits<double>::quiet_NaN();
      if (IsMissing(value)) {
        missing = true;
      } else {
        const char* begin = value.data() + (value.front() == '+' ? 1 : 0);
        const auto [ptr, ec] = std::from_chars(begin, value.data() + value.size(), number);
        if (ec != std::errc() || ptr != value.data() + value.size()) {
          const bool decimal_comma = value.find(',') != std::string_view::npos && value.find('.') == std::string_view::npos;
          throw DataError(fmt::format("{}: row {}, {}: cannot parse '{}' as a number{}", path.string(),
                                      spreadsheet_row, number_labels[c], io::MessageText(value),
                                      decimal_comma ? " (a decimal comma: numbers must use '.' as the decimal point; "
                                                      "export the file with '.' decimals)"
                                                    : ""));
        }
      }
      columns.numbers[c].push_back(number);
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
