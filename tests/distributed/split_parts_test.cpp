// A build with splits in parts: a directory per split, each split's samples
// in contiguous ranges per rank or shard; read in order, each directory
// holds exactly the rows of the one-process split file (every column, read
// by DuckDB), and the scaler (fitted on the first split, its sums reduced
// across ranks) has the one-process bytes.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

namespace fs = std::filesystem;

// train's name comes from the config; valid's ({n} of `all`) and test's ({n}
// of `all`, the default of a later split) from the data.
constexpr const char* kConfig = R"(data_dir: data
tickers: [AAA, BBB, CCC]
synthetic: {n_bars: 1200}
window: 16
horizon: 4
n_samples: 2000
chunk_rows: 400
embargo_bars: 5
splits:
  - {name: train, end: 0.6, n_samples: 1500}
  - {name: valid, end: 0.8, n_samples: all}
  - {name: test}
)";

struct Reference {
  TempDir dir;
  std::vector<std::string> files;  // the one-process split files, relative to dir
  std::vector<nlohmann::json> dumps;
  std::string scaler;
};

const Reference& OneProcessBuild() {
  // Destroyed at exit, so its folder is removed with it.
  static const std::unique_ptr<Reference> reference = [] {
    auto r = std::make_unique<Reference>();
    WriteConfig(r->dir.path(), kConfig);
    const CommandResult result = RunBarforge(r->dir.path(), "build --config config.yaml --json");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const nlohmann::json summary = nlohmann::json::parse(result.out);
    for (const auto& split : summary["splits"]) {
      r->files.push_back(split["output"].get<std::string>());
      r->dumps.push_back(DumpParquet("duckdb", r->dir / r->files.back()));
    }
    r->scaler = ReadFile(r->dir / "data/meta_scaler.json");
    return r;
  }();
  return *reference;
}

// Every split's directory, its parts read in order by DuckDB, equals the
// one-process split file; each part holds its contiguous range.
void ExpectSplitDirectoriesEqualOneProcessBuild(const TempDir& dir) {
  const Reference& reference = OneProcessBuild();
  ASSERT_EQ(reference.files.size(), 3u);
  for (size_t s = 0; s < reference.files.size(); ++s) {
    fs::path split_dir = dir / reference.files[s];
    split_dir.replace_extension();
    EXPECT_FALSE(fs::exists(dir / reference.files[s])) << "a one-process file beside the directory";
    ASSERT_TRUE(fs::exists(split_dir / "_SUCCESS")) << split_dir;
    const int64_t n = reference.dumps[s]["num_rows"].get<int64_t>();
    nlohmann::json combined;
    for (int r = 0; r < 3; ++r) {
      const fs::path part = split_dir / ("part-0000" + std::to_string(r) + ".parquet");
      ASSERT_TRUE(fs::exists(part)) << part;
      const nlohmann::json dump = DumpParquet("duckdb", part);
      EXPECT_EQ(dump["num_rows"].get<int64_t>(), (r + 1) * n / 3 - r * n / 3) << part;
      if (combined.is_null()) {
        combined = dump;
        continue;
      }
      combined["num_rows"] = combined["num_rows"].get<int64_t>() + dump["num_rows"].get<int64_t>();
      for (size_t c = 0; c < dump["columns"].size(); ++c) {
        for (const auto& value : dump["columns"][c]["values"]) combined["columns"][c]["values"].push_back(value);
      }
    }
    EXPECT_EQ(combined["num_rows"], reference.dumps[s]["num_rows"]) << split_dir;
    ASSERT_EQ(combined["columns"].size(), reference.dumps[s]["columns"].size());
    for (size_t c = 0; c < combined["columns"].size(); ++c) {
      EXPECT_TRUE(combined["columns"][c] == reference.dumps[s]["columns"][c])
          << split_dir << ": column " << reference.dumps[s]["columns"][c]["name"];
    }
    // Parts, _SUCCESS and nothing else (no temporaries).
    EXPECT_EQ(std::distance(fs::directory_iterator(split_dir), fs::directory_iterator()), 4) << split_dir;
  }
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), reference.scaler);
}

TEST(SplitParts, MpiRanksWriteEachSplitsOneProcessRows) {
#if !BARFORGE_WITH_MPI
  GTEST_SKIP() << "barforge was built without MPI";
#endif
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  const CommandResult result =
      RunCommand("cd " + ShellQuote(dir.path().string()) + " && " + Mpirun(3) + ShellQuote(BarforgeBinary()) +
                 " build --config config.yaml --json --jobs 1");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ExpectSplitDirectoriesEqualOneProcessBuild(dir);
  const auto summary = nlohmann::json::parse(result.out);
  EXPECT_EQ(summary["split_directories"].size(), 3u);
  EXPECT_TRUE(summary["complete"].get<bool>());
}

TEST(SplitParts, ShardsPlusFinalizeWriteEachSplitsOneProcessRows) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  // Shards read the market `synth` writes once; none generates it.
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  std::vector<std::string> dirs;
  for (const char* shard : {"2/3", "0/3", "1/3"}) {
    const CommandResult result =
        RunBarforge(dir.path(), std::string("build --config config.yaml --json --jobs 1 --shard ") + shard);
    ASSERT_EQ(result.exit_code, 0) << shard << ": " << result.err;
    dirs.clear();
    const nlohmann::json summary = nlohmann::json::parse(result.out);
    for (const auto& d : summary["split_directories"]) dirs.push_back(d.get<std::string>());
  }
  ASSERT_EQ(dirs.size(), 3u);
  for (const std::string& d : dirs) EXPECT_FALSE(fs::exists(dir / d / "_SUCCESS")) << "before finalize";
  const CommandResult finalize = RunBarforge(dir.path(), "finalize " + dirs[0] + " " + dirs[1] + " " + dirs[2]);
  ASSERT_EQ(finalize.exit_code, 0) << finalize.err;
  const Reference& reference = OneProcessBuild();
  EXPECT_EQ(finalize.out.find(dirs[0] + ": 3 parts, 1500 rows, all from one build; wrote " + dirs[0] + "/_SUCCESS\n"),
            0u)
      << finalize.out;
  ExpectSplitDirectoriesEqualOneProcessBuild(dir);

  // validate reads every part of a split's directory; inspect lists them.
  const int64_t valid_rows = reference.dumps[1]["num_rows"].get<int64_t>();
  const CommandResult validate = RunBarforge(dir.path(), "validate --json " + dirs[1]);
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_EQ(nlohmann::json::parse(validate.out)["rows"].get<int64_t>(), valid_rows) << validate.out;
  const CommandResult inspect = RunBarforge(dir.path(), "inspect " + dirs[2]);
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("status:      complete (_SUCCESS)\n"), std::string::npos) << inspect.out;

  // A rerun of a shard keeps its complete parts.
  const auto written = fs::last_write_time(dir / dirs[0] / "part-00001.parquet");
  const CommandResult rerun = RunBarforge(dir.path(), "build --config config.yaml --quiet --jobs 1 --shard 1/3");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(fs::last_write_time(dir / dirs[0] / "part-00001.parquet"), written);
}

}  // namespace
}  // namespace barforge::testing
