//===- Fp8Test.cpp - FP8, bf16 and f16 conversions ------------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/semantics/Fp8.h"

#include "moec/emulator_abi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace moec::emu {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

bool isE4m3Nan(uint32_t code) { return (code & 0x7F) == 0x7F; }
bool isE5m2NonFinite(uint32_t code) { return (code & 0x7F) >= 0x7C; }

TEST(Fp8Test, E4m3KnownValues) {
  EXPECT_EQ(e4m3ToFloat(0x00), 0.0f);
  EXPECT_TRUE(std::signbit(e4m3ToFloat(0x80)));
  EXPECT_EQ(e4m3ToFloat(0x38), 1.0f);
  EXPECT_EQ(e4m3ToFloat(0x7E), 448.0f);
  EXPECT_EQ(e4m3ToFloat(0xFE), -448.0f);
  EXPECT_EQ(e4m3ToFloat(0x01), std::ldexp(1.0f, -9)); // smallest subnormal
  EXPECT_EQ(e4m3ToFloat(0x07), 7 * std::ldexp(1.0f, -9));
  EXPECT_EQ(e4m3ToFloat(0x08), std::ldexp(1.0f, -6)); // smallest normal
  EXPECT_EQ(e4m3ToFloat(0x78), 256.0f); // S.1111.000 is finite in e4m3
  EXPECT_TRUE(std::isnan(e4m3ToFloat(0x7F)));
  EXPECT_TRUE(std::isnan(e4m3ToFloat(0xFF)));
}

TEST(Fp8Test, E5m2KnownValues) {
  EXPECT_EQ(e5m2ToFloat(0x3C), 1.0f);
  EXPECT_EQ(e5m2ToFloat(0x7B), 57344.0f);
  EXPECT_EQ(e5m2ToFloat(0x01), std::ldexp(1.0f, -16));
  EXPECT_EQ(e5m2ToFloat(0x04), std::ldexp(1.0f, -14));
  EXPECT_EQ(e5m2ToFloat(0x7C), kInf);
  EXPECT_EQ(e5m2ToFloat(0xFC), -kInf);
  for (uint32_t code : {0x7Du, 0x7Eu, 0x7Fu, 0xFDu, 0xFEu, 0xFFu})
    EXPECT_TRUE(std::isnan(e5m2ToFloat(uint8_t(code)))) << code;
}

TEST(Fp8Test, E4m3RoundTripsEveryCode) {
  for (uint32_t code = 0; code < 256; ++code) {
    float value = e4m3ToFloat(uint8_t(code));
    for (bool sat : {false, true}) {
      uint8_t expected = isE4m3Nan(code) ? 0x7F : uint8_t(code);
      EXPECT_EQ(floatToE4m3(value, sat, false), expected) << code;
    }
    if (code > 0 && code < 0x7E) { // magnitudes strictly increase
      EXPECT_LT(value, e4m3ToFloat(uint8_t(code + 1))) << code;
    }
  }
}

TEST(Fp8Test, E5m2RoundTripsEveryCode) {
  for (uint32_t code = 0; code < 256; ++code) {
    float value = e5m2ToFloat(uint8_t(code));
    if (isE5m2NonFinite(code) && (code & 0x7F) != 0x7C) {
      EXPECT_EQ(floatToE5m2(value, true, false), 0x7F) << code;
      continue;
    }
    if ((code & 0x7F) == 0x7C) { // infinities
      EXPECT_EQ(floatToE5m2(value, false, false), code);
      EXPECT_EQ(floatToE5m2(value, true, false), (code & 0x80) | 0x7B);
      continue;
    }
    EXPECT_EQ(floatToE5m2(value, true, false), code) << code;
    EXPECT_EQ(floatToE5m2(value, false, false), code) << code;
    if (code > 0 && code < 0x7B) {
      EXPECT_LT(value, e5m2ToFloat(uint8_t(code + 1))) << code;
    }
  }
}

/// The nearest finite code by search, ties to the even code (the even
/// mantissa); values past the largest finite saturate.
uint8_t nearestBySearch(float v, float (*decode)(uint8_t), uint32_t maxCode) {
  double a = std::fabs(double(v));
  uint32_t best = 0;
  double bestDiff = INFINITY;
  for (uint32_t code = 0; code <= maxCode; ++code) {
    double diff = std::fabs(a - double(decode(uint8_t(code))));
    if (diff < bestDiff || (diff == bestDiff && code % 2 == 0)) {
      best = code;
      bestDiff = diff;
    }
  }
  return uint8_t(best | (std::signbit(v) ? 0x80 : 0));
}

TEST(Fp8Test, RandomValuesRoundToNearestEven) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> exponent(-20.0f, 17.0f);
  for (int i = 0; i < 20000; ++i) {
    float v = std::exp2(exponent(rng)) * (rng() % 2 ? -1.0f : 1.0f);
    EXPECT_EQ(floatToE4m3(v, true, false),
              nearestBySearch(v, e4m3ToFloat, 0x7E))
        << v;
    EXPECT_EQ(floatToE5m2(v, true, false),
              nearestBySearch(v, e5m2ToFloat, 0x7B))
        << v;
  }
}

TEST(Fp8Test, TiesRoundToEven) {
  // 1.0625 is halfway between 1.0 (0x38, even) and 1.125 (0x39).
  EXPECT_EQ(floatToE4m3(1.0625f, true, false), 0x38);
  // 1.1875 is halfway between 1.125 (0x39) and 1.25 (0x3A, even).
  EXPECT_EQ(floatToE4m3(1.1875f, true, false), 0x3A);
  EXPECT_EQ(floatToE4m3(std::nextafter(1.0625f, 2.0f), true, false), 0x39);
  // Subnormals: half the smallest subnormal rounds to 0, 1.5 of it to 2.
  EXPECT_EQ(floatToE4m3(std::ldexp(1.0f, -10), true, false), 0x00);
  EXPECT_EQ(floatToE4m3(-std::ldexp(1.0f, -10), true, false), 0x80);
  EXPECT_EQ(floatToE4m3(3 * std::ldexp(1.0f, -10), true, false), 0x02);
  EXPECT_EQ(floatToE4m3(std::ldexp(1.0f, -11), true, false), 0x00);
  // e5m2: 1.125 is halfway between 1.0 (0x3C) and 1.25 (0x3D).
  EXPECT_EQ(floatToE5m2(1.125f, true, false), 0x3C);
  EXPECT_EQ(floatToE5m2(1.375f, true, false), 0x3E);
  EXPECT_EQ(floatToE5m2(std::ldexp(1.0f, -17), true, false), 0x00);
}

TEST(Fp8Test, SatfiniteClampsOverflowAndInfinity) {
  for (float v : {449.0f, 464.0f, 480.0f, 1e6f, kInf}) {
    EXPECT_EQ(floatToE4m3(v, true, false), 0x7E) << v;
    EXPECT_EQ(floatToE4m3(-v, true, false), 0xFE) << v;
  }
  for (float v : {61440.0f, 65536.0f, 1e9f, kInf}) {
    EXPECT_EQ(floatToE5m2(v, true, false), 0x7B) << v;
    EXPECT_EQ(floatToE5m2(-v, true, false), 0xFB) << v;
  }
  EXPECT_EQ(floatToE5m2(61439.0f, true, false), 0x7B);
  // Without satfinite: e4m3 overflows to NaN (no infinity), e5m2 to inf.
  // 464 is the tie between 448 (even mantissa) and 480: it stays 448.
  EXPECT_EQ(floatToE4m3(464.0f, false, false), 0x7E);
  EXPECT_EQ(floatToE4m3(465.0f, false, false), 0x7F);
  EXPECT_EQ(floatToE4m3(-kInf, false, false), 0xFF);
  EXPECT_EQ(floatToE5m2(61440.0f, false, false), 0x7C);
  EXPECT_EQ(floatToE5m2(-kInf, false, false), 0xFC);
}

TEST(Fp8Test, NanGivesCanonicalNan) {
  for (bool sat : {false, true})
    for (bool relu : {false, true}) {
      EXPECT_EQ(floatToE4m3(kNan, sat, relu), 0x7F);
      EXPECT_EQ(floatToE4m3(-kNan, sat, relu), 0x7F);
      EXPECT_EQ(floatToE5m2(kNan, sat, relu), 0x7F);
      EXPECT_EQ(floatToE5m2(-kNan, sat, relu), 0x7F);
    }
}

TEST(Fp8Test, ReluClampsNegativesToPositiveZero) {
  for (float v : {-1.0f, -0.0f, -1e-9f, -1e9f, -kInf}) {
    EXPECT_EQ(floatToE4m3(v, true, true), 0x00) << v;
    EXPECT_EQ(floatToE5m2(v, true, true), 0x00) << v;
  }
  EXPECT_EQ(floatToE4m3(1.0f, true, true), 0x38);
  EXPECT_EQ(floatToE4m3(1e9f, true, true), 0x7E);
  EXPECT_EQ(floatToE5m2(2.0f, true, true), 0x40);
}

TEST(Fp8Test, CvtPacksAIntoHighByte) {
  EXPECT_EQ(cvtF32x2ToF8x2(1.0f, 2.0f, MOEC_EMU_TYPE_E4M3), 0x3840u);
  EXPECT_EQ(cvtF32x2ToF8x2(2.0f, 1.0f, MOEC_EMU_TYPE_E4M3), 0x4038u);
  EXPECT_EQ(cvtF32x2ToF8x2(1.0f, 2.0f, MOEC_EMU_TYPE_E5M2), 0x3C40u);
  EXPECT_EQ(cvtF32x2ToF8x2(-1.0f, 1e6f, MOEC_EMU_TYPE_E4M3), 0xB87Eu);
  EXPECT_EQ(cvtF32x2ToF8x2(-1.0f, 1.0f, MOEC_EMU_TYPE_E4M3 | MOEC_EMU_CVT_RELU),
            0x0038u);
  EXPECT_EQ(cvtF32x2ToF8x2(kNan, -kInf, MOEC_EMU_TYPE_E5M2), 0x7FFBu);
  EXPECT_EQ(validateCvtF8x2Config(MOEC_EMU_TYPE_E4M3 | MOEC_EMU_CVT_RELU), "");
  EXPECT_THAT(validateCvtF8x2Config(MOEC_EMU_TYPE_BF16),
              ::testing::HasSubstr("neither e4m3"));
  EXPECT_THAT(validateCvtF8x2Config(MOEC_EMU_TYPE_E4M3 | (1u << 12)),
              ::testing::HasSubstr("unknown config bits"));
}

uint32_t floatBits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  return bits;
}

TEST(Fp8Test, Bf16RoundsToNearestEven) {
  EXPECT_EQ(floatToBf16(1.0f), 0x3F80);
  EXPECT_EQ(floatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80); // tie, even
  EXPECT_EQ(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
  EXPECT_EQ(floatToBf16(std::nextafter(1.0f + std::ldexp(1.0f, -8), 2.0f)),
            0x3F81);
  EXPECT_EQ(floatToBf16(-2.0f), 0xC000);
  EXPECT_EQ(floatToBf16(kInf), 0x7F80);
  EXPECT_EQ(floatToBf16(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(kNan))));
  // A NaN whose payload sits in the dropped bits must not become inf.
  float lowNan;
  uint32_t lowNanBits = 0x7F800001u;
  std::memcpy(&lowNan, &lowNanBits, 4);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(lowNan))));
  for (uint32_t code = 0; code < 0x10000; ++code) {
    float value = bf16ToFloat(uint16_t(code));
    EXPECT_EQ(floatBits(value), code << 16);
    if (!std::isnan(value)) {
      EXPECT_EQ(floatToBf16(value), code);
    }
  }
}

TEST(Fp8Test, F16RoundTripsEveryCode) {
  EXPECT_EQ(f16ToFloat(0x3C00), 1.0f);
  EXPECT_EQ(f16ToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(f16ToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(f16ToFloat(0xFC00), -kInf);
  EXPECT_TRUE(std::isnan(f16ToFloat(0x7E00)));
  EXPECT_EQ(floatToF16(65520.0f), 0x7C00); // tie above the max: inf
  EXPECT_EQ(floatToF16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  for (uint32_t code = 0; code < 0x10000; ++code) {
    float value = f16ToFloat(uint16_t(code));
    if (!std::isnan(value)) {
      EXPECT_EQ(floatToF16(value), code) << code;
    }
  }
}

} // namespace
} // namespace moec::emu
