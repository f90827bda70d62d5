// DatasetReader: a dataset file or a directory of parts, row group by row
// group, through barforge's own Parquet reader.

#include "barforge/dataset_reader.h"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "barforge/bars_dataset.h"
#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "dataset/dataset_footer.h"
#include "dataset/parts_layout.h"
#include "dataset/success_marker.h"
#include "pipeline/arrow_schema.h"
#include "pipeline/column_selection.h"

namespace barforge {

namespace {

using parquet::ColumnBuffer;
using parquet::ColumnInfo;
using parquet::LogicalKind;
using parquet::ParquetReader;
using parquet::PhysicalType;

__extension__ typedef __int128 Int128;  // GCC/Clang; -Wpedantic needs the marker
__extension__ typedef unsigned __int128 Uint128;

struct RowGroupRef {
  size_t file = 0;
  int group = 0;
  int64_t first_row = 0;
  int64_t rows = 0;
};

using parquet::ColumnType;

// The type of one value of `info` (of an element, for a list); nullopt for
// one barforge never writes.
std::optional<ColumnType> ValueTypeOf(const ColumnInfo& info) {
  const bool integer = info.logical == LogicalKind::kInteger && info.is_signed;
  switch (info.physical_type) {
    case PhysicalType::kInt64:
      if (info.logical == LogicalKind::kTimestamp) return ColumnType::kTimestamp;
      return ColumnType::kInt64;
    case PhysicalType::kInt32:
      if (integer && info.bit_width == 8) return ColumnType::kInt8;
      if (integer && info.bit_width == 16) return ColumnType::kInt16;
      if (info.logical == LogicalKind::kNone || info.logical == LogicalKind::kInteger) return ColumnType::kInt32;
      break;
    case PhysicalType::kBoolean:
      if (info.logical == LogicalKind::kNone) return ColumnType::kBool;
      break;
    case PhysicalType::kFloat:
      return ColumnType::kFloat;
    case PhysicalType::kDouble:
      return ColumnType::kDouble;
    case PhysicalType::kByteArray:
      if (info.logical == LogicalKind::kString || info.logical == LogicalKind::kNone) return ColumnType::kString;
      break;
    default:
      break;
  }
  return std::nullopt;
}

ColumnType KindOf(const std::filesystem::path& file, const ColumnInfo& info) {
  const auto refuse = [&](std::string_view what) {
    return DataError(fmt::format("{}: not a barforge dataset: column '{}' is {}", file.string(), info.name, what));
  };
  if (info.max_repetition_level > 1) throw refuse("a nested list");
  const std::optional<ColumnType> value = ValueTypeOf(info);
  if (!info.is_list) {
    if (!value) throw refuse("of a type barforge never writes");
    return *value;
  }
  switch (value.value_or(ColumnType::kString)) {
    case ColumnType::kFloat: return ColumnType::kFloatList;
    case ColumnType::kInt8: return ColumnType::kInt8List;
    case ColumnType::kInt16: return ColumnType::kInt16List;
    case ColumnType::kInt64: return ColumnType::kInt64List;
    case ColumnType::kBool: return ColumnType::kBoolList;
    default: throw refuse("a list of other values than float32, int8, int16, int64 or bool");
  }
}

// INT(8) / INT(16) values, which Parquet stores as INT32; one outside the
// annotated width means a broken file.
template <class T>
std::vector<T> Narrowed(const std::vector<int32_t>& values, const std::string& where) {
  std::vector<T> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] < std::numeric_limits<T>::min() || values[i] > std::numeric_limits<T>::max()) {
      throw DataError(fmt::format("{}: value {} does not fit its {}-bit integer type", where, values[i], 8 * sizeof(T)));
    }
    out[i] = static_cast<T>(values[i]);
  }
  return out;
}

// BOOLEAN values, which the Parquet reader gives as int32 0 / 1.
std::vector<uint8_t> Bools(const std::vector<int32_t>& values, const std::string& where) {
  std::vector<uint8_t> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] != 0 && values[i] != 1) throw DataError(fmt::format("{}: boolean value {}", where, values[i]));
    out[i] = static_cast<uint8_t>(values[i]);
  }
  return out;
}

// The length of every row's list of `buffer`; DataError if they differ.
int64_t ListWidth(const ColumnBuffer& buffer, const std::string& where) {
  const auto slots = static_cast<int64_t>(buffer.size());
  const int64_t rows = buffer.num_rows;
  const int64_t width = rows > 0 ? slots / rows : 0;
  bool uniform = rows == 0 || (width > 0 && width * rows == slots);
  for (int64_t r = 0; uniform && r <= rows; ++r) uniform = buffer.list_offsets[static_cast<size_t>(r)] == r * width;
  if (!uniform) throw DataError(where + ": lists of different lengths, which a barforge dataset never has");
  return width;
}

int64_t Product(const std::vector<int64_t>& shape) {
  int64_t product = 1;
  for (const int64_t dimension : shape) product *= dimension;
  return product;
}

// The fixed-size lists the footer's ARROW:schema describes (none without one).
std::vector<ArrowListField> ListFields(const std::vector<std::pair<std::string, std::string>>& key_values,
                                       const std::filesystem::path& file) {
  for (const auto& [key, value] : key_values) {
    if (key == kArrowSchemaKey) return ArrowListFields(value, file.string());
  }
  return {};
}

int64_t NanosPer(parquet::TimeUnit unit) {
  switch (unit) {
    case parquet::TimeUnit::kMillis:
      return 1000000;
    case parquet::TimeUnit::kMicros:
      return 1000;
    case parquet::TimeUnit::kNanos:
      return 1;
  }
  return 1;
}

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<int64_t> DatasetRowShape(const parquet::ColumnSpec& spec) {
  if (!parquet::IsListType(spec.type)) return {};
  if (spec.shape.empty()) return {spec.list_size};
  return {spec.shape.begin(), spec.shape.end()};
}

struct DatasetReader::State {
  std::filesystem::path path;
  std::vector<std::filesystem::path> files;
  std::vector<ParquetReader> readers;
  std::vector<DatasetColumnInfo> columns;
  std::vector<ColumnInfo> infos;  // of the first file, by column
  std::vector<std::pair<std::string, std::string>> key_values;
  std::vector<RowGroupRef> groups;
  int64_t num_rows = 0;

  // Buffers handed back by Recycle, by column index: up to kSpareBytes per
  // column, or one larger buffer.
  static constexpr size_t kSpareBytes = size_t{64} << 20;
  std::mutex spare_mutex;
  std::vector<std::vector<ColumnBuffer>> spares;

  ColumnBuffer TakeSpare(size_t column) {
    std::lock_guard lock(spare_mutex);
    std::vector<ColumnBuffer>& stack = spares[column];
    if (stack.empty()) return {};
    ColumnBuffer spare = std::move(stack.back());
    stack.pop_back();
    return spare;
  }

  const RowGroupRef& Group(int row_group) const;
  // Column indices of `names` (all columns when empty).
  std::vector<size_t> ColumnIndices(const std::vector<std::string>& names) const;
  // Column c's values for the rows of `buffer` (read from row group `ref`),
  // checked to be what a barforge dataset holds.
  DatasetColumnData ColumnData(size_t c, const RowGroupRef& ref, ColumnBuffer&& buffer) const;
};

DatasetReader::DatasetReader(const std::filesystem::path& path) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) throw NotFoundError(fmt::format("{}: dataset not found", path.string()));
  if (std::filesystem::is_directory(status)) {
    for (const auto& [index, part] : ListParts(path)) s.files.push_back(part);
    if (s.files.empty()) {
      throw DataError(fmt::format("{}: not a dataset directory (no part-NNNNN.parquet files)", path.string()));
    }
    if (!HasSuccessMarker(path)) {
      throw DataError(fmt::format("{}: incomplete dataset directory (no {} marker: its build has not finished)",
                                  path.string(), kSuccessFileName));
    }
  } else {
    s.files.push_back(path);
  }

  for (const std::filesystem::path& file : s.files) {
    ParquetReader reader(file);
    const auto key_values = reader.key_value_metadata();
    for (const auto& [key, value] : key_values) {
      if (key == kStorageMetadataKey && value == "bars") {
        throw DataError(fmt::format("{}: a bars dataset (storage: bars), whose rows are computed when read: open it "
                                    "with BarsDataset (Python: barforge.open_dataset)",
                                    file.string()));
      }
    }
    // A dataset (barforge.config) or a feature file of transform --all;
    // anything else is refused with the layout's message.
    DatasetLayout::FromKeyValueMetadata(key_values, file);
    std::vector<DatasetColumnInfo> columns;
    const std::vector<ArrowListField> lists = ListFields(key_values, file);
    for (const ColumnInfo& info : reader.columns()) {
      DatasetColumnInfo column{info.name, KindOf(file, info)};
      if (parquet::IsListType(column.kind)) {
        const auto list = std::find_if(lists.begin(), lists.end(), [&](const auto& l) { return l.name == info.name; });
        if (list != lists.end()) column.shape = list->shape.empty() ? std::vector<int64_t>{list->list_size} : list->shape;
      }
      columns.push_back(std::move(column));
    }
    if (s.readers.empty()) {
      s.columns = columns;
      s.infos = reader.columns();
      s.key_values = key_values;
    } else {
      const bool same = columns.size() == s.columns.size() &&
                        std::equal(columns.begin(), columns.end(), s.columns.begin(), [](const auto& a, const auto& b) {
                          return a.name == b.name && a.kind == b.kind && a.shape == b.shape;
                        });
      if (!same) {
        throw DataError(fmt::format("{}: its columns differ from those of {}", file.string(), s.files.front().string()));
      }
    }
    for (int g = 0; g < reader.num_row_groups(); ++g) {
      const int64_t rows = reader.row_group_num_rows(g);
      s.groups.push_back({s.readers.size(), g, s.num_rows, rows});
      s.num_rows += rows;
    }
    s.readers.push_back(std::move(reader));
  }
  s.spares.resize(s.columns.size());
}

DatasetReader::~DatasetReader() = default;
DatasetReader::DatasetReader(DatasetReader&&) noexcept = default;
DatasetReader& DatasetReader::operator=(DatasetReader&&) noexcept = default;

const std::filesystem::path& DatasetReader::path() const { return state_->path; }
const std::vector<std::filesystem::path>& DatasetReader::files() const { return state_->files; }
int64_t DatasetReader::num_rows() const { return state_->num_rows; }
const std::vector<DatasetColumnInfo>& DatasetReader::columns() const { return state_->columns; }
const std::vector<std::pair<std::string, std::string>>& DatasetReader::key_value_metadata() const {
  return state_->key_values;
}

std::string DatasetReader::Metadata(const std::string& key) const {
  for (const auto& [k, v] : state_->key_values) {
    if (k == key) return v;
  }
  return {};
}

int DatasetReader::num_row_groups() const { return static_cast<int>(state_->groups.size()); }

int64_t DatasetReader::row_group_rows(int row_group) const {
  return state_->groups.at(static_cast<size_t>(row_group)).rows;
}

int64_t DatasetReader::row_group_first_row(int row_group) const {
  return state_->groups.at(static_cast<size_t>(row_group)).first_row;
}

const RowGroupRef& DatasetReader::State::Group(int row_group) const {
  if (row_group < 0 || static_cast<size_t>(row_group) >= groups.size()) {
    throw DataError(
        fmt::format("{}: row group {} does not exist (the dataset has {})", path.string(), row_group, groups.size()));
  }
  return groups[static_cast<size_t>(row_group)];
}

std::vector<size_t> DatasetReader::State::ColumnIndices(const std::vector<std::string>& names) const {
  return SelectColumns(columns, names, path);
}

DatasetColumnData DatasetReader::State::ColumnData(size_t c, const RowGroupRef& ref, ColumnBuffer&& buffer) const {
  const std::string where =
      fmt::format("{}: column '{}', row group {}", files[ref.file].string(), columns[c].name, ref.group);
  if (!buffer.valid.empty() || !buffer.list_valid.empty()) {
    throw DataError(where + ": holds nulls, which a barforge dataset never has");
  }
  DatasetColumnData data;
  data.name = columns[c].name;
  data.kind = columns[c].kind;
  data.rows = buffer.num_rows;
  switch (data.kind) {
    case ColumnType::kInt64:
      data.int64s = std::move(buffer.int64s);
      break;
    case ColumnType::kTimestamp: {
      data.int64s = std::move(buffer.int64s);
      const int64_t factor = NanosPer(infos[c].time_unit);
      if (factor != 1) {
        for (int64_t& v : data.int64s) v *= factor;
      }
      break;
    }
    case ColumnType::kInt32:
      data.int64s.assign(buffer.int32s.begin(), buffer.int32s.end());
      break;
    case ColumnType::kInt8:
      data.int8s = Narrowed<int8_t>(buffer.int32s, where);
      break;
    case ColumnType::kInt16:
      data.int16s = Narrowed<int16_t>(buffer.int32s, where);
      break;
    case ColumnType::kFloat:
      data.floats = std::move(buffer.floats);
      break;
    case ColumnType::kDouble:
      data.doubles = std::move(buffer.doubles);
      break;
    case ColumnType::kBool:
      data.bools = Bools(buffer.int32s, where);
      break;
    case ColumnType::kFloatList:
    case ColumnType::kInt8List:
    case ColumnType::kInt16List:
    case ColumnType::kInt64List:
    case ColumnType::kBoolList: {
      data.width = ListWidth(buffer, where);
      data.shape = columns[c].shape.empty() ? std::vector<int64_t>{data.width} : columns[c].shape;
      if (data.rows > 0 && Product(data.shape) != data.width) {
        throw DataError(fmt::format("{}: lists of {} values, but its ARROW:schema says [{}]", where, data.width,
                                    fmt::join(data.shape, ", ")));
      }
      if (data.rows == 0) data.width = Product(data.shape);
      if (data.kind == ColumnType::kFloatList) data.floats = std::move(buffer.floats);
      if (data.kind == ColumnType::kInt8List) data.int8s = Narrowed<int8_t>(buffer.int32s, where);
      if (data.kind == ColumnType::kInt16List) data.int16s = Narrowed<int16_t>(buffer.int32s, where);
      if (data.kind == ColumnType::kInt64List) data.int64s = std::move(buffer.int64s);
      if (data.kind == ColumnType::kBoolList) data.bools = Bools(buffer.int32s, where);
      break;
    }
    case ColumnType::kString: {
      std::unordered_map<std::string_view, int32_t> seen;
      data.codes.resize(static_cast<size_t>(data.rows));
      for (size_t r = 0; r < static_cast<size_t>(data.rows); ++r) {
        const auto [it, inserted] = seen.try_emplace(buffer.string(r), static_cast<int32_t>(seen.size()));
        if (inserted) data.dictionary.emplace_back(it->first);
        data.codes[r] = it->second;
      }
      break;
    }
  }
  return data;
}

namespace {

// Runs read(i) for each of `count` columns in parallel; the first error (by
// column order) is rethrown once all are done.
template <class Read>
void ForEachColumn(size_t count, Read&& read) {
  std::vector<std::exception_ptr> errors(count);
  tbb::parallel_for(size_t{0}, count, [&](size_t i) {
    try {
      read(i);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace

std::vector<DatasetColumnData> DatasetReader::ReadRowGroup(int row_group, const std::vector<std::string>& names) const {
  State& s = *state_;
  const RowGroupRef& ref = s.Group(row_group);
  const std::vector<size_t> indices = s.ColumnIndices(names);
  std::vector<DatasetColumnData> out(indices.size());
  ForEachColumn(indices.size(), [&](size_t i) {
    const size_t c = indices[i];
    out[i] = s.ColumnData(c, ref, s.readers[ref.file].ReadColumnChunk(c, ref.group, s.TakeSpare(c)));
  });
  return out;
}

struct RowGroupCursor::State {
  DatasetReader::State& dataset;
  RowGroupRef ref;
  std::vector<size_t> indices;
  std::vector<parquet::ColumnChunkStream> streams;
  int64_t rows_read = 0;
  // The first error: after it the columns' streams stand at different rows,
  // so every later Read throws it again.
  std::exception_ptr error;
};

RowGroupCursor::RowGroupCursor(std::unique_ptr<State> state) : state_(std::move(state)) {}
RowGroupCursor::~RowGroupCursor() = default;
RowGroupCursor::RowGroupCursor(RowGroupCursor&&) noexcept = default;
RowGroupCursor& RowGroupCursor::operator=(RowGroupCursor&&) noexcept = default;

int64_t RowGroupCursor::rows_left() const { return state_->ref.rows - state_->rows_read; }

std::vector<DatasetColumnData> RowGroupCursor::Read(int64_t rows) {
  State& s = *state_;
  if (s.error) std::rethrow_exception(s.error);
  rows = std::clamp<int64_t>(rows, 0, rows_left());
  std::vector<DatasetColumnData> out(s.indices.size());
  try {
    ForEachColumn(s.indices.size(), [&](size_t i) {
      const size_t c = s.indices[i];
      out[i] = s.dataset.ColumnData(c, s.ref, s.streams[i].Read(rows, s.dataset.TakeSpare(c)));
    });
  } catch (...) {
    s.error = std::current_exception();
    throw;
  }
  s.rows_read += rows;
  return out;
}

RowGroupCursor DatasetReader::OpenRowGroup(int row_group, const std::vector<std::string>& names) const {
  State& s = *state_;
  auto cursor = std::make_unique<RowGroupCursor::State>(RowGroupCursor::State{s, s.Group(row_group), {}, {}, 0, nullptr});
  cursor->indices = s.ColumnIndices(names);
  for (const size_t c : cursor->indices) {
    cursor->streams.push_back(s.readers[cursor->ref.file].StreamColumnChunk(c, cursor->ref.group));
  }
  return RowGroupCursor(std::move(cursor));
}

void DatasetReader::Recycle(DatasetColumnData&& column) const {
  State& s = *state_;
  const auto it = std::find_if(s.columns.begin(), s.columns.end(), [&](const auto& c) { return c.name == column.name; });
  if (it == s.columns.end() || it->kind != column.kind) return;
  // The vectors ReadRowGroup moved out of the column's ColumnBuffer go back
  // to where that buffer holds them.
  ColumnBuffer spare;
  switch (column.kind) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      spare.int64s = std::move(column.int64s);
      break;
    case ColumnType::kFloat:
    case ColumnType::kFloatList:
      spare.floats = std::move(column.floats);
      break;
    case ColumnType::kDouble:
      spare.doubles = std::move(column.doubles);
      break;
    case ColumnType::kInt64List:
      spare.int64s = std::move(column.int64s);
      break;
    case ColumnType::kInt32:
    case ColumnType::kInt8:
    case ColumnType::kInt16:
    case ColumnType::kString:
    case ColumnType::kBool:
    case ColumnType::kInt8List:
    case ColumnType::kInt16List:
    case ColumnType::kBoolList:
      return;  // converted on the way out: nothing of the buffer is left
  }
  const auto bytes = [](const ColumnBuffer& b) {
    return b.int64s.capacity() * sizeof(int64_t) + b.floats.capacity() * sizeof(float) +
           b.doubles.capacity() * sizeof(double);
  };
  std::lock_guard lock(s.spare_mutex);
  std::vector<ColumnBuffer>& stack = s.spares[static_cast<size_t>(it - s.columns.begin())];
  size_t kept = bytes(spare);
  for (const ColumnBuffer& b : stack) kept += bytes(b);
  if (stack.empty() || kept <= State::kSpareBytes) stack.push_back(std::move(spare));
}

std::vector<RowRange> DatasetReader::EpochPlan(bool shuffle, uint64_t seed, int rank, int world_size) const {
  if (world_size < 1 || rank < 0 || rank >= world_size) {
    throw ConfigError(fmt::format("rank {} of world_size {}: need 0 <= rank < world_size", rank, world_size));
  }
  const auto total = static_cast<Int128>(num_rows());
  const auto share_begin = static_cast<int64_t>(total * rank / world_size);
  const auto share_end = static_cast<int64_t>(total * (rank + 1) / world_size);
  return EpochPlan(shuffle, seed, {{share_begin, share_end}});
}

std::vector<RowRange> DatasetReader::EpochPlan(bool shuffle, uint64_t seed,
                                               const std::vector<std::pair<int64_t, int64_t>>& positions) const {
  for (const auto& [begin, end] : positions) {
    if (begin < 0 || begin > end || end > num_rows()) {
      throw ConfigError(fmt::format("{}: epoch positions [{}, {}): need 0 <= begin <= end <= {} (the dataset's rows)",
                                    state_->path.string(), begin, end, num_rows()));
    }
  }
  std::vector<int64_t> order;
  if (shuffle) {
    order = Permutation(num_row_groups(), seed);
  } else {
    for (int g = 0; g < num_row_groups(); ++g) order.push_back(g);
  }
  // first[i]: the epoch position of the first row of the i-th group in order.
  std::vector<int64_t> first(order.size() + 1, 0);
  for (size_t i = 0; i < order.size(); ++i) first[i + 1] = first[i] + row_group_rows(static_cast<int>(order[i]));
  std::vector<RowRange> plan;
  for (const auto& [begin, end] : positions) {
    // The group holding position `begin`, then each group up to `end`.
    auto i = static_cast<size_t>(std::upper_bound(first.begin(), first.end(), begin) - first.begin()) - 1;
    for (int64_t at = begin; at < end; ++i) {
      const int64_t stop = std::min(end, first[i + 1]);
      if (at < stop) plan.push_back({static_cast<int>(order[i]), at - first[i], stop - first[i]});
      at = std::max(at, stop);
    }
  }
  return plan;
}

std::vector<int64_t> DatasetReader::Permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> out(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int64_t>(i);
  uint64_t state = seed;
  // Fisher-Yates; j from a 64x64->128 multiply (bias below 2^-40 for any n
  // a dataset has), so the permutation is the same everywhere.
  for (size_t i = out.size(); i > 1; --i) {
    const auto j = static_cast<size_t>((static_cast<Uint128>(SplitMix64(state)) * i) >> 64);
    std::swap(out[i - 1], out[j]);
  }
  return out;
}

}  // namespace barforge
