#include "parquet/codec.h"

#include <gtest/gtest.h>

#include <zstd.h>

#include <numeric>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "barforge/error.h"

namespace barforge::parquet {
namespace {

std::vector<uint8_t> SampleBytes(size_t n) {
  std::vector<uint8_t> bytes(n);
  std::mt19937 rng(7);
  // Mostly repetitive with some noise, so every codec compresses something.
  for (size_t i = 0; i < n; ++i) bytes[i] = i % 8 == 0 ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(i / 64);
  return bytes;
}

class CodecRoundTrip : public ::testing::TestWithParam<Codec> {};

TEST_P(CodecRoundTrip, DecompressesToTheSameBytes) {
  const int level = GetParam() == Codec::kGzip ? 6 : 3;
  PageCompressor compressor(GetParam(), level);
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{1} << 20}) {
    const auto input = SampleBytes(n);
    std::vector<uint8_t> compressed = {0xAB};  // Compress appends after existing bytes.
    const size_t size = compressor.Compress(input, compressed);
    ASSERT_EQ(size + 1, compressed.size());
    EXPECT_EQ(compressed[0], 0xAB);
    std::vector<uint8_t> output(n);
    DecompressPage(GetParam(), std::span(compressed).subspan(1), output);
    EXPECT_EQ(output, input) << "n=" << n;
    if (n == (size_t{1} << 20) && GetParam() != Codec::kUncompressed) {
      EXPECT_LT(size, n) << "codec did not compress";
    }
  }
}

TEST_P(CodecRoundTrip, CompressIntoAReusedBufferGivesTheBytesOfCompress) {
  const int level = GetParam() == Codec::kGzip ? 6 : 3;
  PageCompressor into(GetParam(), level);
  // One buffer for every call, larger than needed and full of old bytes,
  // as the writer's per-thread buffer is; sizes in a varying order.
  std::vector<uint8_t> buffer(into.MaxCompressedSize(size_t{1} << 20) + 100, 0xCD);
  for (size_t n : {size_t{1} << 20, size_t{0}, size_t{1000}, size_t{1}, size_t{70000}, size_t{1000}}) {
    const auto input = SampleBytes(n);
    std::vector<uint8_t> expected;
    PageCompressor(GetParam(), level).Compress(input, expected);
    ASSERT_LE(into.MaxCompressedSize(n), buffer.size());
    const size_t size = into.CompressInto(input, buffer);
    EXPECT_EQ(std::vector<uint8_t>(buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(size)), expected)
        << "n=" << n;
  }
  // The bound of a used compressor is that of a fresh one (zlib's is not,
  // unless the stream is reset first).
  EXPECT_EQ(into.MaxCompressedSize(1000), PageCompressor(GetParam(), level).MaxCompressedSize(1000));
  std::vector<uint8_t> too_small(into.MaxCompressedSize(1000) - 1);
  EXPECT_THROW(into.CompressInto(SampleBytes(1000), too_small), Error);
}

TEST_P(CodecRoundTrip, WrongSizeIsAnError) {
  const int level = GetParam() == Codec::kGzip ? 6 : 3;
  PageCompressor compressor(GetParam(), level);
  const auto input = SampleBytes(5000);
  std::vector<uint8_t> compressed;
  compressor.Compress(input, compressed);
  std::vector<uint8_t> too_small(4999), too_large(5001);
  EXPECT_THROW(DecompressPage(GetParam(), compressed, too_small), ParquetError);
  EXPECT_THROW(DecompressPage(GetParam(), compressed, too_large), ParquetError);
}

TEST_P(CodecRoundTrip, GarbageIsAnErrorNotACrash) {
  if (GetParam() == Codec::kUncompressed) GTEST_SKIP() << "no structure to corrupt";
  std::vector<uint8_t> garbage(300);
  std::iota(garbage.begin(), garbage.end(), 0);
  std::vector<uint8_t> output(10000);
  EXPECT_THROW(DecompressPage(GetParam(), garbage, output), ParquetError);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecRoundTrip,
                         ::testing::Values(Codec::kUncompressed, Codec::kSnappy, Codec::kGzip,
                                           Codec::kZstd, Codec::kLz4Raw),
                         [](const ::testing::TestParamInfo<Codec>& param_info) { return std::string(CodecName(param_info.param)); });

TEST(Codec, GzipWritesARealGzipMember) {
  PageCompressor compressor(Codec::kGzip, 6);
  std::vector<uint8_t> out;
  compressor.Compress(SampleBytes(100), out);
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[0], 0x1F);  // RFC 1952 magic
  EXPECT_EQ(out[1], 0x8B);
}

TEST(Codec, ZstdFrameCarriesContentSize) {
  PageCompressor compressor(Codec::kZstd, 3);
  std::vector<uint8_t> out;
  compressor.Compress(SampleBytes(100), out);
  ASSERT_GE(out.size(), 5u);
  EXPECT_EQ(out[0], 0x28);  // zstd frame magic, little-endian 0xFD2FB528
  // Frame_Header_Descriptor: a content size is present when FCS_Flag != 0
  // or Single_Segment_Flag is set.
  EXPECT_TRUE((out[4] & 0xC0) != 0 || (out[4] & 0x20) != 0) << "frame must carry its content size";
}

TEST(Codec, NamesAndLevels) {
  EXPECT_EQ(CodecFromName("zstd"), Codec::kZstd);
  EXPECT_EQ(CodecFromName("lz4"), Codec::kLz4Raw);
  EXPECT_EQ(CodecFromName("none"), Codec::kUncompressed);
  EXPECT_EQ(CodecFromName("brotli"), std::nullopt);
  EXPECT_EQ(CodecFromName("ZSTD"), std::nullopt);
  EXPECT_EQ(WritableCodecNames(" | "), "zstd | snappy | gzip | lz4 | none");
  for (const std::string_view name : {"zstd", "snappy", "gzip", "lz4", "none"}) {
    EXPECT_EQ(CodecName(CodecFromName(name).value()), name);
  }
  EXPECT_EQ(CompressionLevelProblem(Codec::kGzip, 10), "10 is out of range for gzip (1..9)");
  EXPECT_EQ(CompressionLevelProblem(Codec::kZstd, 23),
            fmt::format("23 is out of range for zstd ({}..22, not 0)", ZSTD_minCLevel()));
  EXPECT_EQ(CompressionLevelProblem(Codec::kZstd, 0), fmt::format("0 is out of range for zstd ({}..22, not 0)",
                                                                  ZSTD_minCLevel()));
  EXPECT_EQ(CompressionLevelProblem(Codec::kGzip, 9), "");
  EXPECT_EQ(CompressionLevelProblem(Codec::kSnappy, 99), "");
  try {
    PageCompressor compressor(Codec::kGzip, 10);
    FAIL() << "no error for gzip level 10";
  } catch (const ParquetUsageError& e) {
    EXPECT_STREQ(e.what(), "compression level 10 is out of range for gzip (1..9)");
  }
  EXPECT_THROW(PageCompressor(Codec::kLzo, 1), ParquetUsageError);
  std::vector<uint8_t> out(4);
  EXPECT_THROW(DecompressPage(Codec::kLzo, out, out), ParquetError);
}

}  // namespace
}  // namespace barforge::parquet
