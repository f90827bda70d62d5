#include "dataset/parts_layout.h"

#include <algorithm>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "barforge/error.h"

namespace barforge {

namespace {

constexpr std::string_view kPartPrefix = "part-";
constexpr std::string_view kPartSuffix = ".parquet";

}  // namespace

SampleRange PartRange(int index, int count, int64_t n_samples) {
  // r * N overflows int64 for large N and R; 128-bit intermediates do not.
  __extension__ typedef __int128 Int128;
  const auto bound = [&](int r) { return static_cast<int64_t>(Int128{r} * n_samples / count); };
  return {bound(index), bound(index + 1)};
}

std::filesystem::path DatasetDirectory(const Config& config) {
  std::filesystem::path path = SamplesPath(config);
  return path.replace_extension();
}

std::string PartFileName(int index) { return fmt::format("part-{:05d}.parquet", index); }

std::optional<int> PartIndexFromFileName(const std::string& name) {
  if (name.size() <= kPartPrefix.size() + kPartSuffix.size() || !name.starts_with(kPartPrefix) ||
      !name.ends_with(kPartSuffix)) {
    return std::nullopt;
  }
  const std::string digits = name.substr(kPartPrefix.size(), name.size() - kPartPrefix.size() - kPartSuffix.size());
  if (digits.size() < 5 || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const int index = std::stoi(digits);
  // Only the canonical spelling: part-0001.parquet or part-000001.parquet are
  // not parts.
  if (PartFileName(index) != name) return std::nullopt;
  return index;
}

std::vector<std::pair<int, std::filesystem::path>> ListParts(const std::filesystem::path& dir) {
  std::vector<std::pair<int, std::filesystem::path>> parts;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (const auto index = PartIndexFromFileName(name)) {
      parts.emplace_back(*index, it->path());
    } else if (name.starts_with(kPartPrefix) && name.ends_with(kPartSuffix)) {
      throw DataError(fmt::format("{}: not a part's name (parts are named {}, {}, ...): rename or remove it",
                                  it->path().string(), PartFileName(0), PartFileName(1)));
    }
  }
  if (ec) throw IoError(fmt::format("{}: cannot list directory: {}", dir.string(), ec.message()));
  std::sort(parts.begin(), parts.end());
  return parts;
}

}  // namespace barforge
