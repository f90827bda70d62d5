#include "parquet/reader/page_decoder.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/enum_names.h"
#include "parquet/reader/raw_enum.h"
#include "parquet/reader/value_decoders.h"
#include "parquet/rle.h"

namespace barforge::parquet::reader {
namespace {

// Caps that keep a corrupt header from making the reader allocate absurd
// amounts: real writers stay far below it (pages of ~20k values).
constexpr int64_t kMaxPageValues = int64_t{64} << 20;

[[noreturn]] void Fail(std::string what) { throw ParquetError(std::move(what)); }

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
class PageDecoder::Impl {
 public:
  Impl(const LeafColumn& leaf, Codec codec, int64_t num_values, ColumnBuffer& out)
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
  // ahead (page_read_ahead), that body in `ready`.
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

PageDecoder::PageDecoder(const LeafColumn& leaf, Codec codec, int64_t num_values, ColumnBuffer& out)
    : impl_(std::make_unique<Impl>(leaf, codec, num_values, out)) {}
PageDecoder::~PageDecoder() = default;

int64_t PageDecoder::values_seen() const { return impl_->values_seen(); }

void PageDecoder::Decode(const format::PageHeader& header, std::span<const uint8_t> payload,
                         const std::vector<uint8_t>* ready) {
  switch (RawEnum(header.type)) {
    case format::PageType::DICTIONARY_PAGE: impl_->DictionaryPage(header, payload, ready); break;
    case format::PageType::DATA_PAGE: impl_->DataPageV1(header, payload, ready); break;
    case format::PageType::DATA_PAGE_V2: impl_->DataPageV2(header, payload, ready); break;
    default: break;  // index pages (and types the format does not define, read as index pages): skipped by size
  }
}

void PageDecoder::Finish(int64_t row_group_rows) { impl_->Finish(row_group_rows); }
void PageDecoder::Consumed(int64_t rows, int64_t slots) { impl_->Consumed(rows, slots); }

}  // namespace barforge::parquet::reader
