#include "distributed/dataset_parts.h"

#include <fmt/format.h>

#include "barforge/parquet_reader.h"

namespace barforge {

namespace {

[[noreturn]] void FailPart(const std::filesystem::path& path, const std::string& what) {
  throw DistributedError(fmt::format("{}: {}", path.string(), what));
}

}  // namespace

std::string PartMetadataJson(int index, int count, SampleRange range, int64_t n_samples) {
  return DatasetFooter::PartJson({index, count, range.first, range.end, n_samples});
}

PartFooter ReadPartFooter(const std::filesystem::path& path) {
  PartFooter footer;
  footer.path = path;
  DatasetFooter read;
  try {
    const parquet::ParquetReader reader(path);
    footer.rows = reader.num_rows();
    read = DatasetFooter::FromKeyValues(reader.key_value_metadata());
  } catch (const Error& e) {
    FailPart(path, fmt::format("not a readable part: {}", e.what()));
  }
  footer.version = read.version.value_or("");
  footer.config = read.config.value_or("");
  footer.scaler = read.scaler.value_or("");
  PartInfo part;
  try {
    part = read.Part(path);
  } catch (const DataError& e) {
    throw DistributedError(e.what());
  }
  footer.index = part.index;
  footer.count = part.count;
  footer.range = {part.first_sample_id, part.end_sample_id};
  footer.n_samples = part.n_samples;
  return footer;
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

}  // namespace barforge
