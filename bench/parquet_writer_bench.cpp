// Times barforge's Parquet writer on the dataset schema: sample_id, ticker
// (4 distinct), timestamp ns, bar_index, ohlc LIST<FLOAT>[256], volume [64],
// meta [6], rewards [3], fwd_return. Values are generated first (not timed)
// from a fixed seed, then written in row groups; prints the seconds taken by
// the writer from construction to Close().
//   parquet_writer_bench OUT.parquet [rows] [codec] [threads] [level] [plain|bss]

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include "barforge/parquet_writer.h"
#include "parquet/codec.h"

namespace {

using barforge::parquet::ColumnSpec;
using barforge::parquet::ColumnType;
using barforge::parquet::TimeUnit;

constexpr int64_t kRowsPerGroup = 65536;

// splitmix64: fast, deterministic, good enough for benchmark values.
struct Random {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float Uniform() { return static_cast<float>(Next() >> 40) / static_cast<float>(1 << 24); }
};

struct Dataset {
  int64_t rows = 0;
  std::vector<int64_t> sample_id, timestamp, bar_index;
  std::vector<std::string> tickers = {"AAPL", "MSFT", "NVDA", "SPY"};
  std::vector<int32_t> ticker_index;
  std::vector<float> ohlc, volume, meta, rewards, fwd_return;
};

Dataset Generate(int64_t rows) {
  Dataset d;
  d.rows = rows;
  Random random{20240601};
  const auto n = static_cast<size_t>(rows);
  d.sample_id.resize(n);
  d.timestamp.resize(n);
  d.bar_index.resize(n);
  d.ticker_index.resize(n);
  d.ohlc.resize(n * 256);
  d.volume.resize(n * 64);
  d.meta.resize(n * 6);
  d.rewards.resize(n * 3);
  d.fwd_return.resize(n);
  for (size_t r = 0; r < n; ++r) {
    d.sample_id[r] = static_cast<int64_t>(r);
    d.ticker_index[r] = static_cast<int32_t>(random.Next() % 4);
    d.bar_index[r] = static_cast<int64_t>(random.Next() % 500000);
    d.timestamp[r] = 1'600'000'000'000'000'000 + d.bar_index[r] * 60'000'000'000;
    // Scaled OHLC of 64 bars: a random walk around 0 (as after z-scoring).
    float price = random.Uniform() * 2.0f - 1.0f;
    for (size_t bar = 0; bar < 64; ++bar) {
      const float open = price;
      const float close = open + (random.Uniform() - 0.5f) * 0.05f;
      const float high = std::fmax(open, close) + random.Uniform() * 0.02f;
      const float low = std::fmin(open, close) - random.Uniform() * 0.02f;
      float* out = &d.ohlc[r * 256 + bar * 4];
      out[0] = open;
      out[1] = high;
      out[2] = low;
      out[3] = close;
      price = close;
      d.volume[r * 64 + bar] = random.Uniform() * 3.0f - 1.0f;
    }
    for (size_t i = 0; i < 6; ++i) d.meta[r * 6 + i] = random.Uniform();
    for (size_t i = 0; i < 3; ++i) d.rewards[r * 3 + i] = (random.Uniform() - 0.5f) * 0.1f;
    d.fwd_return[r] = (random.Uniform() - 0.5f) * 0.02f;
  }
  return d;
}

barforge::parquet::RowGroupData Rows(const Dataset& d, int64_t begin, int64_t end) {
  const auto b = static_cast<size_t>(begin);
  const auto c = static_cast<size_t>(end - begin);
  barforge::parquet::RowGroupData data;
  data.num_rows = end - begin;
  data.columns = {
      std::span<const int64_t>(d.sample_id).subspan(b, c),
      barforge::parquet::DictionaryStrings{d.tickers, std::span<const int32_t>(d.ticker_index).subspan(b, c)},
      std::span<const int64_t>(d.timestamp).subspan(b, c),
      std::span<const int64_t>(d.bar_index).subspan(b, c),
      std::span<const float>(d.ohlc).subspan(b * 256, c * 256),
      std::span<const float>(d.volume).subspan(b * 64, c * 64),
      std::span<const float>(d.meta).subspan(b * 6, c * 6),
      std::span<const float>(d.rewards).subspan(b * 3, c * 3),
      std::span<const float>(d.fwd_return).subspan(b, c),
  };
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.parquet [rows=1000000] [codec=zstd] [threads=2] [level=3] [plain|bss]\n", argv[0]);
    return 2;
  }
  const int64_t rows = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  try {
    barforge::parquet::WriterOptions options;
    const std::string codec_name = argc > 3 ? argv[3] : "zstd";
    const auto codec = barforge::parquet::CodecFromName(codec_name);
    if (!codec) {
      std::fprintf(stderr, "unknown codec '%s' (expected %s)\n", codec_name.c_str(),
                   barforge::parquet::WritableCodecNames(", ").c_str());
      return 2;
    }
    options.codec = *codec;
    options.threads = argc > 4 ? std::atoi(argv[4]) : 2;
    options.compression_level = argc > 5 ? std::atoi(argv[5]) : 3;
    if (argc > 6 && std::string(argv[6]) == "bss") {
      options.float_encoding = barforge::parquet::FloatEncoding::kByteStreamSplit;
    }
    const std::vector<ColumnSpec> schema = {
        {"sample_id", ColumnType::kInt64, TimeUnit::kNanos, 0},
        {"ticker", ColumnType::kString, TimeUnit::kNanos, 0},
        {"timestamp", ColumnType::kTimestamp, TimeUnit::kNanos, 0},
        {"bar_index", ColumnType::kInt64, TimeUnit::kNanos, 0},
        {"ohlc", ColumnType::kFloatList, TimeUnit::kNanos, 256},
        {"volume", ColumnType::kFloatList, TimeUnit::kNanos, 64},
        {"meta", ColumnType::kFloatList, TimeUnit::kNanos, 6},
        {"rewards", ColumnType::kFloatList, TimeUnit::kNanos, 3},
        {"fwd_return", ColumnType::kFloat, TimeUnit::kNanos, 0},
    };
    const Dataset dataset = Generate(rows);
    const auto start = std::chrono::steady_clock::now();
    barforge::parquet::ParquetWriter writer(argv[1], schema, options);
    // Parallel prepare, serial flush: the next row group is encoded while
    // the previous one is appended, so disk writes overlap compression.
    std::future<barforge::parquet::EncodedRowGroup> next;
    for (int64_t begin = 0; begin < rows; begin += kRowsPerGroup) {
      auto encoded = std::async(std::launch::async, [&, begin] {
        return writer.Encode(Rows(dataset, begin, std::min(rows, begin + kRowsPerGroup)));
      });
      if (next.valid()) writer.Append(next.get());
      next = std::move(encoded);
    }
    if (next.valid()) writer.Append(next.get());
    writer.Close();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("rows %lld bytes %lld seconds %.3f\n", static_cast<long long>(rows),
                static_cast<long long>(writer.bytes_written()), seconds);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "parquet_writer_bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
