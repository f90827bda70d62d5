#include "parquet/reader/column_chunk_reader.h"

#include <sys/mman.h>

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <optional>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/codec.h"
#include "parquet/reader/chunk_bytes.h"
#include "parquet/reader/raw_enum.h"
#include "parquet/reader/value_decoders.h"
#include "parquet/rle.h"
#include "parquet/thrift_io.h"

namespace barforge::parquet::reader {
namespace {

// Caps that keep a corrupt header from making the reader allocate absurd
// amounts: real writers stay far below both (pages of ~1 MiB, ~20k values).
constexpr int64_t kMaxPageValues = int64_t{64} << 20;
constexpr int64_t kMaxPageBytes = int64_t{512} << 20;

[[noreturn]] void Fail(std::string what) { throw ParquetError(std::move(what)); }

std::string EncodingName(int32_t encoding) {
  switch (encoding) {
    case format::Encoding::PLAIN: return "PLAIN";
    case format::Encoding::PLAIN_DICTIONARY: return "PLAIN_DICTIONARY";
    case format::Encoding::RLE: return "RLE";
    case format::Encoding::BIT_PACKED: return "BIT_PACKED";
    case format::Encoding::DELTA_BINARY_PACKED: return "DELTA_BINARY_PACKED";
    case format::Encoding::DELTA_LENGTH_BYTE_ARRAY: return "DELTA_LENGTH_BYTE_ARRAY";
    case format::Encoding::DELTA_BYTE_ARRAY: return "DELTA_BYTE_ARRAY";
    case format::Encoding::RLE_DICTIONARY: return "RLE_DICTIONARY";
    case format::Encoding::BYTE_STREAM_SPLIT: return "BYTE_STREAM_SPLIT";
  }
  return fmt::format("#{}", encoding);
}

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

struct Dictionary {
  bool present = false;
  size_t size = 0;
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  std::vector<float> f32;
  std::vector<double> f64;
  ByteValues bytes;
};

template <class T>
std::vector<T>& DictionaryValues(Dictionary& d) {
  if constexpr (std::is_same_v<T, int32_t>) return d.i32;
  if constexpr (std::is_same_v<T, int64_t>) return d.i64;
  if constexpr (std::is_same_v<T, float>) return d.f32;
  if constexpr (std::is_same_v<T, double>) return d.f64;
}

template <class T>
std::vector<T>& OutputValues(ColumnBuffer& b) {
  if constexpr (std::is_same_v<T, int32_t>) return b.int32s;
  if constexpr (std::is_same_v<T, int64_t>) return b.int64s;
  if constexpr (std::is_same_v<T, float>) return b.floats;
  if constexpr (std::is_same_v<T, double>) return b.doubles;
}

}  // namespace

// Decodes the pages of one chunk, appending to `out_`.
class ChunkDecoder {
 public:
  ChunkDecoder(const LeafColumn& leaf, Codec codec, int64_t num_values, ColumnBuffer& out)
      : leaf_(leaf), info_(leaf.info), codec_(codec), num_values_(num_values), out_(out) {}

  int64_t values_seen() const { return values_seen_; }
  int64_t rows_seen() const { return rows_; }

  // The caller took the first `rows` rows (`slots` slots) out of the
  // output: what follows is kept relative to what is left.
  void Consumed(int64_t rows, int64_t slots) {
    row_base_ += rows;
    slot_base_ += slots;
  }

  // Each page method takes the page's payload and, when it was decompressed
  // ahead (ColumnChunkDecoder::ReadAhead), that body in `ready`.
  void DictionaryPage(const format::PageHeader& header, std::span<const uint8_t> payload,
                      const std::vector<uint8_t>* ready) {
    if (!header.__isset.dictionary_page_header) Fail("dictionary page lacks its DictionaryPageHeader");
    if (dictionary_.present) Fail("second dictionary page in one column chunk");
    if (values_seen_ > 0) Fail("dictionary page after data pages");
    const format::DictionaryPageHeader& dict = header.dictionary_page_header;
    if (RawEnum(dict.encoding) != format::Encoding::PLAIN &&
        RawEnum(dict.encoding) != format::Encoding::PLAIN_DICTIONARY) {
      Fail(fmt::format("unsupported dictionary page encoding {}", EncodingName(RawEnum(dict.encoding))));
    }
    CheckCount(dict.num_values, "dictionary page num_values");
    const std::span<const uint8_t> data = Decompress(payload, header.uncompressed_page_size, true, ready);
    const auto n = static_cast<size_t>(dict.num_values);
    switch (info_.physical_type) {
      case PhysicalType::kBoolean:
      case PhysicalType::kInt32: DecodeFixed<int32_t>(format::Encoding::PLAIN, data, n, dictionary_.i32); break;
      case PhysicalType::kInt64:
      case PhysicalType::kInt96: DecodeFixed<int64_t>(format::Encoding::PLAIN, data, n, dictionary_.i64); break;
      case PhysicalType::kFloat: DecodeFixed<float>(format::Encoding::PLAIN, data, n, dictionary_.f32); break;
      case PhysicalType::kDouble: DecodeFixed<double>(format::Encoding::PLAIN, data, n, dictionary_.f64); break;
      case PhysicalType::kByteArray:
      case PhysicalType::kFixedLenByteArray: DecodeBytes(format::Encoding::PLAIN, data, n, dictionary_.bytes); break;
    }
    dictionary_.present = true;
    dictionary_.size = n;
  }

  void DataPageV1(const format::PageHeader& header, std::span<const uint8_t> payload,
                  const std::vector<uint8_t>* ready) {
    if (!header.__isset.data_page_header) Fail("data page lacks its DataPageHeader");
    const format::DataPageHeader& page = header.data_page_header;
    const size_t n = StartPage(page.num_values);
    const std::span<const uint8_t> data = Decompress(payload, header.uncompressed_page_size, true, ready);
    size_t pos = 0;
    std::span<const uint8_t> rep_bytes;
    std::span<const uint8_t> def_bytes;
    if (info_.max_repetition_level > 0) {
      CheckLevelEncoding(RawEnum(page.repetition_level_encoding), "repetition");
      rep_bytes = PrefixedLevels(data.subspan(pos), "repetition");
      pos += 4 + rep_bytes.size();
    }
    if (info_.max_definition_level > 0) {
      CheckLevelEncoding(RawEnum(page.definition_level_encoding), "definition");
      def_bytes = PrefixedLevels(data.subspan(pos), "definition");
      pos += 4 + def_bytes.size();
    }
    Levels(rep_bytes, def_bytes, n);
    Values(RawEnum(page.encoding), data.subspan(pos), n);
  }

  void DataPageV2(const format::PageHeader& header, std::span<const uint8_t> payload,
                  const std::vector<uint8_t>* ready) {
    if (!header.__isset.data_page_header_v2) Fail("data page v2 lacks its DataPageHeaderV2");
    const format::DataPageHeaderV2& page = header.data_page_header_v2;
    const size_t n = StartPage(page.num_values);
    const int64_t rep_length = page.repetition_levels_byte_length;
    const int64_t def_length = page.definition_levels_byte_length;
    if (rep_length < 0 || def_length < 0 || rep_length + def_length > static_cast<int64_t>(payload.size()) ||
        rep_length + def_length > header.uncompressed_page_size) {
      Fail(fmt::format("level lengths {} + {} exceed the page size {}", rep_length, def_length, payload.size()));
    }
    const auto rep_bytes = payload.subspan(0, static_cast<size_t>(rep_length));
    const auto def_bytes = payload.subspan(static_cast<size_t>(rep_length), static_cast<size_t>(def_length));
    Levels(rep_bytes, def_bytes, n);
    // Only the values section is compressed, and only if is_compressed.
    const bool compressed = !page.__isset.is_compressed || page.is_compressed;
    const auto values = Decompress(payload.subspan(static_cast<size_t>(rep_length + def_length)),
                                   header.uncompressed_page_size - rep_length - def_length, compressed, ready);
    Values(RawEnum(page.encoding), values, n);
  }

  void Finish(int64_t row_group_rows) {
    if (info_.max_repetition_level > 0) out_.list_offsets.push_back(Slot());
    PadValidity();
    if (rows_ != row_group_rows) {
      Fail(fmt::format("column chunk holds {} rows, the row group {}", rows_, row_group_rows));
    }
  }

 private:
  static void CheckCount(int64_t count, const char* what) {
    if (count < 0 || count > kMaxPageValues) {
      Fail(fmt::format("{} {} is out of range [0, {}]", what, count, kMaxPageValues));
    }
  }

  size_t StartPage(int32_t num_values) {
    CheckCount(num_values, "page num_values");
    if (num_values > num_values_ - values_seen_) {
      Fail(fmt::format("page holds {} values, more than the {} the column chunk's num_values leaves", num_values,
                       num_values_ - values_seen_));
    }
    values_seen_ += num_values;
    return static_cast<size_t>(num_values);
  }

  static void CheckLevelEncoding(int32_t encoding, const char* what) {
    if (encoding != format::Encoding::RLE) {
      Fail(fmt::format("unsupported {} level encoding {}", what, EncodingName(encoding)));
    }
  }

  // The levels of a v1 page: a 4-byte length, then that many bytes.
  static std::span<const uint8_t> PrefixedLevels(std::span<const uint8_t> data, const char* what) {
    if (data.size() < 4) Fail(fmt::format("{} levels: page ends before their length", what));
    const uint32_t length = LoadU32(data.data());
    if (length > data.size() - 4) {
      Fail(fmt::format("{} levels claim {} bytes, the page has {}", what, length, data.size() - 4));
    }
    return data.subspan(4, length);
  }

  // Reads a page's levels. A page whose definition levels are all the
  // maximum (no null and no empty list: every page barforge writes) is
  // dense: its values go straight to the output, and its rows and list
  // offsets come from the runs of its repetition levels, one step per run
  // rather than per value. Other pages are decoded level by level for
  // Scatter.
  void Levels(std::span<const uint8_t> rep_bytes, std::span<const uint8_t> def_bytes, size_t n) {
    dense_ = info_.max_definition_level == 0 || AllDefinedAtMaximum(def_bytes, n);
    if (!dense_) {
      if (info_.max_repetition_level > 0) {
        DecodeLevels(rep_bytes, n, info_.max_repetition_level, rep_, "repetition");
      }
      DecodeLevels(def_bytes, n, info_.max_definition_level, def_, "definition");
      return;
    }
    if (info_.max_repetition_level == 0) {
      rows_ += static_cast<int64_t>(n);
      slots_ += static_cast<int64_t>(n);
    } else {
      DenseRows(rep_bytes, n);
    }
    // Validity is kept only once a null has been seen; then it covers all.
    PadValidity();
  }

  bool AllDefinedAtMaximum(std::span<const uint8_t> def_bytes, size_t n) {
    const auto max_def = static_cast<uint32_t>(info_.max_definition_level);
    RleBitPackedDecoder decoder(def_bytes.data(), def_bytes.size(), BitWidth(max_def));
    bool all = true;
    try {
      decoder.DecodeRuns(n, [&](uint32_t level, size_t) { all = all && level == max_def; });
    } catch (const ParquetError& e) {
      Fail(fmt::format("definition levels: {}", e.what()));
    }
    return all;
  }

  // Rows and list offsets of a dense page of a list column.
  void DenseRows(std::span<const uint8_t> rep_bytes, size_t n) {
    const auto max_rep = static_cast<uint32_t>(info_.max_repetition_level);
    RleBitPackedDecoder decoder(rep_bytes.data(), rep_bytes.size(), BitWidth(max_rep));
    std::string error;  // the first bad level; the walk goes on to the end
    size_t value = 0;
    try {
      decoder.DecodeRuns(n, [&](uint32_t level, size_t count) {
        value += count;
        if (!error.empty()) return;
        if (level > max_rep) {
          error = fmt::format("repetition level {} of value {} exceeds the maximum {}", level, value - count, max_rep);
        } else if (level == 0) {
          for (size_t k = 0; k < count; ++k) out_.list_offsets.push_back(Slot() + static_cast<int64_t>(k));
          rows_ += static_cast<int64_t>(count);
        } else if (rows_ == 0) {
          error = fmt::format("the column chunk's first value continues a row (repetition level {})", level);
        }
        slots_ += static_cast<int64_t>(count);
      });
    } catch (const ParquetError& e) {
      Fail(fmt::format("repetition levels: {}", e.what()));
    }
    if (!error.empty()) Fail(error);
  }

  void PadValidity() {
    if (!out_.valid.empty()) out_.valid.resize(static_cast<size_t>(Slot()), 1);
    if (!out_.list_valid.empty()) out_.list_valid.resize(static_cast<size_t>(Row()), 1);
  }

  static void DecodeLevels(std::span<const uint8_t> data, size_t n, int max_level, std::vector<uint32_t>& out,
                           const char* what) {
    out.resize(n);
    RleBitPackedDecoder decoder(data.data(), data.size(), BitWidth(static_cast<uint64_t>(max_level)));
    try {
      decoder.Decode(out.data(), n);
    } catch (const ParquetError& e) {
      Fail(fmt::format("{} levels: {}", what, e.what()));
    }
    for (size_t i = 0; i < n; ++i) {
      if (out[i] > static_cast<uint32_t>(max_level)) {
        Fail(fmt::format("{} level {} of value {} exceeds the maximum {}", what, out[i], i, max_level));
      }
    }
  }

  std::span<const uint8_t> Decompress(std::span<const uint8_t> input, int64_t uncompressed_size, bool compressed,
                                      const std::vector<uint8_t>* ready) {
    if (uncompressed_size < 0 || uncompressed_size > kMaxPageBytes) {
      Fail(fmt::format("uncompressed page size {} is out of range", uncompressed_size));
    }
    const auto size = static_cast<size_t>(uncompressed_size);
    if (!compressed || codec_ == Codec::kUncompressed || (size == 0 && input.empty())) {
      if (input.size() != size) {
        Fail(fmt::format("uncompressed page holds {} bytes, its header says {}", input.size(), size));
      }
      return input;
    }
    if (ready != nullptr) return *ready;  // of this size: DecompressPage checks
    scratch_.resize(size);
    DecompressPage(codec_, input, scratch_);
    return scratch_;
  }

  // Decodes the non-null values of a page and spreads them over its slots.
  void Values(int32_t encoding, std::span<const uint8_t> data, size_t n) {
    size_t present = n;
    if (!dense_) {
      const auto max_def = static_cast<uint32_t>(info_.max_definition_level);
      present = static_cast<size_t>(std::count(def_.begin(), def_.begin() + static_cast<std::ptrdiff_t>(n), max_def));
    }
    switch (info_.physical_type) {
      case PhysicalType::kBoolean:
      case PhysicalType::kInt32: Typed<int32_t>(encoding, data, n, present); break;
      case PhysicalType::kInt64:
      case PhysicalType::kInt96: Typed<int64_t>(encoding, data, n, present); break;
      case PhysicalType::kFloat: Typed<float>(encoding, data, n, present); break;
      case PhysicalType::kDouble: Typed<double>(encoding, data, n, present); break;
      case PhysicalType::kByteArray:
      case PhysicalType::kFixedLenByteArray: {
        ByteValues values;
        DecodeBytes(encoding, data, present, values);
        if (out_.string_offsets.empty()) out_.string_offsets.push_back(0);
        if (dense_) {
          const auto base = static_cast<int64_t>(out_.string_bytes.size());
          out_.string_bytes.insert(out_.string_bytes.end(), values.bytes.begin(), values.bytes.end());
          for (size_t k = 1; k < values.offsets.size(); ++k) out_.string_offsets.push_back(base + values.offsets[k]);
          break;
        }
        size_t k = 0;
        Scatter(n, [&](bool is_present) {
          if (is_present) {
            out_.string_bytes.insert(out_.string_bytes.end(), values.bytes.data() + values.offsets[k],
                                     values.bytes.data() + values.offsets[k + 1]);
            ++k;
          }
          out_.string_offsets.push_back(static_cast<int64_t>(out_.string_bytes.size()));
        });
        break;
      }
    }
  }

  template <class T>
  void Typed(int32_t encoding, std::span<const uint8_t> data, size_t n, size_t present) {
    std::vector<T>& out = OutputValues<T>(out_);
    if (dense_) return DecodeFixed<T>(encoding, data, n, out);
    std::vector<T> values;
    DecodeFixed<T>(encoding, data, present, values);
    size_t k = 0;
    Scatter(n, [&](bool is_present) { out.push_back(is_present ? values[k++] : T{}); });
  }

  // Walks the levels of a page that is not dense, calling push(present) for
  // each value slot and maintaining rows, list offsets and validity.
  template <class Push>
  void Scatter(size_t n, Push&& push) {
    const auto max_def = static_cast<uint32_t>(info_.max_definition_level);
    const bool lists = info_.max_repetition_level > 0;
    const auto repeated_def = static_cast<uint32_t>(leaf_.repeated_definition_level);
    const bool element_nullable = lists ? max_def > repeated_def : max_def > 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t def = max_def > 0 ? def_[i] : 0;
      if (lists) {
        if (rep_[i] == 0) {
          out_.list_offsets.push_back(Slot());
          const bool list_present = def + 1 >= repeated_def;
          if (!list_present || !out_.list_valid.empty()) {
            out_.list_valid.resize(static_cast<size_t>(Row()), 1);
            out_.list_valid.push_back(list_present ? 1 : 0);
          }
          ++rows_;
        } else if (rows_ == 0) {
          Fail(fmt::format("the column chunk's first value continues a row (repetition level {})", rep_[i]));
        }
        if (def < repeated_def) continue;  // null or empty list: no slot
      } else {
        ++rows_;
      }
      const bool is_present = def == max_def;
      push(is_present);
      if (element_nullable && (!is_present || !out_.valid.empty())) {
        out_.valid.resize(static_cast<size_t>(Slot()), 1);
        out_.valid.push_back(is_present ? 1 : 0);
      }
      ++slots_;
    }
  }

  template <class T>
  void DecodeFixed(int32_t encoding, std::span<const uint8_t> data, size_t n, std::vector<T>& out) {
    const PhysicalType type = info_.physical_type;
    const bool is_bool = type == PhysicalType::kBoolean;
    const bool is_int96 = type == PhysicalType::kInt96;
    switch (encoding) {
      case format::Encoding::PLAIN:
        if constexpr (std::is_same_v<T, int32_t>) {
          if (is_bool) return DecodePlainBoolean(data, n, out);
        }
        if constexpr (std::is_same_v<T, int64_t>) {
          if (is_int96) return DecodePlainInt96(data, n, out);
        }
        return DecodePlainFixed<T>(data, n, out);
      case format::Encoding::RLE:
        if constexpr (std::is_same_v<T, int32_t>) {
          if (is_bool) return DecodeRleBoolean(data, n, out);
        }
        break;
      case format::Encoding::PLAIN_DICTIONARY:
      case format::Encoding::RLE_DICTIONARY: {
        if (!dictionary_.present) Fail("dictionary-encoded page in a column chunk without a dictionary page");
        std::vector<uint32_t> indices;
        DecodeDictionaryIndices(data, n, dictionary_.size, indices);
        const std::vector<T>& dict = DictionaryValues<T>(dictionary_);
        ReserveMore(out, n);
        for (uint32_t index : indices) out.push_back(dict[index]);
        return;
      }
      case format::Encoding::BYTE_STREAM_SPLIT:
        if (!is_bool && !is_int96) return DecodeByteStreamSplit<T>(data, n, out);
        break;
      case format::Encoding::DELTA_BINARY_PACKED:
        if constexpr (std::is_integral_v<T>) {
          if (!is_bool && !is_int96) {
            DecodeDeltaBinaryPacked<T>(data, n, out);
            return;
          }
        }
        break;
      default: break;
    }
    Fail(fmt::format("unsupported encoding {} for {}", EncodingName(encoding), PhysicalTypeName(type)));
  }

  void DecodeBytes(int32_t encoding, std::span<const uint8_t> data, size_t n, ByteValues& out) {
    const bool fixed = info_.physical_type == PhysicalType::kFixedLenByteArray;
    switch (encoding) {
      case format::Encoding::PLAIN:
        if (fixed) return DecodePlainFixedLenByteArray(data, n, leaf_.type_length, out);
        return DecodePlainByteArray(data, n, out);
      case format::Encoding::PLAIN_DICTIONARY:
      case format::Encoding::RLE_DICTIONARY: {
        if (!dictionary_.present) Fail("dictionary-encoded page in a column chunk without a dictionary page");
        std::vector<uint32_t> indices;
        DecodeDictionaryIndices(data, n, dictionary_.size, indices);
        const ByteValues& dict = dictionary_.bytes;
        ReserveMore(out.offsets, n);
        for (uint32_t index : indices) {
          out.bytes.insert(out.bytes.end(), dict.bytes.data() + dict.offsets[index],
                           dict.bytes.data() + dict.offsets[index + 1]);
          out.offsets.push_back(static_cast<int64_t>(out.bytes.size()));
        }
        return;
      }
      case format::Encoding::DELTA_LENGTH_BYTE_ARRAY:
        if (!fixed) return DecodeDeltaLengthByteArray(data, n, out);
        break;
      case format::Encoding::DELTA_BYTE_ARRAY: return DecodeDeltaByteArray(data, n, out);
      default: break;
    }
    Fail(fmt::format("unsupported encoding {} for {}", EncodingName(encoding), PhysicalTypeName(info_.physical_type)));
  }

  const LeafColumn& leaf_;
  const ColumnInfo& info_;
  Codec codec_;
  int64_t num_values_;
  ColumnBuffer& out_;
  Dictionary dictionary_;
  std::vector<uint32_t> def_;
  std::vector<uint32_t> rep_;
  std::vector<uint8_t> scratch_;
  bool dense_ = false;  // the current page: see Levels
  int64_t values_seen_ = 0;
  int64_t rows_ = 0;   // rows started in the chunk
  int64_t slots_ = 0;  // value slots in the chunk
  int64_t row_base_ = 0;   // rows taken out of out_ (Consumed)
  int64_t slot_base_ = 0;  // slots taken out of out_
  // Positions in out_ of the next row and slot.
  int64_t Row() const { return rows_ - row_base_; }
  int64_t Slot() const { return slots_ - slot_base_; }
};

namespace {

// Parses the page header at chunk offset `pos` into `header` and returns its
// size. Headers are tens of bytes (statistics can add some): parsing starts
// on the next 64 KiB of the chunk and looks further only if that is not
// enough.
size_t ReadPageHeader(ChunkBytes& bytes, uint64_t pos, format::PageHeader& header) {
  constexpr uint64_t kFirstLook = uint64_t{64} << 10;
  const uint64_t left = bytes.size() - pos;
  uint64_t look = std::min(left, kFirstLook);
  while (true) {
    const std::span<const uint8_t> span = bytes.Get(pos, look);
    header = format::PageHeader();
    try {
      return ReadThrift(span.data(), span.size(), &header, "page header");
    } catch (const ParquetError&) {
      if (look == left) throw;
      look = std::min(left, look * 16);
    }
  }
}

// Asks for transparent huge pages over a large, untouched buffer: filling a
// column of hundreds of MB then takes one page fault per 2 MiB instead of
// one per 4 KiB, which otherwise costs as much as decompressing it.
void AdviseHugePages(void* data, size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  const auto begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a hint: failure is fine
}

// Reserves the value vector a chunk of `num_values` fills (of `rows` rows),
// so that it is allocated once rather than regrown (each regrowth copies,
// and faults in fresh pages). num_values comes from the file: the hint is
// skipped when it claims more than 64 bytes of values per byte of the
// chunk.
void ReserveValues(ColumnBuffer& out, int64_t num_values, int64_t rows, uint64_t chunk_bytes) {
  const auto reserve = [&](auto& values) {
    // A flat column has one value per row.
    const auto n = static_cast<uint64_t>(out.info.max_repetition_level > 0 ? num_values : std::min(num_values, rows));
    using T = typename std::remove_reference_t<decltype(values)>::value_type;
    if (n <= chunk_bytes * 64 / sizeof(T)) {
      values.reserve(static_cast<size_t>(n));
      AdviseHugePages(values.data(), values.capacity() * sizeof(T));
    }
  };
  switch (out.info.physical_type) {
    case PhysicalType::kBoolean:
    case PhysicalType::kInt32: reserve(out.int32s); break;
    case PhysicalType::kInt64:
    case PhysicalType::kInt96: reserve(out.int64s); break;
    case PhysicalType::kFloat: reserve(out.floats); break;
    case PhysicalType::kDouble: reserve(out.doubles); break;
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: break;
  }
}

}  // namespace

ColumnChunkDecoder::ColumnChunkDecoder(const FileSource& file, uint64_t data_end, const LeafColumn& leaf,
                                       const format::ColumnMetaData& meta, int64_t row_group_rows,
                                       std::string context, ColumnBuffer& out)
    : num_values_(meta.num_values), row_group_rows_(row_group_rows), context_(std::move(context)) {
  out.int32s.clear();
  out.int64s.clear();
  out.floats.clear();
  out.doubles.clear();
  out.string_offsets.clear();
  out.string_bytes.clear();
  out.valid.clear();
  out.list_offsets.clear();
  out.list_valid.clear();
  out.info = leaf.info;
  out.num_rows = 0;
  if (leaf.info.physical_type == PhysicalType::kByteArray || leaf.info.physical_type == PhysicalType::kFixedLenByteArray) {
    out.string_offsets.push_back(0);
  }
  if (leaf.info.max_repetition_level > 1) {
    throw ParquetError(fmt::format("{}: nested column with repetition level {} is not supported", context_,
                                   leaf.info.max_repetition_level));
  }
  if (meta.num_values < 0) {
    throw ParquetError(fmt::format("{}: negative num_values {}", context_, meta.num_values));
  }
  begin_ = meta.data_page_offset;
  if (meta.__isset.dictionary_page_offset && meta.dictionary_page_offset > 0 &&
      meta.dictionary_page_offset < begin_) {
    begin_ = meta.dictionary_page_offset;
  }
  const int64_t length = meta.total_compressed_size;
  if (begin_ < 4 || length < 0 || static_cast<uint64_t>(begin_) > data_end ||
      static_cast<uint64_t>(length) > data_end - static_cast<uint64_t>(begin_)) {
    throw ParquetError(fmt::format(
        "{}: column chunk at byte offset {} of {} bytes lies outside the file's data (which ends at byte {})", context_,
        begin_, length, data_end));
  }
  if (meta.data_page_offset < begin_ || meta.data_page_offset - begin_ >= std::max<int64_t>(length, 1)) {
    throw ParquetError(fmt::format("{}: data_page_offset {} lies outside the column chunk [{}, {})", context_,
                                   meta.data_page_offset, begin_, begin_ + length));
  }
  if (meta.num_values > 0 && length == 0) {
    throw ParquetError(fmt::format("{}: column chunk of {} values has no bytes", context_, meta.num_values));
  }
  bytes_ = std::make_unique<ChunkBytes>(file, static_cast<uint64_t>(begin_), static_cast<uint64_t>(length));
  codec_ = static_cast<Codec>(RawEnum(meta.codec));
  decoder_ = std::make_unique<ChunkDecoder>(leaf, codec_, meta.num_values, out);
}

namespace {

// What ReadAhead gathers at most before decompressing the lot in parallel:
// a few pages of the ~1 MiB writers use, so that one large column (a
// window's prices) keeps every core busy. Their sizes count as the headers
// claim them once decompressed, and a page claiming more than
// kLargestPageAhead is decompressed only in its turn (as before reading
// ahead), so that hostile headers cannot make the read ahead allocate more
// than a few such pages at once.
constexpr size_t kPagesAhead = 4;
constexpr size_t kBytesAhead = size_t{4} << 20;
constexpr size_t kLargestPageAhead = size_t{16} << 20;

// The part of a page that is compressed and its size once decompressed, or
// nothing when the page is stored as is or its header is inconsistent (the
// page's own decoding then reports that).
std::optional<std::pair<std::span<const uint8_t>, size_t>> CompressedPart(const format::PageHeader& header,
                                                                          std::span<const uint8_t> payload,
                                                                          Codec codec) {
  if (codec == Codec::kUncompressed || header.uncompressed_page_size < 0 ||
      header.uncompressed_page_size > kMaxPageBytes) {
    return std::nullopt;
  }
  const auto size = static_cast<size_t>(header.uncompressed_page_size);
  switch (RawEnum(header.type)) {
    case format::PageType::DICTIONARY_PAGE:
    case format::PageType::DATA_PAGE:
      return std::make_pair(payload, size);
    case format::PageType::DATA_PAGE_V2: {
      const format::DataPageHeaderV2& page = header.data_page_header_v2;
      if (!header.__isset.data_page_header_v2 || (page.__isset.is_compressed && !page.is_compressed)) break;
      const int64_t levels = int64_t{page.repetition_levels_byte_length} + page.definition_levels_byte_length;
      if (page.repetition_levels_byte_length < 0 || page.definition_levels_byte_length < 0 ||
          levels > static_cast<int64_t>(payload.size()) || levels > header.uncompressed_page_size) {
        break;
      }
      return std::make_pair(payload.subspan(static_cast<size_t>(levels)), size - static_cast<size_t>(levels));
    }
    default:
      break;
  }
  return std::nullopt;
}

// Values a data page claims, to know when the chunk's data pages end.
int64_t PageValues(const format::PageHeader& header) {
  switch (RawEnum(header.type)) {
    case format::PageType::DATA_PAGE: return std::max(header.data_page_header.num_values, 0);
    case format::PageType::DATA_PAGE_V2: return std::max(header.data_page_header_v2.num_values, 0);
    default: return 0;
  }
}

}  // namespace

void ColumnChunkDecoder::ReadAhead(Batch& batch) {
  ChunkBytes& bytes = *bytes_;
  batch.count = 0;
  batch.error = nullptr;
  size_t page_bytes = 0;
  while (batch.count < kPagesAhead && page_bytes < kBytesAhead && values_ahead_ < num_values_ &&
         pos_ < bytes.size()) {
    format::PageHeader header;
    try {
      const size_t header_size = ReadPageHeader(bytes, pos_, header);
      const uint64_t left = bytes.size() - pos_ - header_size;
      if (header.compressed_page_size < 0 || static_cast<uint64_t>(header.compressed_page_size) > left) {
        throw ParquetError(fmt::format("page of {} bytes runs past the end of the column chunk ({} bytes left)",
                                       header.compressed_page_size, left));
      }
      if (batch.pages.size() == batch.count) batch.pages.emplace_back();
      PageAhead& page = batch.pages[batch.count];
      page.payload.resize(static_cast<size_t>(header.compressed_page_size));
      bytes.CopyTo(pos_ + header_size, page.payload);
      page.offset = static_cast<uint64_t>(begin_) + pos_;
      page.header = std::move(header);
      page.decompressed = false;
      ++batch.count;
      values_ahead_ += PageValues(page.header);
      page_bytes += std::max(page.payload.size(),
                                static_cast<size_t>(std::max(page.header.uncompressed_page_size, 0)));
      pos_ += header_size + page.payload.size();
    } catch (...) {
      // Raised once the pages before this one are decoded; pos_ stays here,
      // so nothing after it is read.
      batch.error = std::current_exception();
      batch.error_offset = static_cast<uint64_t>(begin_) + pos_;
      break;
    }
  }
  // Decompressing is most of the work: the pages' bodies in parallel. A page
  // that fails here is decompressed again when its turn comes, which then
  // reports the error in order.
  tbb::parallel_for(size_t{0}, batch.count, [&](size_t i) {
    PageAhead& page = batch.pages[i];
    const auto part = CompressedPart(page.header, page.payload, codec_);
    if (!part || part->second > kLargestPageAhead) return;
    try {
      page.body.resize(part->second);
      DecompressPage(codec_, part->first, page.body);
      page.decompressed = true;
    } catch (const ParquetError&) {
    }
  });
}

void ColumnChunkDecoder::StartReadAhead() {
  Batch& next = batches_[1 - current_];
  next.count = 0;
  next.error = nullptr;
  // A batch that stopped at an error is the last: nothing after it is read.
  if (batches_[current_].error || values_ahead_ >= num_values_ || pos_ >= bytes_->size()) return;
  reading_ = true;
  reader_.run([this, &next] { ReadAhead(next); });
}

void ColumnChunkDecoder::TakeReadAhead() {
  if (reading_) {
    reader_.wait();
    reading_ = false;
  } else {
    ReadAhead(batches_[1 - current_]);  // the first batch
  }
  current_ = 1 - current_;
  next_page_ = 0;
}

ColumnChunkDecoder::~ColumnChunkDecoder() {
  try {
    reader_.wait();
  } catch (...) {  // ReadAhead keeps its errors in its batch: nothing is lost
  }
}

bool ColumnChunkDecoder::NextPage() {
  if (finished_) return false;
  ChunkDecoder& decoder = *decoder_;
  const int64_t values_before = decoder.values_seen();
  // Dictionary and index pages hold no values: go on to the next data page.
  while (decoder.values_seen() < num_values_ && decoder.values_seen() == values_before) {
    if (next_page_ == batches_[current_].count) {
      // A batch's error comes once the pages before it are decoded.
      if (!batches_[current_].error) TakeReadAhead();
      const Batch& batch = batches_[current_];
      if (batch.count == 0 || next_page_ == batch.count) {
        if (batch.error) {
          try {
            std::rethrow_exception(batch.error);
          } catch (const ParquetError& e) {
            throw ParquetError(fmt::format("{}, page at byte offset {}: {}", context_, batch.error_offset, e.what()));
          }
        }
        throw ParquetError(fmt::format("{}: column chunk ends at byte offset {} after {} of its {} values", context_,
                                       static_cast<uint64_t>(begin_) + pos_, decoder.values_seen(), num_values_));
      }
      StartReadAhead();
    }
    const PageAhead& page = batches_[current_].pages[next_page_++];
    const std::vector<uint8_t>* ready = page.decompressed ? &page.body : nullptr;
    try {
      switch (RawEnum(page.header.type)) {
        case format::PageType::DICTIONARY_PAGE: decoder.DictionaryPage(page.header, page.payload, ready); break;
        case format::PageType::DATA_PAGE: decoder.DataPageV1(page.header, page.payload, ready); break;
        case format::PageType::DATA_PAGE_V2: decoder.DataPageV2(page.header, page.payload, ready); break;
        default: break;  // index pages and unknown page types: skipped by size
      }
    } catch (const ParquetError& e) {
      throw ParquetError(fmt::format("{}, page at byte offset {}: {}", context_, page.offset, e.what()));
    }
  }
  if (decoder.values_seen() == num_values_) {
    try {
      decoder.Finish(row_group_rows_);
    } catch (const ParquetError& e) {
      throw ParquetError(fmt::format("{}: {}", context_, e.what()));
    }
    finished_ = true;
  }
  return true;
}

void ColumnChunkDecoder::Consumed(int64_t rows, int64_t slots) { decoder_->Consumed(rows, slots); }

void DropAllValid(ColumnBuffer& buffer) {
  const auto all_set = [](const std::vector<uint8_t>& v) {
    return std::all_of(v.begin(), v.end(), [](uint8_t b) { return b != 0; });
  };
  if (all_set(buffer.valid)) buffer.valid.clear();
  if (all_set(buffer.list_valid)) buffer.list_valid.clear();
}

ColumnBuffer ReadColumnChunkData(const FileSource& file, uint64_t data_end, const LeafColumn& leaf,
                                 const format::ColumnMetaData& meta, int64_t row_group_rows,
                                 const std::string& context, ColumnBuffer reuse) {
  ColumnBuffer out = std::move(reuse);
  ColumnChunkDecoder decoder(file, data_end, leaf, meta, row_group_rows, context, out);
  ReserveValues(out, meta.num_values, row_group_rows, static_cast<uint64_t>(meta.total_compressed_size));  // checked >= 0
  while (decoder.NextPage()) {
  }
  return out;
}

}  // namespace barforge::parquet::reader
