//===- TensorMapTest.cpp - cuTensorMapEncodeTiled's rules -----------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/semantics/TensorMap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace moec::emu {
namespace {

using ::testing::HasSubstr;

/// The FP8 GEMM's A map: 128 x 128 bytes, box 128 x 128, 128B swizzle.
TensorMapDesc gemmMap() {
  TensorMapDesc d;
  d.dataType = kTensorMapUint8;
  d.rank = 2;
  d.globalAddress = 0x10000;
  d.dims[0] = 128;
  d.dims[1] = 128;
  d.strides[0] = 1;
  d.strides[1] = 128;
  d.box[0] = 128;
  d.box[1] = 128;
  d.elementStrides[0] = d.elementStrides[1] = 1;
  d.swizzle = kSwizzle128B;
  return d;
}

/// A rank-3 map, for the interleave rules.
TensorMapDesc rank3Map() {
  TensorMapDesc d = gemmMap();
  d.rank = 3;
  d.dims[2] = 4;
  d.strides[2] = 128 * 128;
  d.box[2] = 1;
  d.elementStrides[2] = 1;
  return d;
}

struct alignas(64) Blob {
  uint8_t bytes[128];
};

std::string encode(const TensorMapDesc &d) {
  Blob blob;
  return encodeTensorMap(blob.bytes, d);
}

TEST(TensorMapTest, ValidMapsEncodeAndDecode) {
  for (TensorMapDesc d : {gemmMap(), rank3Map()}) {
    Blob blob;
    ASSERT_EQ(encodeTensorMap(blob.bytes, d), "");
    std::string error;
    std::optional<TensorMapDesc> back = decodeTensorMap(blob.bytes, error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->dataType, d.dataType);
    EXPECT_EQ(back->rank, d.rank);
    EXPECT_EQ(back->globalAddress, d.globalAddress);
    EXPECT_EQ(back->swizzle, d.swizzle);
    for (uint32_t i = 0; i < d.rank; ++i) {
      EXPECT_EQ(back->dims[i], d.dims[i]);
      EXPECT_EQ(back->strides[i], d.strides[i]);
      EXPECT_EQ(back->box[i], d.box[i]);
      EXPECT_EQ(back->elementStrides[i], d.elementStrides[i]);
    }
  }
  // The limits themselves are allowed.
  TensorMapDesc d = gemmMap();
  d.dims[1] = uint64_t(1) << 32;
  d.strides[1] = (uint64_t(1) << 40) - 16;
  d.box[1] = 256;
  d.elementStrides[1] = 8;
  d.l2Promotion = 3;
  EXPECT_EQ(encode(d), "");
  d = gemmMap();
  d.dataType = kTensorMapBfloat16;
  d.strides[0] = 2;
  d.box[0] = 64;
  d.oobFill = kOobFillNanRequestZeroFma;
  EXPECT_EQ(encode(d), "");
}

TEST(TensorMapTest, DecodeRejectsForeignBlobs) {
  std::mt19937 rng(3);
  Blob blob;
  for (uint8_t &byte : blob.bytes)
    byte = uint8_t(rng());
  std::string error;
  EXPECT_FALSE(decodeTensorMap(blob.bytes, error));
  EXPECT_THAT(error, HasSubstr("not encoded by cuTensorMapEncodeTiled"));
  // One flipped byte of a real encoding fails the checksum.
  ASSERT_EQ(encodeTensorMap(blob.bytes, gemmMap()), "");
  blob.bytes[41] ^= 1;
  EXPECT_FALSE(decodeTensorMap(blob.bytes, error));
  EXPECT_THAT(error, HasSubstr("not encoded by cuTensorMapEncodeTiled"));
  EXPECT_THAT(error, HasSubstr("checksum"));
  std::memset(blob.bytes, 0, sizeof(blob.bytes));
  EXPECT_FALSE(decodeTensorMap(blob.bytes, error));
  EXPECT_THAT(error, HasSubstr("bad magic"));
}

TEST(TensorMapTest, TensorMapMustBe64ByteAligned) {
  Blob blob[2];
  EXPECT_THAT(encodeTensorMap(blob[0].bytes + 32, gemmMap()),
              HasSubstr("not 64-byte aligned"));
  EXPECT_THAT(encodeTensorMap(nullptr, gemmMap()), HasSubstr("null"));
}

/// One broken rule: the mutation and a phrase its message must hold.
struct Rule {
  const char *name;
  TensorMapDesc (*make)();
  const char *message;
};

const Rule kRules[] = {
    {"unknown data type",
     [] {
       TensorMapDesc d = gemmMap();
       d.dataType = 16;
       return d;
     },
     "tensorDataType = 16 is not a CUtensorMapDataType"},
    {"packed data type",
     [] {
       TensorMapDesc d = gemmMap();
       d.dataType = kTensorMap16U4Align8B;
       return d;
     },
     "packed sub-byte types are not supported"},
    {"rank 0",
     [] {
       TensorMapDesc d = gemmMap();
       d.rank = 0;
       return d;
     },
     "tensorRank = 0 is outside 1..5"},
    {"rank 6",
     [] {
       TensorMapDesc d = gemmMap();
       d.rank = 6;
       return d;
     },
     "tensorRank = 6 is outside 1..5"},
    {"interleave below rank 3",
     [] {
       TensorMapDesc d = gemmMap();
       d.interleave = kInterleave16B;
       return d;
     },
     "tensorRank = 2 is below 3"},
    {"address not 16-byte aligned",
     [] {
       TensorMapDesc d = gemmMap();
       d.globalAddress = 0x10008;
       return d;
     },
     "globalAddress 0x10008 is not 16-byte aligned"},
    {"address not 32-byte aligned with 32B interleave",
     [] {
       TensorMapDesc d = rank3Map();
       d.interleave = kInterleave32B;
       d.swizzle = kSwizzle32B;
       d.globalAddress = 0x10010;
       return d;
     },
     "globalAddress 0x10010 is not 32-byte aligned"},
    {"zero dimension",
     [] {
       TensorMapDesc d = gemmMap();
       d.dims[1] = 0;
       return d;
     },
     "globalDim[1] = 0 is not positive"},
    {"dimension above 2^32",
     [] {
       TensorMapDesc d = gemmMap();
       d.dims[0] = (uint64_t(1) << 32) + 1;
       return d;
     },
     "globalDim[0] = 4294967297 exceeds 2^32"},
    {"stride not a multiple of 16",
     [] {
       TensorMapDesc d = gemmMap();
       d.strides[1] = 136 + 4;
       return d;
     },
     "globalStrides[0] = 140 is not a multiple of 16"},
    {"stride not a multiple of 32 with 32B interleave",
     [] {
       TensorMapDesc d = rank3Map();
       d.interleave = kInterleave32B;
       d.swizzle = kSwizzle32B;
       d.box[0] = 32;
       d.strides[1] = 144;
       return d;
     },
     "globalStrides[0] = 144 is not a multiple of 32"},
    {"stride of 2^40",
     [] {
       TensorMapDesc d = rank3Map();
       d.strides[2] = uint64_t(1) << 40;
       return d;
     },
     "globalStrides[1] = 1099511627776 is not below 2^40"},
    {"element size stride",
     [] {
       TensorMapDesc d = gemmMap();
       d.strides[0] = 2;
       return d;
     },
     "strides[0] = 2 is not the element size 1"},
    {"box above 256",
     [] {
       TensorMapDesc d = gemmMap();
       d.swizzle = kSwizzleNone;
       d.box[0] = 300;
       return d;
     },
     "boxDim[0] = 300 exceeds 256"},
    {"zero box",
     [] {
       TensorMapDesc d = gemmMap();
       d.box[1] = 0;
       return d;
     },
     "boxDim[1] = 0 is not positive"},
    {"element stride 0",
     [] {
       TensorMapDesc d = gemmMap();
       d.elementStrides[1] = 0;
       return d;
     },
     "elementStrides[1] = 0 is outside 1..8"},
    {"element stride 9",
     [] {
       TensorMapDesc d = gemmMap();
       d.elementStrides[0] = 9;
       return d;
     },
     "elementStrides[0] = 9 is outside 1..8"},
    {"inner box not a multiple of 16 bytes",
     [] {
       TensorMapDesc d = gemmMap();
       d.swizzle = kSwizzleNone;
       d.box[0] = 24;
       return d;
     },
     "boxDim[0] * elementSize = 24 bytes is not a multiple of 16"},
    {"32B interleave without 32B swizzle",
     [] {
       TensorMapDesc d = rank3Map();
       d.interleave = kInterleave32B;
       return d;
     },
     "requires swizzle = CU_TENSOR_MAP_SWIZZLE_32B"},
    {"inner box wider than the swizzle",
     [] {
       TensorMapDesc d = gemmMap();
       d.swizzle = kSwizzle64B;
       return d;
     },
     "128 bytes exceeds the 64-byte span of swizzle = 2"},
    {"NaN fill on an integer type",
     [] {
       TensorMapDesc d = gemmMap();
       d.oobFill = kOobFillNanRequestZeroFma;
       return d;
     },
     "needs a floating-point tensorDataType"},
    {"unknown interleave",
     [] {
       TensorMapDesc d = rank3Map();
       d.interleave = 3;
       return d;
     },
     "interleave = 3 is not a CUtensorMapInterleave"},
    {"unknown swizzle",
     [] {
       TensorMapDesc d = gemmMap();
       d.swizzle = 7;
       return d;
     },
     "swizzle = 7 is not a CUtensorMapSwizzle"},
    {"unknown L2 promotion",
     [] {
       TensorMapDesc d = gemmMap();
       d.l2Promotion = 4;
       return d;
     },
     "l2Promotion = 4 is not a CUtensorMapL2promotion"},
    {"unknown OOB fill",
     [] {
       TensorMapDesc d = gemmMap();
       d.oobFill = 2;
       return d;
     },
     "oobFill = 2 is not a CUtensorMapFloatOOBfill"},
};

TEST(TensorMapTest, EachRuleViolatedOnceIsNamed) {
  for (const Rule &rule : kRules) {
    Blob blob;
    std::memset(blob.bytes, 0xAB, sizeof(blob.bytes));
    std::string error = encodeTensorMap(blob.bytes, rule.make());
    EXPECT_THAT(error, HasSubstr(rule.message)) << rule.name;
    EXPECT_EQ(blob.bytes[0], 0xAB) << rule.name << ": written on failure";
  }
}

TEST(TensorMapTest, ElementSizes) {
  EXPECT_EQ(tensorMapElementBytes(kTensorMapUint8), 1u);
  EXPECT_EQ(tensorMapElementBytes(kTensorMapBfloat16), 2u);
  EXPECT_EQ(tensorMapElementBytes(kTensorMapFloat64), 8u);
  EXPECT_EQ(tensorMapElementBytes(kTensorMapTfloat32Ftz), 4u);
  EXPECT_EQ(tensorMapElementBytes(kTensorMap16U6Align16B), 0u);
  EXPECT_EQ(tensorMapElementBytes(99), 0u);
}

} // namespace
} // namespace moec::emu
