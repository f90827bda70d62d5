// String columns: RLE_DICTIONARY (a PLAIN dictionary page, then bit-packed
// indices) when that is smaller than PLAIN, else PLAIN; statistics in
// byte-wise order.

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/rle.h"
#include "parquet/writer/column_chunk_encoder.h"

namespace barforge::parquet {

namespace {

class StringEncoder final : public ColumnChunkEncoder {
 public:
  StringEncoder(const ColumnSpec& column, const ColumnValues& values, int64_t num_rows, const WriterOptions& options)
      : ColumnChunkEncoder(column, num_rows, 1, options), values_(values) {
    Plan();
  }

 private:
  bool has_dictionary() const override { return use_dictionary_; }

  format::Encoding::type ValueEncoding() const override {
    return use_dictionary_ ? format::Encoding::RLE_DICTIONARY : format::Encoding::PLAIN;
  }

  // The dictionary page itself is PLAIN.
  std::vector<format::Encoding::type> Encodings() const override {
    if (use_dictionary_) return {format::Encoding::PLAIN, format::Encoding::RLE_DICTIONARY};
    return {format::Encoding::PLAIN};
  }

  format::Statistics Statistics(const ValueRange&) const override {
    return StringStatistics(has_string_stats_, string_min_, string_max_);
  }

  std::string_view StringAt(int64_t row) const {
    if (const auto* views = std::get_if<std::span<const std::string_view>>(&values_)) {
      return (*views)[static_cast<size_t>(row)];
    }
    const auto& dict = std::get<DictionaryStrings>(values_);
    return dict.dictionary[static_cast<size_t>(dict.indices[static_cast<size_t>(row)])];
  }

  void Plan() {
    const auto rows = static_cast<size_t>(num_rows_);
    int64_t plain_bytes = 0;
    if (const auto* dict = std::get_if<DictionaryStrings>(&values_)) {
      ExpectCount(column_, dict->indices.size(), num_rows_);
      // Renumber the entries actually used, in order of first use, so the
      // dictionary page holds no unused entries.
      std::vector<int64_t> renumbered(dict->dictionary.size(), -1);
      dictionary_index_.resize(rows);
      for (size_t r = 0; r < rows; ++r) {
        const int32_t index = dict->indices[r];
        if (index < 0 || static_cast<size_t>(index) >= dict->dictionary.size()) {
          throw ParquetUsageError(fmt::format(
              "parquet writer: column '{}', row {}: dictionary index {} is out of range", column_.name, r, index));
        }
        int64_t& slot = renumbered[static_cast<size_t>(index)];
        if (slot < 0) {
          slot = static_cast<int64_t>(dictionary_.size());
          dictionary_.push_back(dict->dictionary[static_cast<size_t>(index)]);
        }
        dictionary_index_[r] = static_cast<uint32_t>(slot);
        plain_bytes += 4 + static_cast<int64_t>(dict->dictionary[static_cast<size_t>(index)].size());
      }
    } else {
      const auto views = ExpectValues<std::string_view>(column_, values_, "string");
      ExpectCount(column_, views.size(), num_rows_);
      std::unordered_map<std::string_view, uint32_t> lookup;
      dictionary_index_.resize(rows);
      for (size_t r = 0; r < rows; ++r) {
        plain_bytes += 4 + static_cast<int64_t>(views[r].size());
        if (dictionary_index_.empty()) continue;
        const auto [it, inserted] = lookup.emplace(views[r], static_cast<uint32_t>(dictionary_.size()));
        if (inserted) dictionary_.push_back(views[r]);
        dictionary_index_[r] = it->second;
        // Mostly distinct values: a dictionary cannot win, stop building it.
        if (dictionary_.size() > rows / 2 + 16) {
          dictionary_.clear();
          dictionary_index_.clear();
        }
      }
    }
    if (!dictionary_index_.empty() || num_rows_ == 0) {
      dictionary_bit_width_ = BitWidth(dictionary_.empty() ? 0 : dictionary_.size() - 1);
      int64_t dictionary_bytes = num_rows_ * dictionary_bit_width_ / 8 + 16;
      for (std::string_view entry : dictionary_) dictionary_bytes += 4 + static_cast<int64_t>(entry.size());
      use_dictionary_ = num_rows_ > 0 && dictionary_bytes < plain_bytes;
    }
    if (!use_dictionary_) {
      dictionary_.clear();
      dictionary_index_.clear();
    }

    // Statistics: byte-wise (unsigned) order, as Parquet defines for UTF8.
    // With a dictionary every entry is used, so its entries suffice.
    auto see = [this](std::string_view s) {
      if (!has_string_stats_ || s < string_min_) string_min_ = s;
      if (!has_string_stats_ || s > string_max_) string_max_ = s;
      has_string_stats_ = true;
    };
    if (use_dictionary_) {
      for (std::string_view s : dictionary_) see(s);
    } else {
      for (int64_t r = 0; r < num_rows_; ++r) see(StringAt(r));
    }

    if (use_dictionary_) {
      const int64_t rows_per_page = std::clamp<int64_t>(
          options_.page_size_bytes * 8 / std::max(dictionary_bit_width_, 1), 1, kMaxRowsPerPage);
      for (int64_t row = 0; row < num_rows_; row += rows_per_page) page_first_row_.push_back(row);
    } else {
      int64_t bytes = 0;
      for (int64_t row = 0; row < num_rows_; ++row) {
        if (row == 0 || bytes >= options_.page_size_bytes) {
          page_first_row_.push_back(row);
          bytes = 0;
        }
        bytes += 4 + static_cast<int64_t>(StringAt(row).size());
      }
    }
    if (page_first_row_.empty()) page_first_row_.push_back(0);
    page_first_row_.push_back(num_rows_);
  }

  EncodedPage EncodeDictionaryPage(PageCompressor& compressor) const override {
    std::vector<uint8_t>& payload = PayloadBuffer();
    for (std::string_view entry : dictionary_) {
      AppendLittleEndian(payload, static_cast<uint32_t>(entry.size()));
      payload.insert(payload.end(), entry.begin(), entry.end());
    }
    format::PageHeader header;
    const std::span<const uint8_t> compressed =
        CompressPage(format::PageType::DICTIONARY_PAGE, payload, compressor, options_.page_checksums, header);
    format::DictionaryPageHeader dictionary;
    dictionary.__set_num_values(static_cast<int32_t>(dictionary_.size()));
    dictionary.__set_encoding(format::Encoding::PLAIN);
    header.__set_dictionary_page_header(dictionary);
    return FinishPage(header, compressed, payload.size(), EncodedPage{});
  }

  std::span<const uint8_t> DataPagePayload(int64_t first_row, int64_t rows, EncodedPage&) const override {
    std::vector<uint8_t>& payload = PayloadBuffer();
    if (use_dictionary_) {
      payload.push_back(static_cast<uint8_t>(dictionary_bit_width_));
      AppendRleBitPacked(std::span<const uint32_t>(dictionary_index_)
                             .subspan(static_cast<size_t>(first_row), static_cast<size_t>(rows)),
                         dictionary_bit_width_, payload);
    } else {
      for (int64_t r = first_row; r < first_row + rows; ++r) {
        const std::string_view s = StringAt(r);
        AppendLittleEndian(payload, static_cast<uint32_t>(s.size()));
        payload.insert(payload.end(), s.begin(), s.end());
      }
    }
    return payload;
  }

  const ColumnValues& values_;
  bool use_dictionary_ = false;
  std::vector<std::string_view> dictionary_;  ///< entries in first-use order
  std::vector<uint32_t> dictionary_index_;    ///< per row
  int dictionary_bit_width_ = 0;
  std::string string_min_, string_max_;
  bool has_string_stats_ = false;
};

}  // namespace

std::unique_ptr<ColumnChunkEncoder> MakeStringEncoder(const ColumnSpec& column, const ColumnValues& values,
                                                      int64_t num_rows, const WriterOptions& options) {
  return std::make_unique<StringEncoder>(column, values, num_rows, options);
}

}  // namespace barforge::parquet
