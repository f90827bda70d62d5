#pragma once
// What barforge records in the footer of a dataset file (Parquet key-value
// metadata), written and read here and nowhere else:
//
//   barforge.version  the barforge that wrote the file
//   barforge.seed     the sampling seed (a build's files)
//   barforge.bars     the raw bars file (a `transform --all` file)
//   barforge.config   the effective config as YAML, without n_jobs: what
//                     makes a file a barforge dataset
//   barforge.tickers  a cross-sectional file (cross_section: true): its M
//                     tickers, in the order of every [M, ...] column (JSON list)
//   barforge.scaler   the meta scaler JSON
//   ARROW:schema      the Arrow schema (base64), for Arrow readers
//   barforge.split    the split's name (a build with splits)
//   barforge.part     which part of a dataset in parts the file is (JSON)
//
// in that order; a key a file lacks is absent (std::nullopt), not empty.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace barforge {

using FooterKeyValues = std::vector<std::pair<std::string, std::string>>;

/// barforge.part: file `index` of `count` holds the dataset's sample ids
/// [first_sample_id, end_sample_id) of n_samples.
struct PartInfo {
  int index = 0;
  int count = 1;
  int64_t first_sample_id = 0;
  int64_t end_sample_id = 0;
  int64_t n_samples = 0;  ///< of the whole dataset
};

struct DatasetFooter {
  static constexpr const char* kVersionKey = "barforge.version";
  static constexpr const char* kSeedKey = "barforge.seed";
  static constexpr const char* kBarsKey = "barforge.bars";
  static constexpr const char* kConfigKey = "barforge.config";
  static constexpr const char* kTickersKey = "barforge.tickers";
  static constexpr const char* kScalerKey = "barforge.scaler";
  static constexpr const char* kArrowSchemaKey = "ARROW:schema";
  static constexpr const char* kSplitKey = "barforge.split";
  static constexpr const char* kPartKey = "barforge.part";

  std::optional<std::string> version;
  std::optional<std::string> seed;
  std::optional<std::string> bars;
  std::optional<std::string> config;
  std::optional<std::string> tickers;  ///< the JSON text; Tickers() parses it
  std::optional<std::string> scaler;
  std::optional<std::string> arrow_schema;
  std::optional<std::string> split;
  std::optional<std::string> part;  ///< the JSON text; Part() parses it
  /// Keys barforge does not write (another tool's), kept in file order.
  FooterKeyValues others;

  /// The footer of a file's key-value metadata (the first value of a key
  /// repeated wins, as every reader of barforge took it).
  static DatasetFooter FromKeyValues(const FooterKeyValues& key_values);
  /// Reads `file`'s Parquet footer. Throws what ParquetReader throws.
  static DatasetFooter Read(const std::filesystem::path& file);

  /// The key-values to write, in the order above, `others` last.
  FooterKeyValues ToKeyValues() const;

  /// barforge.config; DataError "FILE: not a barforge dataset (its footer
  /// has no barforge.config)" without it.
  const std::string& RequireConfig(const std::filesystem::path& file) const;

  /// barforge.part parsed; DataError naming `file` and the key when it is
  /// absent or lacks an integer field.
  PartInfo Part(const std::filesystem::path& file) const;

  /// barforge.tickers parsed; DataError naming `file` and the key when it
  /// is absent or not a list of strings.
  std::vector<std::string> Tickers(const std::filesystem::path& file) const;
  /// The barforge.tickers JSON of `tickers`.
  static std::string TickersJson(const std::vector<std::string>& tickers);

  /// The barforge.part JSON of `part`.
  static std::string PartJson(const PartInfo& part);
};

}  // namespace barforge
