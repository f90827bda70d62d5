// BarsDataset: the rows of a bars dataset, computed when they are read by
// the per-chunk code of a build (SampleChunk, or CrossSectionChunk for
// cross_section: true), so they are the samples file's rows bit for bit.

#include "barforge/bars_dataset.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <system_error>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/dataset_layout.h"
#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "barforge/version.h"
#include "dataset/dataset_footer.h"
#include "features/meta_scaler.h"
#include "features/prepared_series.h"
#include "pipeline/arrow_schema.h"
#include "pipeline/bars_dataset_writer.h"
#include "pipeline/column_selection.h"
#include "pipeline/cross_section_chunk.h"
#include "pipeline/sample_chunk.h"
#include "pipeline/split_plan.h"
#include "rawdata/bar_series.h"

namespace barforge {

namespace {

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Rows per block of a read, computed whole by one thread: about 2 KiB of
// bars a row (W = 64) stay in a core's cache between a row's meta and its
// window features.
constexpr int64_t kReadRows = 256;

// The per-bar values of an open bars dataset live in one memory file
// (memfd), mapped read-only once filled: a process that opens the same file
// later (a DataLoader worker started by spawn or forkserver) maps them from
// the opener's descriptor instead of computing its own copy. Its first
// kSharedHeaderBytes hold a SharedHeader; then, per ticker in config order,
// the kPreparedArrays arrays of PreparedSeries, one after the other.
constexpr size_t kSharedHeaderBytes = 4096;
constexpr char kSharedMagic[16] = "barforge-bars-1";

struct SharedHeader {
  char magic[16];
  char version[32];   // the barforge that computed the values
  uint64_t token;     // a random number the opener publishes with the descriptor
  uint64_t file_size;  // the bars dataset the values are of: size, mtime, inode, device
  int64_t file_mtime_ns;
  uint64_t file_inode;
  uint64_t file_device;
  uint64_t values;  // doubles after the header
};
static_assert(sizeof(SharedHeader) <= kSharedHeaderBytes);

// A mapping of a memory file (owned: unmapped and closed with this).
class SharedValues {
 public:
  SharedValues(int fd, void* address, size_t bytes) : fd_(fd), address_(address), bytes_(bytes) {}
  ~SharedValues() {
    munmap(address_, bytes_);
    if (fd_ >= 0) close(fd_);
  }
  SharedValues(const SharedValues&) = delete;
  SharedValues& operator=(const SharedValues&) = delete;

  int fd() const { return fd_; }
  const SharedHeader& header() const { return *static_cast<const SharedHeader*>(address_); }
  double* values() const {
    return reinterpret_cast<double*>(static_cast<char*>(address_) + kSharedHeaderBytes);
  }
  void Seal() const { mprotect(address_, bytes_, PROT_READ); }

 private:
  int fd_;
  void* address_;
  size_t bytes_;
};

SharedHeader HeaderOf(const std::filesystem::path& path, uint64_t values) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    throw DataError(fmt::format("{}: cannot stat: {}", path.string(), std::strerror(errno)));
  }
  SharedHeader header{};
  std::memcpy(header.magic, kSharedMagic, sizeof(kSharedMagic));
  std::snprintf(header.version, sizeof(header.version), "%s", kVersion);
  header.file_size = static_cast<uint64_t>(info.st_size);
  header.file_mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  header.file_inode = static_cast<uint64_t>(info.st_ino);
  header.file_device = static_cast<uint64_t>(info.st_dev);
  header.values = values;
  return header;
}

// A fresh memory file of `values` doubles after its header, mapped
// read-write; null where the system has no memory files.
std::shared_ptr<SharedValues> CreateSharedValues(const std::filesystem::path& path, uint64_t values) {
  SharedHeader header = HeaderOf(path, values);
  std::random_device random;
  header.token = (uint64_t{random()} << 32) ^ random();
  const size_t bytes = kSharedHeaderBytes + values * sizeof(double);
#ifdef MFD_CLOEXEC
  const int fd = memfd_create("barforge-bars", MFD_CLOEXEC);
#else
  const int fd = -1;
#endif
  if (fd < 0) return nullptr;
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    const int code = errno;
    close(fd);
    throw DataError(fmt::format("{}: no memory for its bars' values ({} bytes): {}", path.string(), bytes,
                                std::strerror(code)));
  }
  void* address = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED) {
    const int code = errno;
    close(fd);
    throw DataError(fmt::format("{}: cannot map its bars' values: {}", path.string(), std::strerror(code)));
  }
  std::memcpy(address, &header, sizeof(header));
  return std::make_shared<SharedValues>(fd, address, bytes);
}

// The values another process computed for the dataset at `path`, mapped
// read-only from `source`; DataError when they are not that file's (another
// file, version or token: a descriptor since closed and reused).
std::shared_ptr<SharedValues> MapSharedValues(const std::filesystem::path& path,
                                              const BarsDataset::SharedSource& source, uint64_t values) {
  const auto refuse = [&](const std::string& why) {
    return DataError(fmt::format("{}: the bars' values shared at {} are not this file's: {}", path.string(),
                                 source.mapping.string(), why));
  };
  const int fd = open(source.mapping.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw refuse(std::strerror(errno));
  const size_t bytes = kSharedHeaderBytes + values * sizeof(double);
  struct stat info {};
  if (fstat(fd, &info) != 0 || static_cast<uint64_t>(info.st_size) != bytes) {
    close(fd);
    throw refuse(fmt::format("{} bytes, not {}", static_cast<int64_t>(info.st_size), bytes));
  }
  void* address = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);  // the mapping stays
  if (address == MAP_FAILED) throw refuse(std::strerror(errno));
  auto shared = std::make_shared<SharedValues>(-1, address, bytes);
  const SharedHeader& got = shared->header();
  const SharedHeader want = HeaderOf(path, values);
  if (std::memcmp(got.magic, want.magic, sizeof(want.magic)) != 0) throw refuse("no barforge header");
  if (std::strncmp(got.version, want.version, sizeof(want.version)) != 0) {
    throw refuse(fmt::format("computed by barforge {:.32s}", got.version));
  }
  if (got.token != source.token) throw refuse("another token");
  if (got.file_size != want.file_size || got.file_mtime_ns != want.file_mtime_ns ||
      got.file_inode != want.file_inode || got.file_device != want.file_device || got.values != values) {
    throw refuse("of another file (or the file changed since)");
  }
  return shared;
}

}  // namespace

bool IsBarsDataset(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  try {
    for (const auto& [key, value] : parquet::ParquetReader(path).key_value_metadata()) {
      if (key == kStorageMetadataKey) return value == "bars";
    }
  } catch (const Error&) {
    return false;
  }
  return false;
}

struct BarsDataset::State {
  std::filesystem::path path;
  std::vector<std::pair<std::string, std::string>> key_values;
  Config config;
  DatasetLayout layout;
  MetaScaler scaler;
  std::vector<DatasetColumnInfo> columns;
  std::vector<DatasetColumn> layout_columns;  // by column index
  std::vector<int64_t> bar_counts;
  std::vector<BarSeries> series;
  std::vector<PreparedSeries> prepared;
  std::shared_ptr<SharedValues> shared;  // the per-bar values (null: in memory of their own)
  uint64_t shared_token = 0;
  bool attached = false;
  std::vector<SplitPlan> splits;
  std::vector<uint32_t> members;  // cross_section: the plan's members (BuildPlan::members)
  size_t split_index = 0;
  std::string split;
  int64_t num_rows = 0;

  std::vector<size_t> ColumnIndices(const std::vector<std::string>& names) const {
    return SelectColumns(columns, names, path);
  }
};

BarsDataset::BarsDataset(const std::filesystem::path& path) : BarsDataset(path, SharedSource{}) {}

BarsDataset::BarsDataset(const std::filesystem::path& path, const SharedSource& shared)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  const bool attach = !shared.mapping.empty();
  s.path = path;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) throw NotFoundError(fmt::format("{}: dataset not found", path.string()));
  const parquet::ParquetReader reader(path);
  s.key_values = reader.key_value_metadata();
  const DatasetFooter footer = DatasetFooter::FromKeyValues(s.key_values);
  const std::string storage = Metadata(kStorageMetadataKey);
  if (storage != "bars" || !footer.config) {
    throw DataError(fmt::format("{}: not a bars dataset (no {}: bars and {} in its footer)", path.string(),
                                kStorageMetadataKey, DatasetFooter::kConfigKey));
  }
  if (footer.version.value_or("") != kVersion) {
    throw DataError(fmt::format("{}: a bars dataset of barforge {}, which this barforge {} does not read: its rows are "
                                "computed when read, and another version may compute other rows; rebuild it with "
                                "this barforge (barforge build), or materialize it (--set storage=windows) with "
                                "barforge {}",
                                path.string(), footer.version.value_or("(unknown)"), kVersion,
                                footer.version.value_or("(unknown)")));
  }
  const std::string where = fmt::format("{}: key-value metadata '{}'", path.string(), DatasetFooter::kConfigKey);
  s.config = LoadConfigText(*footer.config, where);
  s.layout = DatasetLayout::FromConfig(s.config);
  if (!footer.scaler) throw DataError(fmt::format("{}: bars dataset without a scaler in its footer", path.string()));
  s.scaler = MetaScaler::FromJson(*footer.scaler);
  s.split = footer.split.value_or("");

  const auto broken = [&](const std::string& what) {
    return DataError(fmt::format("{}: broken bars dataset: {}", path.string(), what));
  };
  try {
    s.bar_counts = nlohmann::json::parse(Metadata(kBarCountsMetadataKey)).get<std::vector<int64_t>>();
  } catch (const nlohmann::json::exception&) {
    throw broken(fmt::format("unreadable {}", kBarCountsMetadataKey));
  }
  if (s.bar_counts.size() != s.config.tickers.size()) {
    throw broken(fmt::format("{} has {} tickers, its config {}", kBarCountsMetadataKey, s.bar_counts.size(),
                             s.config.tickers.size()));
  }
  const std::vector<parquet::ColumnSpec> schema = BarsDatasetSchema();
  if (reader.columns().size() != schema.size()) {
    throw broken(fmt::format("{} columns, not {}", reader.columns().size(), schema.size()));
  }
  for (size_t c = 0; c < schema.size(); ++c) {
    if (reader.columns()[c].name != schema[c].name) {
      throw broken(fmt::format("column {} is '{}', not '{}'", c, reader.columns()[c].name, schema[c].name));
    }
  }
  // The bars of every ticker, one after the other; row groups never span two.
  int64_t total = 0;
  for (const int64_t count : s.bar_counts) {
    if (count < 0) throw broken(fmt::format("{} holds a negative count", kBarCountsMetadataKey));
    total += count;
  }
  int64_t stored = 0;
  for (int g = 0; g < reader.num_row_groups(); ++g) stored += reader.row_group_num_rows(g);
  if (stored != total) throw broken(fmt::format("{} bars stored, {} says {}", stored, kBarCountsMetadataKey, total));
  s.series.resize(s.bar_counts.size());
  size_t ticker = 0;
  int group = 0;
  for (BarSeries& bars : s.series) {
    bars.ticker = s.config.tickers[ticker];
    bars.source = path;
    const auto count = static_cast<size_t>(s.bar_counts[ticker++]);
    bars.timestamp_ns.reserve(count);
    while (bars.timestamp_ns.size() < count) {
      if (group >= reader.num_row_groups()) throw broken("fewer bars than its footer says");
      const auto append = [&](std::vector<double>& out, size_t column) {
        const parquet::ColumnBuffer buffer = reader.ReadColumnChunk(column, group);
        out.insert(out.end(), buffer.doubles.begin(), buffer.doubles.end());
      };
      const parquet::ColumnBuffer timestamps = reader.ReadColumnChunk(0, group);
      bars.timestamp_ns.insert(bars.timestamp_ns.end(), timestamps.int64s.begin(), timestamps.int64s.end());
      if (!attach) {  // attached: the values were computed from them by the process sharing them
        append(bars.open, 1);
        append(bars.high, 2);
        append(bars.low, 3);
        append(bars.close, 4);
        append(bars.volume, 5);
      }
      ++group;
    }
    if (bars.timestamp_ns.size() != count || (!attach && bars.volume.size() != count)) {
      throw broken(fmt::format("ticker '{}': a row group spans two tickers", bars.ticker));
    }
  }
  // On this thread only: no oneTBB worker starts before a DataLoader forks
  // its workers from the process that opened the dataset.
  const auto values = static_cast<uint64_t>(kPreparedArrays) * static_cast<uint64_t>(total);
  s.prepared.resize(s.series.size());
  if (attach) {
    s.shared = MapSharedValues(path, shared, values);
    s.attached = true;
  } else {
    s.shared = CreateSharedValues(path, values);
  }
  size_t offset = 0;
  for (size_t t = 0; t < s.series.size(); ++t) {
    const size_t n = kPreparedArrays * static_cast<size_t>(s.series[t].size());
    if (s.attached) {
      s.prepared[t] = ViewPreparedSeries(s.series[t], std::span<const double>(s.shared->values() + offset, n),
                                         s.shared);
    } else if (s.shared != nullptr) {
      PrepareSeriesInto(s.series[t], std::span<double>(s.shared->values() + offset, n), s.shared, s.prepared[t]);
    } else {
      PrepareSeriesInto(s.series[t], s.prepared[t]);
    }
    offset += n;
  }
  if (s.shared != nullptr) {
    s.shared_token = s.shared->header().token;
    s.shared->Seal();  // read-only from here on, in this process too
  }
  BuildPlan plan = PlanBuild(s.config, s.series);
  s.splits = std::move(plan.splits);
  s.members = std::move(plan.members);
  if (s.config.cross_section) {
    // The layout of the build's: its members, not every ticker of the config.
    std::vector<std::string> names;
    for (const uint32_t k : s.members) names.push_back(s.config.tickers[k]);
    s.layout = DatasetLayout::FromConfig(s.config, std::move(names));
  }
  // Rows need the per-bar logs and the timestamps only: the prices and
  // volumes go (40 of the 104 bytes a bar held).
  for (BarSeries& bars : s.series) {
    for (std::vector<double>* prices : {&bars.open, &bars.high, &bars.low, &bars.close, &bars.volume}) {
      std::vector<double>().swap(*prices);
    }
  }
  if (!s.config.splits.empty()) {
    const auto it = std::find_if(s.splits.begin(), s.splits.end(), [&](const SplitPlan& p) { return p.name == s.split; });
    if (it == s.splits.end()) throw broken(fmt::format("split '{}' is not one of its config's", s.split));
    s.split_index = static_cast<size_t>(it - s.splits.begin());
  }
  s.num_rows = s.splits[s.split_index].n_samples;
  if (Metadata(kRowsMetadataKey) != std::to_string(s.num_rows)) {
    throw broken(fmt::format("its bars give {} rows, its footer says {}", s.num_rows, Metadata(kRowsMetadataKey)));
  }
  for (const DatasetColumn& column : s.layout.Columns()) {
    if (column.kind == DatasetColumnKind::kPosition) continue;
    s.columns.push_back({column.spec.name, column.spec.type, DatasetRowShape(column.spec)});
    s.layout_columns.push_back(column);
  }
}

BarsDataset::~BarsDataset() = default;
BarsDataset::BarsDataset(BarsDataset&&) noexcept = default;
BarsDataset& BarsDataset::operator=(BarsDataset&&) noexcept = default;

const std::filesystem::path& BarsDataset::path() const { return state_->path; }
int64_t BarsDataset::num_rows() const { return state_->num_rows; }
const std::vector<DatasetColumnInfo>& BarsDataset::columns() const { return state_->columns; }
const std::vector<std::pair<std::string, std::string>>& BarsDataset::key_value_metadata() const {
  return state_->key_values;
}
std::string BarsDataset::Metadata(const std::string& key) const {
  for (const auto& [k, v] : state_->key_values) {
    if (k == key) return v;
  }
  return {};
}
const Config& BarsDataset::config() const { return state_->config; }
const std::vector<int64_t>& BarsDataset::bars_per_ticker() const { return state_->bar_counts; }
const std::string& BarsDataset::split() const { return state_->split; }
std::pair<int, uint64_t> BarsDataset::SharedDescriptor() const {
  if (state_->shared == nullptr || state_->attached) return {-1, 0};
  return {state_->shared->fd(), state_->shared_token};
}
bool BarsDataset::attached() const { return state_->attached; }
std::string BarsDataset::SamplesArrowSchema() const { return ArrowSchemaBase64(state_->layout.Schema()); }

std::vector<DatasetColumnData> BarsDataset::ReadRows(int64_t start, int64_t stop,
                                                     const std::vector<std::string>& names) const {
  if (start < 0 || stop < start || stop > num_rows()) {
    throw DataError(fmt::format("{}: rows [{}, {}) are not within its {} rows", path().string(), start, stop,
                                num_rows()));
  }
  std::vector<int64_t> ids(static_cast<size_t>(stop - start));
  for (size_t r = 0; r < ids.size(); ++r) ids[r] = start + static_cast<int64_t>(r);
  return ReadSamples(ids, names);
}

std::vector<size_t> BarsDataset::ColumnIndices(const std::vector<std::string>& names) const {
  return state_->ColumnIndices(names);
}

int64_t BarsDataset::ColumnWidth(size_t column) const {
  const parquet::ColumnSpec& spec = state_->layout_columns.at(column).spec;
  switch (spec.type) {
    case parquet::ColumnType::kFloatList:
    case parquet::ColumnType::kInt8List:
    case parquet::ColumnType::kInt16List:
    case parquet::ColumnType::kInt64List:
    case parquet::ColumnType::kBoolList: return spec.list_size;
    default: return 1;
  }
}

std::vector<DatasetColumnData> BarsDataset::ReadSamples(std::span<const int64_t> sample_ids,
                                                        const std::vector<std::string>& names) const {
  const State& s = *state_;
  const std::vector<size_t> indices = s.ColumnIndices(names);
  const auto rows = static_cast<int64_t>(sample_ids.size());
  std::vector<DatasetColumnData> out(indices.size());
  std::vector<ColumnOut> into(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    const size_t c = indices[i];
    const parquet::ColumnSpec& spec = s.layout_columns[c].spec;
    DatasetColumnData& column = out[i];
    column.name = s.columns[c].name;
    column.kind = s.columns[c].kind;
    column.shape = s.columns[c].shape;
    column.rows = rows;
    column.width = ColumnWidth(c);
    const auto values = static_cast<size_t>(rows * column.width);
    switch (spec.type) {
      case parquet::ColumnType::kInt64:
      case parquet::ColumnType::kInt64List:
      case parquet::ColumnType::kTimestamp: column.int64s.resize(values); into[i].values = column.int64s.data(); break;
      case parquet::ColumnType::kInt8:
      case parquet::ColumnType::kInt8List: column.int8s.resize(values); into[i].values = column.int8s.data(); break;
      case parquet::ColumnType::kInt16:
      case parquet::ColumnType::kInt16List: column.int16s.resize(values); into[i].values = column.int16s.data(); break;
      case parquet::ColumnType::kBoolList: column.bools.resize(values); into[i].values = column.bools.data(); break;
      case parquet::ColumnType::kFloat:
      case parquet::ColumnType::kFloatList: column.floats.resize(values); into[i].values = column.floats.data(); break;
      case parquet::ColumnType::kString: column.codes.resize(values); into[i].values = column.codes.data(); break;
      case parquet::ColumnType::kDouble:
      case parquet::ColumnType::kInt32:
      case parquet::ColumnType::kBool:
        throw DataError(fmt::format("{}: column '{}' of a kind a bars dataset does not compute", s.path.string(),
                                    column.name));
    }
  }
  ReadSamplesInto(sample_ids, indices, into);
  for (size_t i = 0; i < indices.size(); ++i) out[i].dictionary = std::move(into[i].dictionary);
  return out;
}

void BarsDataset::ReadSamplesInto(std::span<const int64_t> sample_ids, std::span<const size_t> columns,
                                  std::span<ColumnOut> out) const {
  const State& s = *state_;
  if (out.size() != columns.size()) {
    throw DataError(fmt::format("{}: {} outputs for {} columns", s.path.string(), out.size(), columns.size()));
  }
  for (const size_t c : columns) {
    if (c >= s.columns.size()) throw DataError(fmt::format("{}: no column {}", s.path.string(), c));
  }
  for (const int64_t id : sample_ids) {
    if (id < 0 || id >= s.num_rows) {
      throw DataError(fmt::format("{}: sample {} is not within its {} rows", s.path.string(), id, s.num_rows));
    }
  }
  const auto rows = static_cast<int64_t>(sample_ids.size());
  const SplitPlan& split = s.splits[s.split_index];
  const ChunkInputs inputs{&split.sampler, s.prepared, &s.scaler, &s.layout, s.config.fee_bps * 1e-4, nullptr};
  const CrossSectionInputs cross{inputs, split.cross_section ? &*split.cross_section : nullptr, s.members};
  ChunkStageClock clock;
  // Blocks of kReadRows rows, each computed whole (narrow columns, then its
  // ohlc and volume) by one thread: the block's bars, touched by its meta
  // features, are still in the core's cache for its window features. Every
  // value depends only on its sample id, so the blocking changes no bit.
  const int64_t blocks = (rows + kReadRows - 1) / kReadRows;
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, blocks, 1), [&](const tbb::blocked_range<int64_t>& range) {
    SampleChunk chunk;
    CrossSectionChunk cross_chunk;
    for (int64_t block = range.begin(); block < range.end(); ++block) {
      const int64_t first = block * kReadRows;
      const int64_t count = std::min(kReadRows, rows - first);
      const auto ids = sample_ids.subspan(static_cast<size_t>(first), static_cast<size_t>(count));
      parquet::RowGroupData data;
      if (cross.sampler != nullptr) {
        cross_chunk.Compute(cross, ids, clock);
        data = cross_chunk.View();
      } else {
        chunk.Compute(inputs, ids, clock);
        data = chunk.View(s.config.tickers);
      }
      for (size_t i = 0; i < columns.size(); ++i) {
        const size_t c = columns[i];
        const parquet::ColumnValues& values = data.columns[c];
        const int64_t width = ColumnWidth(c);
        void* const to = out[i].values;
        const auto at = static_cast<size_t>(first * width);
        if (const auto* v = std::get_if<std::span<const int64_t>>(&values)) {
          std::copy(v->begin(), v->end(), static_cast<int64_t*>(to) + at);
        } else if (const auto* f = std::get_if<std::span<const float>>(&values)) {
          std::copy(f->begin(), f->end(), static_cast<float*>(to) + at);
        } else if (const auto* i8 = std::get_if<std::span<const int8_t>>(&values)) {
          std::copy(i8->begin(), i8->end(), static_cast<int8_t*>(to) + at);
        } else if (const auto* i16 = std::get_if<std::span<const int16_t>>(&values)) {
          std::copy(i16->begin(), i16->end(), static_cast<int16_t*>(to) + at);
        } else if (const auto* u8 = std::get_if<std::span<const uint8_t>>(&values)) {  // present (0 / 1)
          std::copy(u8->begin(), u8->end(), static_cast<uint8_t*>(to) + at);
        } else if (const auto* strings = std::get_if<parquet::DictionaryStrings>(&values)) {
          // The index into the config's tickers; codes in first-seen order below.
          std::copy(strings->indices.begin(), strings->indices.end(), static_cast<int32_t*>(to) + at);
        } else if (const auto* pages = std::get_if<parquet::FloatPages>(&values)) {
          pages->fill(pages->source, 0, count,
                      std::span<float>(static_cast<float*>(to) + at, static_cast<size_t>(count * width)));
        } else {
          throw DataError(fmt::format("{}: column '{}' of a kind a bars dataset does not compute", s.path.string(),
                                      s.columns[c].name));
        }
      }
    }
  });
  for (size_t i = 0; i < columns.size(); ++i) {
    if (s.layout_columns[columns[i]].spec.type != parquet::ColumnType::kString) continue;
    // Codes into the values in first-seen order, as DatasetReader gives them.
    auto* codes = static_cast<int32_t*>(out[i].values);
    std::vector<int32_t> code_of(s.config.tickers.size(), -1);
    out[i].dictionary.clear();
    for (int64_t r = 0; r < rows; ++r) {
      int32_t& code = code_of[static_cast<size_t>(codes[r])];
      if (code < 0) {
        code = static_cast<int32_t>(out[i].dictionary.size());
        out[i].dictionary.push_back(s.config.tickers[static_cast<size_t>(codes[r])]);
      }
      codes[r] = code;
    }
  }
}

int64_t BarsDataset::CheckRows() const {
  constexpr int64_t kBlock = 65536;
  int64_t checked = 0;
  for (int64_t start = 0; start < num_rows(); start += kBlock) {
    const int64_t stop = std::min(num_rows(), start + kBlock);
    const std::vector<DatasetColumnData> columns = ReadRows(start, stop, {});
    // A cross-section's absent slot holds bar_index 0: only present slots are checked.
    const auto present = std::find_if(columns.begin(), columns.end(),
                                      [](const DatasetColumnData& c) { return c.name == "present"; });
    for (const DatasetColumnData& column : columns) {
      const auto fail = [&](size_t value, const std::string& what) {
        return DataError(fmt::format("{}: column '{}', row {}: {}", path().string(), column.name,
                                     start + static_cast<int64_t>(value) / column.width, what));
      };
      for (size_t v = 0; v < column.floats.size(); ++v) {
        if (!std::isfinite(column.floats[v])) throw fail(v, fmt::format("{} is not finite", column.floats[v]));
      }
      checked += static_cast<int64_t>(column.floats.size());
      if (column.name != "bar_index") continue;
      for (size_t r = 0; r < column.int64s.size(); ++r) {
        if (present != columns.end() && present->bools[r] == 0) continue;
        if (column.int64s[r] < state_->layout.window - 1) {
          throw fail(r, fmt::format("bar_index {} is below W - 1 = {}", column.int64s[r], state_->layout.window - 1));
        }
      }
    }
  }
  return checked;
}

int64_t BarsDataset::EpochSampleId(int64_t n, bool shuffle, uint64_t seed, int64_t position) {
  if (position < 0 || position >= n) {
    throw DataError(fmt::format("epoch position {} is not within [0, {})", position, n));
  }
  if (!shuffle || n < 2) return position;
  // A balanced Feistel network over [0, 2^(2*half)) >= n, with cycle walking:
  // a permutation of that range restricted to [0, n) is one of [0, n).
  int half = 1;
  while (2 * half < 62 && (uint64_t{1} << (2 * half)) < static_cast<uint64_t>(n)) ++half;
  const uint64_t mask = (uint64_t{1} << half) - 1;
  auto x = static_cast<uint64_t>(position);
  do {
    uint64_t left = x >> half, right = x & mask;
    for (uint64_t round = 0; round < 6; ++round) {
      const uint64_t f = Mix64(right ^ Mix64(seed + round * 0x9E3779B97F4A7C15ULL)) & mask;
      const uint64_t next = left ^ f;
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= static_cast<uint64_t>(n));
  return static_cast<int64_t>(x);
}

std::vector<int64_t> BarsDataset::EpochSampleIds(bool shuffle, uint64_t seed, int64_t begin, int64_t end) const {
  if (begin < 0 || end < begin || end > num_rows()) {
    throw DataError(fmt::format("{}: epoch positions [{}, {}) are not within its {} rows", path().string(), begin, end,
                                num_rows()));
  }
  std::vector<int64_t> ids(static_cast<size_t>(end - begin));
  for (size_t i = 0; i < ids.size(); ++i) {
    ids[i] = EpochSampleId(num_rows(), shuffle, seed, begin + static_cast<int64_t>(i));
  }
  return ids;
}

}  // namespace barforge
