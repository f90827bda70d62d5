// A dataset built in parts, by `mpirun -np 3` ranks or by three `--shard
// r/3` processes plus `finalize`, holds exactly the one-process build's rows
// (every column, read by DuckDB) and scaler bytes; a killed rank leaves no
// _SUCCESS and a rerun redoes only the missing parts; parts that do not
// belong together are refused, naming the part.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfig = R"(data_dir: data
tickers: [AAA, BBB, CCC]
synthetic: {n_bars: 2000}
window: 16
horizon: 4
n_samples: 6000
chunk_rows: 700
)";
constexpr const char* kDir = "data/samples_6K";

CommandResult RunMpi(const TempDir& dir, int ranks, const std::string& args, const std::string& env = "") {
  return RunCommand("cd " + ShellQuote(dir.path().string()) + " && " + env + " " + Mpirun(ranks) +
                    ShellQuote(BarforgeBinary()) + " build --config config.yaml --quiet --jobs 1 " + args);
}

void SkipWithoutMpi() {
#if !BARFORGE_WITH_MPI
  GTEST_SKIP() << "barforge was built without MPI";
#endif
}

// The one-process build and its DuckDB dump, made once.
struct Reference {
  TempDir dir;
  nlohmann::json dump;
  std::string scaler;
};

const Reference& OneProcessBuild() {
  // Destroyed at exit, so its folder is removed with it.
  static const std::unique_ptr<Reference> reference = [] {
    auto r = std::make_unique<Reference>();
    WriteConfig(r->dir.path(), kConfig);
    const CommandResult result = RunBarforge(r->dir.path(), "build --config config.yaml --quiet");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    r->dump = DumpParquet("duckdb", r->dir / "data/samples_6K.parquet");
    r->scaler = ReadFile(r->dir / "data/meta_scaler.json");
    return r;
  }();
  return *reference;
}

std::vector<fs::path> Parts(const fs::path& dir) {
  std::vector<fs::path> parts;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".parquet") parts.push_back(entry.path());
  }
  std::sort(parts.begin(), parts.end());
  return parts;
}

// Every part read by DuckDB, in order, equals the one-process file.
void ExpectPartsEqualOneProcessBuild(const TempDir& dir) {
  const Reference& reference = OneProcessBuild();
  const std::vector<fs::path> parts = Parts(dir / kDir);
  ASSERT_EQ(parts.size(), 3u);
  nlohmann::json combined;
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i].filename().string(), "part-0000" + std::to_string(i) + ".parquet");
    const nlohmann::json dump = DumpParquet("duckdb", parts[i]);
    EXPECT_EQ(dump["num_rows"].get<int64_t>(), (static_cast<int64_t>(i) + 1) * 6000 / 3 - static_cast<int64_t>(i) * 6000 / 3);
    if (combined.is_null()) {
      combined = dump;
      continue;
    }
    combined["num_rows"] = combined["num_rows"].get<int64_t>() + dump["num_rows"].get<int64_t>();
    for (size_t c = 0; c < dump["columns"].size(); ++c) {
      for (const auto& value : dump["columns"][c]["values"]) combined["columns"][c]["values"].push_back(value);
    }
  }
  EXPECT_EQ(combined["num_rows"], reference.dump["num_rows"]);
  ASSERT_EQ(combined["columns"].size(), reference.dump["columns"].size());
  for (size_t c = 0; c < combined["columns"].size(); ++c) {
    EXPECT_TRUE(combined["columns"][c] == reference.dump["columns"][c])
        << "column " << reference.dump["columns"][c]["name"];
  }
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), reference.scaler);
}

std::map<std::string, fs::file_time_type> ModificationTimes(const fs::path& dir) {
  std::map<std::string, fs::file_time_type> times;
  for (const auto& part : Parts(dir)) times[part.filename().string()] = fs::last_write_time(part);
  return times;
}

TEST(DistributedBuild, MpiRanksWriteTheOneProcessRows) {
  SkipWithoutMpi();
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  const CommandResult result = RunMpi(dir, 3, "");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ExpectPartsEqualOneProcessBuild(dir);
  ASSERT_TRUE(fs::exists(dir / kDir / "_SUCCESS"));
  EXPECT_EQ(fs::file_size(dir / kDir / "_SUCCESS"), 0u);
  EXPECT_FALSE(fs::exists(dir / "data/samples_6K.parquet"));
  // Nothing else in the directory: no temporaries left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / kDir), fs::directory_iterator()), 4);
}

TEST(DistributedBuild, ShardsPlusFinalizeWriteTheOneProcessRows) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  // Shards read the market `synth` writes once; none generates it.
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  for (const char* shard : {"2/3", "0/3", "1/3"}) {
    const CommandResult result =
        RunBarforge(dir.path(), std::string("build --config config.yaml --quiet --jobs 1 --shard ") + shard);
    ASSERT_EQ(result.exit_code, 0) << shard << ": " << result.err;
    EXPECT_FALSE(fs::exists(dir / kDir / "_SUCCESS")) << "before finalize";
  }
  const CommandResult early = RunBarforge(dir.path(), std::string("validate ") + kDir);
  EXPECT_EQ(early.exit_code, 1);
  EXPECT_EQ(early.err, "barforge: error: data/samples_6K: incomplete: no _SUCCESS (parts still being written, or "
                       "`barforge finalize` not run)\n");
  const CommandResult finalize = RunBarforge(dir.path(), std::string("finalize ") + kDir);
  ASSERT_EQ(finalize.exit_code, 0) << finalize.err;
  EXPECT_EQ(finalize.out, "data/samples_6K: 3 parts, 6000 rows, all from one build; wrote data/samples_6K/_SUCCESS\n");
  EXPECT_TRUE(fs::exists(dir / kDir / "_SUCCESS"));
  ExpectPartsEqualOneProcessBuild(dir);

  // validate reads every part (6000 rows x 90 floats); inspect lists them.
  const CommandResult validate = RunBarforge(dir.path(), std::string("validate ") + kDir);
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_EQ(validate.out, "data/samples_6K: valid: 6,000 rows in 3 parts, 9 row groups, window 16, 540,000 float "
                          "values checked\n");
  const CommandResult inspect = RunBarforge(dir.path(), std::string("inspect ") + kDir);
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("status:      complete (_SUCCESS)\n"), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("part-00002.parquet  part 2 of 3  sample ids [4000, 6000)  2000 rows"), std::string::npos)
      << inspect.out;
}

TEST(DistributedBuild, KilledRankFailsTheJobAndRerunRedoesOnlyMissingParts) {
  SkipWithoutMpi();
  TempDir clean, dir;
  WriteConfig(clean.path(), kConfig);
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunMpi(clean, 3, "").exit_code, 0);

  // Rank 1 is SIGKILLed after its first row group (700 of its 2000 rows).
  const CommandResult killed = RunMpi(dir, 3, "", "BARFORGE_FAULT_KILL=1:700");
  EXPECT_NE(killed.exit_code, 0);
  EXPECT_FALSE(fs::exists(dir / kDir / "_SUCCESS"));
  EXPECT_FALSE(fs::exists(dir / kDir / "part-00001.parquet")) << "an incomplete part at its final name";
  const auto before = ModificationTimes(dir / kDir);

  const CommandResult rerun = RunMpi(dir, 3, "");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_TRUE(fs::exists(dir / kDir / "_SUCCESS"));
  const auto after = ModificationTimes(dir / kDir);
  for (const auto& [name, time] : before) EXPECT_EQ(after.at(name), time) << name << " was rebuilt";
  ASSERT_EQ(after.size(), 3u);
  // The killed rank's temporary is gone and every part equals the clean build's.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / kDir), fs::directory_iterator()), 4);
  for (const char* part : {"part-00000.parquet", "part-00001.parquet", "part-00002.parquet"}) {
    EXPECT_TRUE(ReadFile(dir / kDir / part) == ReadFile(clean / kDir / part)) << part;
  }
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), ReadFile(clean / "data/meta_scaler.json"));

  // A part lost later: only that one is rebuilt.
  fs::remove(dir / kDir / "part-00002.parquet");
  const CommandResult again = RunMpi(dir, 3, "");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto last = ModificationTimes(dir / kDir);
  EXPECT_EQ(last.at("part-00000.parquet"), after.at("part-00000.parquet"));
  EXPECT_EQ(last.at("part-00001.parquet"), after.at("part-00001.parquet"));
  EXPECT_TRUE(ReadFile(dir / kDir / "part-00002.parquet") == ReadFile(clean / kDir / "part-00002.parquet"));
  EXPECT_TRUE(fs::exists(dir / kDir / "_SUCCESS"));
}

TEST(DistributedBuild, FailingRankFailsTheJobWithItsMessage) {
  SkipWithoutMpi();
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  // Rank 1 of two is given a config file that does not exist (MPMD launch).
  const std::string barforge = ShellQuote(BarforgeBinary());
  const CommandResult result = RunCommand(
      "cd " + ShellQuote(dir.path().string()) + " && " + Mpirun(1) + barforge +
      " build --config config.yaml --quiet --jobs 1 : -np 1 " + barforge + " build --config missing.yaml --jobs 1");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("barforge: error: rank 1: missing.yaml"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("barforge: error: rank 0"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(dir / "data")) << "written before the ranks agreed";
}

TEST(DistributedBuild, RanksThatDisagreeOnTheConfigAreRefusedBeforeWriting) {
  SkipWithoutMpi();
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  const std::string barforge = ShellQuote(BarforgeBinary());
  const CommandResult result =
      RunCommand("cd " + ShellQuote(dir.path().string()) + " && " + Mpirun(2) + barforge +
                 " build --config config.yaml --quiet --jobs 1 : -np 1 " + barforge +
                 " build --config config.yaml --quiet --jobs 1 --seed 7");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("barforge: error: ranks disagree on the config: rank 2's effective config (or barforge "
                            "version) differs from rank 0's; nothing was written"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(fs::exists(dir / "data"));
}

TEST(DistributedBuild, AnotherPartCountIsRefusedWithoutOverwriteAndReplacedWithIt) {
  SkipWithoutMpi();
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunMpi(dir, 3, "").exit_code, 0);
  const CommandResult refused = RunMpi(dir, 2, "");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("barforge: error: rank 0: data/samples_6K/part-00000.parquet: from another build (it is "
                             "part 0 of 3, this build makes part 0 of 2); use --overwrite to replace it (and 1 more "
                             "rank failed)"),
            std::string::npos)
      << refused.err;
  EXPECT_TRUE(fs::exists(dir / kDir / "_SUCCESS")) << "the complete 3-part dataset was touched";

  const CommandResult replaced = RunMpi(dir, 2, "--overwrite");
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(Parts(dir / kDir).size(), 2u) << "part-00002 of the old build is left";
  const CommandResult validate = RunBarforge(dir.path(), std::string("validate ") + kDir);
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_EQ(validate.out.substr(0, validate.out.find(" parts,")), "data/samples_6K: valid: 6,000 rows in 2");
}

// One process started by a launcher (mpirun -np 1, a plain `srun barforge
// build`) builds the one file, exactly as without the launcher.
TEST(DistributedBuild, OneRankIsOneProcess) {
  SkipWithoutMpi();
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  const CommandResult result = RunMpi(dir, 1, "");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(fs::exists(dir / kDir));
  EXPECT_TRUE(ReadFile(dir / "data/samples_6K.parquet") ==
              ReadFile(OneProcessBuild().dir / "data/samples_6K.parquet"));
}

// Three shards in `dir`, not finalized.
void BuildShards(const TempDir& dir, const std::string& extra = "") {
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet " + extra).exit_code, 0);
  for (const char* shard : {"0/3", "1/3", "2/3"}) {
    const CommandResult result = RunBarforge(
        dir.path(), std::string("build --config config.yaml --quiet --jobs 1 --shard ") + shard + " " + extra);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
}

void ExpectFinalizeRefuses(const TempDir& dir, const std::string& message) {
  const CommandResult result = RunBarforge(dir.path(), std::string("finalize ") + kDir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "barforge: error: " + message + "\n");
  EXPECT_FALSE(fs::exists(dir / kDir / "_SUCCESS"));
}

TEST(DistributedBuild, FinalizeRefusesPartsThatDoNotBelongTogether) {
  TempDir dir, other_seed, other_count;
  BuildShards(dir);
  ASSERT_EQ(RunBarforge(dir.path(), std::string("finalize ") + kDir).exit_code, 0);
  const fs::path part1 = dir / kDir / "part-00001.parquet";
  const std::string good = ReadFile(part1);

  // A missing part (and the _SUCCESS of before is withdrawn).
  fs::remove(part1);
  ExpectFinalizeRefuses(dir, "data/samples_6K/part-00001.parquet: missing (3 parts expected)");

  // A shard built with another config.
  BuildShards(other_seed, "--set seed=9");
  fs::copy_file(other_seed / kDir / "part-00001.parquet", part1);
  ExpectFinalizeRefuses(dir, "data/samples_6K/part-00001.parquet: from another build: its config differs from "
                             "part-00000.parquet's");

  // A part of a build in four parts.
  WriteConfig(other_count.path(), kConfig);
  ASSERT_EQ(RunBarforge(other_count.path(), "synth --config config.yaml --quiet").exit_code, 0);
  ASSERT_EQ(RunBarforge(other_count.path(), "build --config config.yaml --quiet --jobs 1 --shard 1/4").exit_code, 0);
  fs::copy_file(other_count / kDir / "part-00001.parquet", part1, fs::copy_options::overwrite_existing);
  ExpectFinalizeRefuses(dir, "data/samples_6K/part-00001.parquet: from another build: it is part 1 of 4, "
                             "part-00000.parquet is part 0 of 3");

  // Part 0 copied over part 1.
  fs::copy_file(dir / kDir / "part-00000.parquet", part1, fs::copy_options::overwrite_existing);
  ExpectFinalizeRefuses(dir, "data/samples_6K/part-00001.parquet: its footer says it is part 0: renamed or from "
                             "another build");

  // A shard rebuilt over a part from another build is refused too.
  const CommandResult rebuild =
      RunBarforge(dir.path(), "build --config config.yaml --quiet --jobs 1 --shard 1/3");
  EXPECT_EQ(rebuild.exit_code, 1);
  EXPECT_EQ(rebuild.err, "barforge: error: data/samples_6K/part-00001.parquet: from another build (it is part 0 of "
                         "3, this build makes part 1 of 3); use --overwrite to replace it\n");

  std::ofstream(part1, std::ios::binary | std::ios::trunc) << good;
  EXPECT_EQ(RunBarforge(dir.path(), std::string("finalize ") + kDir).exit_code, 0);
}

TEST(DistributedBuild, ShardSyntaxIsChecked) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  for (const char* bad : {"3/3", "1", "-1/2", "a/b", "1/0", "1/2/3"}) {
    const CommandResult result =
        RunBarforge(dir.path(), std::string("build --config config.yaml --shard ") + ShellQuote(bad));
    EXPECT_EQ(result.exit_code, 1) << bad;
    EXPECT_EQ(result.err, std::string("barforge: error: --shard: expected r/R with 0 <= r < R (e.g. 3/16), got '") +
                              bad + "'\n");
  }
  EXPECT_FALSE(fs::exists(dir / "data"));
}

}  // namespace
}  // namespace barforge::testing
