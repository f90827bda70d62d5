#include "distributed/dataset_parts.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/parquet_reader.h"

namespace barforge {

namespace {

constexpr std::string_view kPartPrefix = "part-";
constexpr std::string_view kPartSuffix = ".parquet";

[[noreturn]] void FailPart(const std::filesystem::path& path, const std::string& what) {
  throw DistributedError(fmt::format("{}: {}", path.string(), what));
}

void SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("{}: cannot open directory: {}", dir.string(), std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) throw IoError(fmt::format("{}: cannot sync directory: {}", dir.string(), std::strerror(saved)));
}

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

std::string PartMetadataJson(int index, int count, SampleRange range, int64_t n_samples) {
  nlohmann::ordered_json json;
  json["part"] = index;
  json["parts"] = count;
  json["first_sample_id"] = range.first;
  json["end_sample_id"] = range.end;
  json["n_samples"] = n_samples;
  return json.dump();
}

PartFooter ReadPartFooter(const std::filesystem::path& path) {
  PartFooter footer;
  footer.path = path;
  std::string part_json;
  try {
    const parquet::ParquetReader reader(path);
    footer.rows = reader.num_rows();
    for (const auto& [key, value] : reader.key_value_metadata()) {
      if (key == kPartMetadataKey) part_json = value;
      if (key == "barforge.version") footer.version = value;
      if (key == "barforge.config") footer.config = value;
      if (key == "barforge.scaler") footer.scaler = value;
    }
  } catch (const Error& e) {
    FailPart(path, fmt::format("not a readable part: {}", e.what()));
  }
  if (part_json.empty()) FailPart(path, fmt::format("not a part of a distributed build: no '{}' metadata", kPartMetadataKey));
  const auto json = nlohmann::json::parse(part_json, nullptr, /*allow_exceptions=*/false);
  const auto integer = [&](const char* key) -> int64_t {
    if (!json.is_object() || !json.contains(key) || !json[key].is_number_integer()) {
      FailPart(path, fmt::format("metadata '{}' has no integer '{}'", kPartMetadataKey, key));
    }
    return json[key].get<int64_t>();
  };
  footer.index = static_cast<int>(integer("part"));
  footer.count = static_cast<int>(integer("parts"));
  footer.range = {integer("first_sample_id"), integer("end_sample_id")};
  footer.n_samples = integer("n_samples");
  return footer;
}

std::vector<std::pair<int, std::filesystem::path>> ListParts(const std::filesystem::path& dir) {
  std::vector<std::pair<int, std::filesystem::path>> parts;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (const auto index = PartIndexFromFileName(it->path().filename().string())) parts.emplace_back(*index, it->path());
  }
  if (ec) throw IoError(fmt::format("{}: cannot list directory: {}", dir.string(), ec.message()));
  std::sort(parts.begin(), parts.end());
  return parts;
}

std::vector<PartFooter> CheckParts(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) throw DistributedError(fmt::format("{}: not a directory", dir.string()));
  const auto listed = ListParts(dir);
  if (listed.empty()) throw DistributedError(fmt::format("{}: no part files (part-00000.parquet, ...)", dir.string()));
  std::vector<PartFooter> parts;
  for (const auto& [index, path] : listed) parts.push_back(ReadPartFooter(path));
  // Part 0, or the first part present, sets what every part must agree on.
  const PartFooter& reference = parts.front();
  const int count = reference.count;
  const std::string reference_name = reference.path.filename().string();
  for (size_t i = 0; i < parts.size(); ++i) {
    const PartFooter& part = parts[i];
    const int index = listed[i].first;
    if (part.index != index) {
      FailPart(part.path, fmt::format("its footer says it is part {}: renamed or from another build", part.index));
    }
    if (part.count != count || index >= count) {
      FailPart(part.path, fmt::format("from another build: it is part {} of {}, {} is part {} of {}", part.index,
                                      part.count, reference_name, reference.index, count));
    }
    if (part.version != reference.version) {
      FailPart(part.path, fmt::format("from another build: written by barforge {}, {} by barforge {}", part.version,
                                      reference_name, reference.version));
    }
    if (part.config != reference.config) {
      FailPart(part.path, fmt::format("from another build: its config differs from {}'s", reference_name));
    }
    if (part.scaler != reference.scaler) {
      FailPart(part.path, fmt::format("from another build: its scaler differs from {}'s", reference_name));
    }
    const SampleRange expected = PartRange(part.index, count, part.n_samples);
    if (part.n_samples != reference.n_samples || part.range.first != expected.first ||
        part.range.end != expected.end) {
      FailPart(part.path, fmt::format("sample ids [{}, {}) of {}, expected [{}, {}) of {}", part.range.first,
                                      part.range.end, part.n_samples, expected.first, expected.end,
                                      reference.n_samples));
    }
    if (part.rows != part.range.end - part.range.first) {
      FailPart(part.path, fmt::format("{} rows, its sample ids [{}, {}) need {}", part.rows, part.range.first,
                                      part.range.end, part.range.end - part.range.first));
    }
  }
  // Every index below the count is present (ranges are then contiguous).
  for (int index = 0; index < count; ++index) {
    if (static_cast<size_t>(index) >= parts.size() || listed[static_cast<size_t>(index)].first != index) {
      FailPart(dir / PartFileName(index), fmt::format("missing ({} parts expected)", count));
    }
  }
  return parts;
}

void WriteSuccessMarker(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / kSuccessFileName;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(fmt::format("{}: cannot create file: {}", path.string(), std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) throw IoError(fmt::format("{}: cannot sync: {}", path.string(), std::strerror(saved)));
  SyncDirectory(dir);
}

void RemoveSuccessMarker(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::remove(dir / kSuccessFileName, ec) || !ec) return;
  throw IoError(fmt::format("{}: cannot remove: {}", (dir / kSuccessFileName).string(), ec.message()));
}

}  // namespace barforge
