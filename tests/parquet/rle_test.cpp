#include "parquet/rle.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

#include "barforge/error.h"

namespace barforge::parquet {
namespace {

// A plain reference decoder, written from Encodings.md independently of the
// production one, so the encoder is not only checked against itself.
std::vector<uint32_t> ReferenceDecode(const std::vector<uint8_t>& data, int bit_width, size_t n) {
  std::vector<uint32_t> out;
  size_t pos = 0;
  while (out.size() < n) {
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      header |= static_cast<uint64_t>(data.at(pos) & 0x7F) << shift;
      if ((data.at(pos++) & 0x80) == 0) break;
    }
    if (header & 1) {
      const size_t count = (header >> 1) * 8;
      for (size_t k = 0; k < count; ++k) {
        uint32_t v = 0;
        for (int b = 0; b < bit_width; ++b) {
          const size_t bit = k * static_cast<size_t>(bit_width) + static_cast<size_t>(b);
          v |= static_cast<uint32_t>((data.at(pos + bit / 8) >> (bit % 8)) & 1) << b;
        }
        out.push_back(v);
      }
      pos += (header >> 1) * static_cast<size_t>(bit_width);
    } else {
      uint32_t v = 0;
      for (int b = 0; b < (bit_width + 7) / 8; ++b) v |= static_cast<uint32_t>(data.at(pos++)) << (8 * b);
      out.insert(out.end(), header >> 1, v);
    }
  }
  out.resize(n);
  EXPECT_EQ(pos, data.size()) << "trailing bytes after the runs";
  return out;
}

TEST(Rle, BitWidth) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(2), 2);
  EXPECT_EQ(BitWidth(3), 2);
  EXPECT_EQ(BitWidth(255), 8);
  EXPECT_EQ(BitWidth(256), 9);
}

TEST(Rle, LevelsForThreeListsOfFour) {
  // The RLE / bit-packing hybrid of the Parquet format specification
  // (Encodings.md). Definition levels, twelve 1s at bit width 1: one RLE run,
  // header 12 << 1 = 0x18, then the value in one byte. Repetition levels
  // 0,1,1,1 three times: bit-packed, header (2 groups of 8) << 1 | 1 = 0x05,
  // then the values LSB first, 0b11101110 0b00001110, padded with zeros.
  std::vector<uint8_t> out;
  AppendRleRun(out, 12, 1, 1);
  EXPECT_EQ(out, (std::vector<uint8_t>{0x18, 0x01}));
  std::vector<uint32_t> rep = {0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1};
  std::vector<uint8_t> packed;
  AppendRleBitPacked(rep, 1, packed);
  EXPECT_EQ(packed, (std::vector<uint8_t>{0x05, 0xEE, 0x0E}));
}

TEST(Rle, RoundTripsRandomSequencesOfManyShapes) {
  std::mt19937 rng(1);
  for (int bit_width : {1, 2, 3, 7, 8, 13, 20, 32}) {
    for (size_t n : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{100}, size_t{10000}}) {
      std::vector<uint32_t> values(n);
      const uint64_t max = bit_width == 32 ? 0xFFFFFFFFu : (uint64_t{1} << bit_width) - 1;
      for (size_t i = 0; i < n;) {
        // Mix long runs and noise.
        const size_t run = rng() % 4 == 0 ? 1 + rng() % 30 : 1;
        const auto v = static_cast<uint32_t>(rng() % (max + 1));
        for (size_t k = 0; k < run && i < n; ++k) values[i++] = v;
      }
      std::vector<uint8_t> data;
      AppendRleBitPacked(values, bit_width, data);
      EXPECT_EQ(ReferenceDecode(data, bit_width, n), values) << bit_width << " " << n;
      std::vector<uint32_t> decoded(n);
      RleBitPackedDecoder decoder(data.data(), data.size(), bit_width);
      decoder.Decode(decoded.data(), n);
      EXPECT_EQ(decoded, values) << bit_width << " " << n;
      std::vector<uint32_t> from_runs;
      RleBitPackedDecoder run_decoder(data.data(), data.size(), bit_width);
      run_decoder.DecodeRuns(n, [&](uint32_t v, size_t count) { from_runs.insert(from_runs.end(), count, v); });
      EXPECT_EQ(from_runs, values) << bit_width << " " << n;
    }
  }
}

TEST(Rle, LongRunsBecomeRleRuns) {
  std::vector<uint32_t> values(1000, 3);
  std::vector<uint8_t> data;
  AppendRleBitPacked(values, 2, data);
  EXPECT_EQ(data, (std::vector<uint8_t>{0xD0, 0x0F, 0x03}));  // varint(2000), value 3
}

TEST(Rle, DecodeRunsGivesAnRleRunInOneCallAndTakesOnlyWhatIsAsked) {
  std::vector<uint8_t> data;
  AppendRleRun(data, 1000, 3, 2);
  AppendRleRun(data, 5, 1, 2);
  std::vector<std::pair<uint32_t, size_t>> runs;
  RleBitPackedDecoder decoder(data.data(), data.size(), 2);
  decoder.DecodeRuns(600, [&](uint32_t v, size_t count) { runs.emplace_back(v, count); });
  EXPECT_EQ(runs, (std::vector<std::pair<uint32_t, size_t>>{{3, 600}}));
  runs.clear();
  decoder.DecodeRuns(402, [&](uint32_t v, size_t count) { runs.emplace_back(v, count); });
  EXPECT_EQ(runs, (std::vector<std::pair<uint32_t, size_t>>{{3, 400}, {1, 2}}));
}

TEST(Rle, TruncatedDataIsAnError) {
  std::vector<uint32_t> values(100);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<uint32_t>(i % 5);
  std::vector<uint8_t> data;
  AppendRleBitPacked(values, 3, data);
  std::vector<uint32_t> out(100);
  for (size_t cut = 0; cut < data.size(); ++cut) {
    RleBitPackedDecoder decoder(data.data(), cut, 3);
    EXPECT_THROW(decoder.Decode(out.data(), out.size()), ParquetError) << cut;
  }
  for (size_t cut = 0; cut < data.size(); ++cut) {
    RleBitPackedDecoder decoder(data.data(), cut, 3);
    EXPECT_THROW(decoder.DecodeRuns(out.size(), [](uint32_t, size_t) {}), ParquetError) << cut;
  }
  RleBitPackedDecoder decoder(data.data(), data.size(), 3);
  std::vector<uint32_t> too_many(200);
  EXPECT_THROW(decoder.Decode(too_many.data(), too_many.size()), ParquetError);
  EXPECT_THROW(RleBitPackedDecoder(data.data(), data.size(), 33), ParquetError);
}

}  // namespace
}  // namespace barforge::parquet
