//===- WgmmaTest.cpp - wgmma descriptors and MMA, with TMA ----------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The end-to-end checks load operand tiles with tmaLoadTile exactly as our
// GEMMs do and multiply them with the descriptors that work on an H200
// (reference/hopper-notes.md), so TMA's swizzle and wgmma's layout are
// proved consistent with each other and with the hardware's known-good
// setup. Mutated descriptors must then give a different result.
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/semantics/Wgmma.h"
#include "runtime/emulator/semantics/Fp8.h"
#include "runtime/emulator/semantics/Tma.h"

#include "moec/emulator_abi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace moec::emu {
namespace {

using ::testing::HasSubstr;

uint32_t typeBytes(uint32_t type) {
  return type == MOEC_EMU_TYPE_BF16 || type == MOEC_EMU_TYPE_F16 ? 2
         : type == MOEC_EMU_TYPE_TF32                            ? 4
                                                                 : 1;
}

/// A random operand: raw bytes (row-major, `cols` elements a row) and the
/// value of each element.
struct Matrix {
  uint32_t rows, cols, type;
  std::vector<uint8_t> bytes;
  std::vector<double> values;
};

Matrix randomMatrix(uint32_t rows, uint32_t cols, uint32_t type,
                    uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  Matrix m{rows, cols, type, {}, {}};
  uint32_t eb = typeBytes(type);
  m.bytes.resize(size_t(rows) * cols * eb);
  m.values.resize(size_t(rows) * cols);
  for (size_t i = 0; i < m.values.size(); ++i) {
    uint8_t *p = &m.bytes[i * eb];
    switch (type) {
    case MOEC_EMU_TYPE_E4M3: {
      uint8_t code = uint8_t(rng());
      if ((code & 0x7F) == 0x7F) // skip NaN
        code = 0x38;
      *p = code;
      m.values[i] = e4m3ToFloat(code);
      break;
    }
    case MOEC_EMU_TYPE_E5M2: {
      uint8_t code = uint8_t(rng());
      if ((code & 0x7F) >= 0x7C) // skip inf/NaN
        code = 0x3C;
      *p = code;
      m.values[i] = e5m2ToFloat(code);
      break;
    }
    case MOEC_EMU_TYPE_BF16:
    case MOEC_EMU_TYPE_F16: {
      float v = uniform(rng);
      uint16_t h = type == MOEC_EMU_TYPE_BF16 ? floatToBf16(v) : floatToF16(v);
      std::memcpy(p, &h, 2);
      m.values[i] = type == MOEC_EMU_TYPE_BF16 ? bf16ToFloat(h) : f16ToFloat(h);
      break;
    }
    case MOEC_EMU_TYPE_S8:
    case MOEC_EMU_TYPE_U8:
      *p = uint8_t(rng());
      m.values[i] = type == MOEC_EMU_TYPE_S8 ? double(int8_t(*p)) : *p;
      break;
    }
  }
  return m;
}

uint32_t tensorMapType(uint32_t type) {
  switch (type) {
  case MOEC_EMU_TYPE_BF16:
    return kTensorMapBfloat16;
  case MOEC_EMU_TYPE_F16:
    return kTensorMapFloat16;
  default:
    return kTensorMapUint8; // our GEMMs' FP8 maps are UINT8
  }
}

struct alignas(64) MapBlob {
  uint8_t bytes[128];
};

/// Loads `m` with TMA as a 2D map (inner dimension `cols`) in chunks of
/// `chunkBytes` along the inner dimension (the swizzle span, or 16 without
/// swizzle), chunk c at dst + c * rows * chunkBytes; through the 128-byte
/// encoding, as the emulated driver and executor will.
void tmaLoad(const Matrix &m, uint32_t swizzle, uint32_t chunkBytes,
             uint32_t dst, SharedWindow window) {
  uint32_t eb = typeBytes(m.type);
  TensorMapDesc d;
  d.dataType = tensorMapType(m.type);
  d.rank = 2;
  d.globalAddress = uint64_t(uintptr_t(m.bytes.data()));
  d.dims[0] = m.cols;
  d.dims[1] = m.rows;
  d.strides[0] = eb;
  d.strides[1] = uint64_t(m.cols) * eb;
  d.box[0] = chunkBytes / eb;
  d.box[1] = m.rows;
  d.elementStrides[0] = d.elementStrides[1] = 1;
  d.swizzle = swizzle;
  MapBlob blob;
  ASSERT_EQ(encodeTensorMap(blob.bytes, d), "");
  std::string error;
  std::optional<TensorMapDesc> map = decodeTensorMap(blob.bytes, error);
  ASSERT_TRUE(map) << error;
  uint32_t chunks = m.cols * eb / chunkBytes;
  for (uint32_t c = 0; c < chunks; ++c) {
    int32_t coords[2] = {int32_t(c * chunkBytes / eb), 0};
    uint32_t tx = 0;
    ASSERT_EQ(
        tmaLoadTile(*map, coords, 2, dst + c * m.rows * chunkBytes, window, tx),
        "");
    ASSERT_EQ(tx, m.rows * chunkBytes);
  }
}

uint64_t makeDescriptor(uint32_t start, uint32_t lbo, uint32_t sbo,
                        uint32_t mode) {
  return uint64_t((start & 0x3FFFF) >> 4) | uint64_t(lbo >> 4) << 16 |
         uint64_t(sbo >> 4) << 32 | uint64_t(mode) << 62;
}

/// The 128 threads' accumulator registers, NaN to start with so that a
/// scale-d 0 step must overwrite them.
struct Fragments {
  uint32_t n;
  std::vector<float> registers;
  float *pointers[128];
  explicit Fragments(uint32_t n) : n(n), registers(size_t(128) * n / 2, NAN) {
    for (uint32_t t = 0; t < 128; ++t)
      pointers[t] = &registers[size_t(t) * n / 2];
  }
  /// D[row][col] per the PTX ISA "Register Fragments" layout of wgmma D.
  void gather(std::vector<double> &d, uint32_t rowBase, bool asInt) const {
    for (uint32_t t = 0; t < 128; ++t) {
      uint32_t w = t / 32, l = t % 32;
      for (uint32_t i = 0; i < n / 2; ++i) {
        uint32_t row = 16 * w + l / 4 + 8 * ((i / 2) % 2);
        uint32_t col = 8 * (i / 4) + 2 * (l % 4) + i % 2;
        float value = pointers[t][i];
        int32_t bits;
        std::memcpy(&bits, &value, 4);
        d[size_t(rowBase + row) * n + col] = asInt ? double(bits) : value;
      }
    }
  }
};

enum class Mutation { None, Sbo512, Swizzle64With128Data, Step16 };

struct GemmCase {
  uint32_t typeA = MOEC_EMU_TYPE_E4M3, typeB = MOEC_EMU_TYPE_E4M3;
  uint32_t m = 128, n = 128, k = 128;
  uint32_t swizzle = kSwizzle128B;
  Mutation mutation = Mutation::None;
};

uint32_t spanBytes(uint32_t swizzle) {
  return swizzle == kSwizzleNone ? 16 : 16u << swizzle;
}

uint32_t descriptorMode(uint32_t swizzle) {
  switch (swizzle) {
  case kSwizzle128B:
    return 1;
  case kSwizzle64B:
    return 2;
  case kSwizzle32B:
    return 3;
  default:
    return 0;
  }
}

/// Runs A (m x k) * B^T (B stored n x k, K-major) through TMA and wgmma;
/// returns D (m x n) in `d`.
std::string runGemm(const GemmCase &c, const Matrix &a, const Matrix &b,
                    std::vector<double> &d) {
  uint32_t eb = typeBytes(c.typeA), span = spanBytes(c.swizzle);
  uint32_t aBase = 1024, aBytes = c.m * c.k * eb;
  uint32_t bBase = (aBase + aBytes + 1023) / 1024 * 1024;
  uint32_t bBytes = c.n * c.k * eb;
  std::vector<uint8_t> smem(bBase + bBytes + 1024, 0xEE);
  SharedWindow window{smem.data(), uint32_t(smem.size())};
  tmaLoad(a, c.swizzle, span, aBase, window);
  tmaLoad(b, c.swizzle, span, bBase, window);
  if (::testing::Test::HasFatalFailure())
    return "TMA failed";

  uint32_t kInstr = 32 / eb, steps = c.k / kInstr;
  uint32_t sbo = c.mutation == Mutation::Sbo512 ? 512 : 8 * span;
  uint32_t mode = c.mutation == Mutation::Swizzle64With128Data
                      ? 2
                      : descriptorMode(c.swizzle);
  uint32_t stepBytes = c.mutation == Mutation::Step16 ? 16 : 32;
  bool isInt = c.typeA == MOEC_EMU_TYPE_S8 || c.typeA == MOEC_EMU_TYPE_U8;
  d.assign(size_t(c.m) * c.n, 0.0);
  for (uint32_t half = 0; half < c.m / 64; ++half) {
    Fragments f(c.n);
    for (uint32_t s = 0; s < steps; ++s) {
      uint32_t kb = s * stepBytes;
      // Chunk kb / span of the operand, kb % span into its rows; the
      // second m64 half is 64 rows further into each chunk.
      uint32_t startA =
          aBase + kb / span * c.m * span + kb % span + half * 64 * span;
      uint32_t startB = bBase + kb / span * c.n * span + kb % span;
      uint32_t lboA = c.swizzle == kSwizzleNone ? c.m * 16 : 16;
      uint32_t lboB = c.swizzle == kSwizzleNone ? c.n * 16 : 16;
      uint64_t descA = makeDescriptor(startA, lboA, sbo, mode);
      uint64_t descB = makeDescriptor(startB, lboB, sbo, mode);
      uint32_t config = MOEC_EMU_WGMMA_CONFIG(c.n, kInstr, c.typeA, c.typeB,
                                              s > 0, 0, 0, 0, 0);
      std::string error =
          wgmmaExecute(descA, descB, config, window, f.pointers, nullptr);
      if (!error.empty())
        return error;
    }
    f.gather(d, half * 64, isInt);
  }
  return "";
}

/// max over D of |D - ref| / (sum |products| + tiny): the f32 sums differ
/// from exact ones by a few ulps of the absolute sum at most.
double maxRelativeError(const Matrix &a, const Matrix &b,
                        const std::vector<double> &d) {
  double worst = 0;
  for (uint32_t i = 0; i < a.rows; ++i)
    for (uint32_t j = 0; j < b.rows; ++j) {
      double sum = 0, magnitude = 0;
      for (uint32_t k = 0; k < a.cols; ++k) {
        double p =
            a.values[size_t(i) * a.cols + k] * b.values[size_t(j) * b.cols + k];
        sum += p;
        magnitude += std::fabs(p);
      }
      double error =
          std::fabs(d[size_t(i) * b.rows + j] - sum) / (magnitude + 1e-30);
      worst = std::max(worst, std::isnan(error) ? INFINITY : error);
    }
  return worst;
}

void checkGemm(GemmCase c, uint32_t seed) {
  Matrix a = randomMatrix(c.m, c.k, c.typeA, seed);
  Matrix b = randomMatrix(c.n, c.k, c.typeB, seed + 1);
  std::vector<double> d;
  ASSERT_EQ(runGemm(c, a, b, d), "");
  EXPECT_LT(maxRelativeError(a, b, d), 1e-5);
}

TEST(WgmmaTest, KnownGoodFp8DescriptorMatchesHopperNotes) {
  // The descriptor from reference/hopper-notes.md, verified on an H200.
  for (uint32_t address : {1024u, 17408u, 1024u + 8192 + 96}) {
    uint64_t notes = ((address & 0x3FFFF) >> 4) | (1ull << 16) | (64ull << 32) |
                     (1ull << 62);
    EXPECT_EQ(makeDescriptor(address, 16, 1024, 1), notes);
    WgmmaDescriptor d = decodeWgmmaDescriptor(notes);
    EXPECT_EQ(d.startAddress, address);
    EXPECT_EQ(d.leadingByteOffset, 16u);
    EXPECT_EQ(d.strideByteOffset, 1024u);
    EXPECT_EQ(d.baseOffset, 0u);
    EXPECT_EQ(d.swizzleBytes, 128u);
    EXPECT_EQ(encodeWgmmaDescriptor(d), notes);
  }
  EXPECT_EQ(describeWgmmaDescriptor(makeDescriptor(1024, 16, 1024, 1)),
            "descriptor 0x4000004000010040: start 0x400, LBO 16, SBO 1024, "
            "base offset 0, 128B swizzle");
  EXPECT_EQ(decodeWgmmaDescriptor(3ull << 62).swizzleBytes, 32u);
  EXPECT_EQ(decodeWgmmaDescriptor(2ull << 62).swizzleBytes, 64u);
  EXPECT_EQ(decodeWgmmaDescriptor(7ull << 49).baseOffset, 7u);
}

TEST(WgmmaTest, Fp8GemmThroughTmaMatchesFloat64) {
  checkGemm(GemmCase{}, 11); // m64n128k32 e4m3, 128B swizzle, as on the H200
}

TEST(WgmmaTest, Fp8SwapShapes) {
  for (uint32_t n : {16u, 32u, 64u, 8u, 256u}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    GemmCase c;
    c.n = n;
    checkGemm(c, 20 + n);
  }
}

TEST(WgmmaTest, Fp8MixedE5m2) {
  GemmCase c;
  c.typeB = MOEC_EMU_TYPE_E5M2;
  checkGemm(c, 31);
  c.typeA = MOEC_EMU_TYPE_E5M2;
  checkGemm(c, 32);
}

TEST(WgmmaTest, Bf16GemmThroughTmaMatchesFloat64) {
  GemmCase c;
  c.typeA = c.typeB = MOEC_EMU_TYPE_BF16;
  c.k = 64; // one 128-byte swizzle row: 4 k16 steps of +32 B
  c.n = 256;
  checkGemm(c, 41);
  c.n = 128;
  checkGemm(c, 42);
  c.typeA = c.typeB = MOEC_EMU_TYPE_F16;
  checkGemm(c, 43);
}

TEST(WgmmaTest, OtherSwizzleModesAgreeWithTma) {
  for (uint32_t swizzle : {kSwizzle64B, kSwizzle32B, kSwizzleNone}) {
    SCOPED_TRACE("swizzle " + std::to_string(swizzle));
    GemmCase c;
    c.swizzle = swizzle;
    c.n = 64;
    checkGemm(c, 50 + swizzle); // several chunks along K
    c.typeA = c.typeB = MOEC_EMU_TYPE_BF16;
    c.k = 64;
    checkGemm(c, 60 + swizzle);
  }
}

TEST(WgmmaTest, IntegerGemm) {
  GemmCase c;
  c.typeA = MOEC_EMU_TYPE_S8;
  c.typeB = MOEC_EMU_TYPE_U8;
  c.n = 64;
  Matrix a = randomMatrix(c.m, c.k, c.typeA, 71);
  Matrix b = randomMatrix(c.n, c.k, c.typeB, 72);
  std::vector<double> d;
  ASSERT_EQ(runGemm(c, a, b, d), "");
  EXPECT_EQ(maxRelativeError(a, b, d), 0.0); // exact in s32
}

TEST(WgmmaTest, MutatedDescriptorsGiveDifferentResults) {
  for (Mutation mutation :
       {Mutation::Sbo512, Mutation::Swizzle64With128Data, Mutation::Step16}) {
    SCOPED_TRACE(int(mutation));
    GemmCase c;
    c.mutation = mutation;
    Matrix a = randomMatrix(c.m, c.k, c.typeA, 81);
    Matrix b = randomMatrix(c.n, c.k, c.typeB, 82);
    std::vector<double> d;
    ASSERT_EQ(runGemm(c, a, b, d), "");
    EXPECT_GT(maxRelativeError(a, b, d), 0.01);
  }
}

/// MN-major (transposed) bf16 operands: stored K rows of M/N elements, TMA
/// boxes of 64 elements (128 bytes) by 64 K rows, 128B swizzle. Chunk c of
/// 64 M/N elements lies at base + c * 8192 (LBO); 8 K rows are 1024 bytes
/// (SBO); a k16 step is 16 K rows, 2048 bytes.
TEST(WgmmaTest, TransposedBf16Operands) {
  const uint32_t K = 64, N = 128, M = 64;
  for (bool transA : {false, true}) {
    SCOPED_TRACE(transA ? "A and B MN-major" : "B MN-major");
    Matrix a = randomMatrix(M, K, MOEC_EMU_TYPE_BF16, 91);
    Matrix at = randomMatrix(K, M, MOEC_EMU_TYPE_BF16, 1);
    Matrix bt = randomMatrix(K, N, MOEC_EMU_TYPE_BF16, 92); // [k][n]
    for (uint32_t i = 0; i < M; ++i)
      for (uint32_t k = 0; k < K; ++k) {
        std::memcpy(&at.bytes[(size_t(k) * M + i) * 2],
                    &a.bytes[(size_t(i) * K + k) * 2], 2);
        at.values[size_t(k) * M + i] = a.values[size_t(i) * K + k];
      }
    std::vector<uint8_t> smem(1024 + 8192 + 16384 + 1024);
    SharedWindow window{smem.data(), uint32_t(smem.size())};
    uint32_t aBase = 1024, bBase = 1024 + 8192;
    // tmaLoad's chunks sit at c * rows * 128: rows = K = 64 gives 8192.
    if (transA)
      tmaLoad(at, kSwizzle128B, 128, aBase, window);
    else
      tmaLoad(a, kSwizzle128B, 128, aBase, window);
    tmaLoad(bt, kSwizzle128B, 128, bBase, window);
    ASSERT_FALSE(HasFatalFailure());
    Fragments f(N);
    for (uint32_t s = 0; s < K / 16; ++s) {
      uint64_t descA = transA ? makeDescriptor(aBase + s * 2048, 8192, 1024, 1)
                              : makeDescriptor(aBase + s * 32, 16, 1024, 1);
      uint64_t descB = makeDescriptor(bBase + s * 2048, 8192, 1024, 1);
      uint32_t config =
          MOEC_EMU_WGMMA_CONFIG(N, 16, MOEC_EMU_TYPE_BF16, MOEC_EMU_TYPE_BF16,
                                s > 0, 0, 0, transA, 1);
      ASSERT_EQ(wgmmaExecute(descA, descB, config, window, f.pointers, nullptr),
                "");
    }
    std::vector<double> d(size_t(M) * N);
    f.gather(d, 0, false);
    // B as n x k for the reference.
    Matrix b{N, K, MOEC_EMU_TYPE_BF16, {}, std::vector<double>(N * K)};
    for (uint32_t k = 0; k < K; ++k)
      for (uint32_t n = 0; n < N; ++n)
        b.values[size_t(n) * K + k] = bt.values[size_t(k) * N + n];
    EXPECT_LT(maxRelativeError(a, b, d), 1e-5);
  }
}

/// One m64n128k32 e4m3 operand pair in a 128B-swizzled window.
struct Fp8Setup {
  std::vector<uint8_t> smem = std::vector<uint8_t>(1024 + 16384 + 16384);
  SharedWindow window{smem.data(), uint32_t(smem.size())};
  uint64_t descA = makeDescriptor(1024, 16, 1024, 1);
  uint64_t descB = makeDescriptor(1024 + 16384, 16, 1024, 1);
  uint32_t config = MOEC_EMU_WGMMA_CONFIG(128, 32, MOEC_EMU_TYPE_E4M3,
                                          MOEC_EMU_TYPE_E4M3, 1, 0, 0, 0, 0);
  Fragments f{128};
  Fp8Setup() {
    std::mt19937 rng(5);
    for (uint8_t &byte : smem)
      byte = uint8_t(rng() % 0x70);
    std::fill(f.registers.begin(), f.registers.end(), 0.0f);
  }
};

TEST(WgmmaTest, ScaleDAccumulatesAndNegationNegates) {
  Fp8Setup s;
  ASSERT_EQ(wgmmaExecute(s.descA, s.descB, s.config & ~(1u << 24), s.window,
                         s.f.pointers, nullptr),
            "");
  std::vector<float> once = s.f.registers;
  ASSERT_EQ(
      wgmmaExecute(s.descA, s.descB, s.config, s.window, s.f.pointers, nullptr),
      "");
  for (size_t i = 0; i < once.size(); ++i)
    ASSERT_EQ(s.f.registers[i], 2 * once[i]);
  ASSERT_EQ(wgmmaExecute(s.descA, s.descB,
                         (s.config & ~(1u << 24)) | (1u << 25), s.window,
                         s.f.pointers, nullptr),
            "");
  for (size_t i = 0; i < once.size(); ++i)
    ASSERT_EQ(s.f.registers[i], -once[i]);
}

TEST(WgmmaTest, ValidationErrors) {
  Fp8Setup s;
  auto run = [&](uint32_t config, uint64_t descA, uint64_t descB,
                 const uint8_t *generic = nullptr) {
    return wgmmaExecute(descA, descB, config, s.window, s.f.pointers, generic);
  };
  auto config = [](uint32_t n, uint32_t k, uint32_t ta, uint32_t tb,
                   bool trans = false, bool neg = false) {
    return MOEC_EMU_WGMMA_CONFIG(n, k, ta, tb, 0, neg, 0, 0, trans);
  };
  using std::string;
  EXPECT_THAT(run(config(128, 32, MOEC_EMU_TYPE_E4M3, MOEC_EMU_TYPE_BF16),
                  s.descA, s.descB),
              HasSubstr("A type e4m3 (4) with B type bf16 (1) is not a type "
                        "pair"));
  EXPECT_THAT(run(config(128, 16, MOEC_EMU_TYPE_BF16, MOEC_EMU_TYPE_F16),
                  s.descA, s.descB),
              HasSubstr("not a type pair"));
  EXPECT_THAT(run(config(128, 32, MOEC_EMU_TYPE_S8, MOEC_EMU_TYPE_E4M3),
                  s.descA, s.descB),
              HasSubstr("not a type pair"));
  EXPECT_THAT(run(config(128, 16, MOEC_EMU_TYPE_E4M3, MOEC_EMU_TYPE_E4M3),
                  s.descA, s.descB),
              HasSubstr("k = 16 with e4m3 operands; the shape is m64nNk32"));
  EXPECT_THAT(run(config(128, 32, MOEC_EMU_TYPE_BF16, MOEC_EMU_TYPE_BF16),
                  s.descA, s.descB),
              HasSubstr("k = 32 with bf16 operands; the shape is m64nNk16"));
  EXPECT_THAT(run(config(64, 16, MOEC_EMU_TYPE_TF32, MOEC_EMU_TYPE_TF32),
                  s.descA, s.descB),
              HasSubstr("the shape is m64nNk8"));
  EXPECT_THAT(run(config(132, 32, MOEC_EMU_TYPE_E4M3, MOEC_EMU_TYPE_E4M3),
                  s.descA, s.descB),
              HasSubstr("n = 132 is not a valid N"));
  EXPECT_THAT(run(config(264, 32, MOEC_EMU_TYPE_E4M3, MOEC_EMU_TYPE_E4M3),
                  s.descA, s.descB),
              HasSubstr("n = 264"));
  EXPECT_THAT(
      run(config(40, 32, MOEC_EMU_TYPE_S8, MOEC_EMU_TYPE_S8), s.descA, s.descB),
      HasSubstr("n = 40 is not a valid N for s8"));
  EXPECT_EQ(validateWgmmaConfig(
                config(40, 32, MOEC_EMU_TYPE_E4M3, MOEC_EMU_TYPE_E5M2)),
            "");
  EXPECT_EQ(
      validateWgmmaConfig(config(24, 32, MOEC_EMU_TYPE_U8, MOEC_EMU_TYPE_S8)),
      "");
  EXPECT_THAT(run(config(128, 32, MOEC_EMU_TYPE_E4M3, MOEC_EMU_TYPE_E4M3,
                         /*trans=*/true),
                  s.descA, s.descB),
              HasSubstr("transposed (MN-major) operands need bf16 or f16, "
                        "not e4m3"));
  EXPECT_THAT(run(config(128, 32, MOEC_EMU_TYPE_S8, MOEC_EMU_TYPE_S8, false,
                         /*neg=*/true),
                  s.descA, s.descB),
              HasSubstr("negation"));
  EXPECT_THAT(run(s.config | (1u << 30), s.descA, s.descB),
              HasSubstr("unknown bits"));
  // Operands outside the window.
  uint32_t end = s.window.size;
  EXPECT_THAT(run(s.config, makeDescriptor(end - 4096, 16, 1024, 1), s.descB),
              HasSubstr("wgmma operand A reads shared bytes"));
  EXPECT_THAT(run(s.config, s.descA, makeDescriptor(end - 1024, 16, 1024, 1)),
              HasSubstr("outside the 33792-byte shared window"));
  EXPECT_THAT(run(s.config, s.descA, s.descB | (3ull << 49)),
              HasSubstr("base offset 3 is not supported"));
  // A byte the generic proxy wrote: row 3 of A, K byte 5 (swizzled chunk
  // 0 ^ 3 of row 3).
  std::vector<uint8_t> generic(s.window.size, 0);
  uint32_t flagged = 1024 + 3 * 128 + (0 ^ 3) * 16 + 5;
  generic[flagged] = 1;
  EXPECT_THAT(run(s.config, s.descA, s.descB, generic.data()),
              HasSubstr("wgmma reads shared byte 0x5b5 written by a "
                        "generic-proxy store with no fence.proxy.async in "
                        "between"));
  // A flagged byte outside what this wgmma reads is fine: K byte 40 of row 3
  // belongs to the next k32 step.
  generic[flagged] = 0;
  generic[1024 + 3 * 128 + ((40 / 16) ^ 3) * 16 + 8] = 1;
  EXPECT_EQ(run(s.config, s.descA, s.descB, generic.data()), "");
  float *null[128] = {};
  EXPECT_THAT(wgmmaExecute(s.descA, s.descB, s.config, s.window, null, nullptr),
              HasSubstr("accumulator pointer is null"));
}

TEST(WgmmaTest, Performance) {
  Fp8Setup s;
  const int calls = 2000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i)
    ASSERT_EQ(wgmmaExecute(s.descA, s.descB, s.config & ~(1u << 24), s.window,
                           s.f.pointers, nullptr),
              "");
  double us = std::chrono::duration<double, std::micro>(
                  std::chrono::steady_clock::now() - start)
                  .count() /
              calls;
  std::printf("[ perf     ] wgmma m64n128k32 e4m3: %.1f us per call\n", us);
  EXPECT_LT(us, 5000.0); // a guard against pathological slowness only
}

} // namespace
} // namespace moec::emu
