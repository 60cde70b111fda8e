//===- TmaTest.cpp - TMA tiled box copies ---------------------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/semantics/Tma.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace moec::emu {
namespace {

using ::testing::HasSubstr;

/// A shared window whose bytes start as 0xCD, so untouched bytes show.
struct Smem {
  std::vector<uint8_t> bytes;
  explicit Smem(uint32_t size) : bytes(size, 0xCD) {}
  SharedWindow window() {
    return SharedWindow{bytes.data(), uint32_t(bytes.size())};
  }
};

/// The swizzle written out bit by bit, independently of the library.
uint32_t referenceSwizzle(uint32_t address, uint32_t swizzleMode) {
  uint32_t bits = swizzleMode == kSwizzle128B  ? 3
                  : swizzleMode == kSwizzle64B ? 2
                  : swizzleMode == kSwizzle32B ? 1
                                               : 0;
  for (uint32_t b = 0; b < bits; ++b) {
    uint32_t source = (address >> (7 + b)) & 1;
    address ^= source << (4 + b);
  }
  return address;
}

TensorMapDesc makeMap(uint32_t type, uint32_t rank, const void *data,
                      std::vector<uint64_t> dims, std::vector<uint32_t> box,
                      uint32_t swizzle) {
  TensorMapDesc d;
  d.dataType = type;
  d.rank = rank;
  d.globalAddress = uint64_t(uintptr_t(data));
  uint64_t stride = tensorMapElementBytes(type);
  for (uint32_t i = 0; i < rank; ++i) {
    d.dims[i] = dims[i];
    d.strides[i] = stride;
    stride *= dims[i];
    d.box[i] = box[i];
    d.elementStrides[i] = 1;
  }
  d.swizzle = swizzle;
  return d;
}

/// Checks a loaded box against the direct reading of the rules: box element
/// (i0, i1, i2) at dst + linear offset, swizzled; zero outside the tensor.
void expectBox(const TensorMapDesc &map, const int32_t *coords,
               const uint8_t *global, const Smem &smem, uint32_t dst) {
  uint32_t eb = tensorMapElementBytes(map.dataType);
  uint32_t count[3] = {1, 1, 1};
  for (uint32_t d = 0; d < map.rank; ++d)
    count[d] = (map.box[d] + (d ? map.elementStrides[d] : 1) - 1) /
               (d ? map.elementStrides[d] : 1);
  uint32_t linear = 0;
  for (uint32_t i2 = 0; i2 < count[2]; ++i2)
    for (uint32_t i1 = 0; i1 < count[1]; ++i1)
      for (uint32_t i0 = 0; i0 < count[0]; ++i0, ++linear) {
        int64_t c[3] = {
            int64_t(coords[0]) + i0,
            int64_t(coords[1]) + i1 * map.elementStrides[1],
            map.rank > 2 ? int64_t(coords[2]) + i2 * map.elementStrides[2] : 0};
        bool inside = true;
        uint64_t offset = 0;
        for (uint32_t d = 0; d < map.rank; ++d) {
          inside &= c[d] >= 0 && c[d] < int64_t(map.dims[d]);
          offset += uint64_t(c[d]) * map.strides[d];
        }
        uint32_t address = referenceSwizzle(dst + linear * eb, map.swizzle);
        for (uint32_t b = 0; b < eb; ++b) {
          uint8_t expected = inside ? global[offset + b] : 0;
          ASSERT_EQ(smem.bytes[address + b], expected)
              << "element (" << i0 << "," << i1 << "," << i2 << ") byte " << b;
        }
      }
}

std::vector<uint8_t> randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bytes(n);
  for (uint8_t &b : bytes)
    b = uint8_t(rng() % 255 + 1); // nonzero, so zero fill is visible
  return bytes;
}

TEST(TmaTest, PartialAndNegativeBoxesAreZeroFilled) {
  // 40 x 30 bf16 (rows of 80 bytes).
  std::vector<uint8_t> global = randomBytes(40 * 30 * 2, 1);
  TensorMapDesc map =
      makeMap(kTensorMapBfloat16, 2, global.data(), {40, 30}, {16, 8}, 0);
  for (auto [x, y] : std::vector<std::pair<int, int>>{
           {0, 0}, {-3, 26}, {30, -5}, {-16, 0}, {39, 29}, {100, 100}}) {
    Smem smem(4096);
    int32_t coords[2] = {x, y};
    uint32_t tx = 0;
    ASSERT_EQ(tmaLoadTile(map, coords, 2, 1024, smem.window(), tx), "");
    EXPECT_EQ(tx, 16u * 8 * 2);
    expectBox(map, coords, global.data(), smem, 1024);
    EXPECT_EQ(smem.bytes[1024 + 256], 0xCD) << "wrote past the box";
    EXPECT_EQ(smem.bytes[1023], 0xCD);
  }
}

TEST(TmaTest, GroupedGemm3dMap) {
  // Our grouped GEMM's [E, N, K] weights: dims {K, N, E}.
  const uint32_t K = 64, N = 48, E = 3;
  std::vector<uint8_t> global = randomBytes(K * N * E, 2);
  TensorMapDesc map = makeMap(kTensorMapUint8, 3, global.data(), {K, N, E},
                              {64, 32, 1}, kSwizzle64B);
  for (auto [n, e] :
       std::vector<std::pair<int, int>>{{0, 0}, {32, 2}, {16, 1}, {0, 3}}) {
    Smem smem(8192);
    int32_t coords[3] = {0, n, e};
    uint32_t tx = 0;
    ASSERT_EQ(tmaLoadTile(map, coords, 3, 2048, smem.window(), tx), "");
    EXPECT_EQ(tx, 64u * 32);
    expectBox(map, coords, global.data(), smem, 2048);
  }
}

TEST(TmaTest, EverySwizzleModeMatchesTheXorFormula) {
  std::mt19937 rng(5);
  for (uint32_t swizzle :
       {kSwizzleNone, kSwizzle32B, kSwizzle64B, kSwizzle128B}) {
    uint32_t innerBytes = swizzle == kSwizzleNone ? 64 : 16u << swizzle;
    for (uint32_t type : {kTensorMapUint8, kTensorMapFloat16, kTensorMapFloat32,
                          kTensorMapFloat64}) {
      uint32_t eb = tensorMapElementBytes(type);
      uint32_t inner = innerBytes / eb;
      const uint64_t dims[2] = {3 * inner / 2 + 1, 50};
      uint64_t rowBytes = (dims[0] * eb + 15) / 16 * 16;
      std::vector<uint8_t> global = randomBytes(rowBytes * dims[1], 6);
      TensorMapDesc map = makeMap(type, 2, global.data(), {dims[0], dims[1]},
                                  {inner, 24}, swizzle);
      map.strides[1] = rowBytes;
      for (int trial = 0; trial < 4; ++trial) {
        Smem smem(16384);
        int32_t coords[2] = {int32_t(rng() % (inner * 2)) - int32_t(inner / 2),
                             int32_t(rng() % 60) - 10};
        uint32_t tx = 0;
        ASSERT_EQ(tmaLoadTile(map, coords, 2, 4096, smem.window(), tx), "");
        EXPECT_EQ(tx, innerBytes * 24);
        SCOPED_TRACE("swizzle " + std::to_string(swizzle) + " type " +
                     std::to_string(type));
        expectBox(map, coords, global.data(), smem, 4096);
      }
    }
  }
}

TEST(TmaTest, ElementStridesSkipRows) {
  std::vector<uint8_t> global = randomBytes(32 * 20, 8);
  TensorMapDesc map =
      makeMap(kTensorMapUint8, 2, global.data(), {32, 20}, {32, 8}, 0);
  map.elementStrides[1] = 3; // ceil(8 / 3) = 3 rows: y, y + 3, y + 6
  map.elementStrides[0] = 4; // ignored with INTERLEAVE_NONE
  Smem smem(4096);
  int32_t coords[2] = {0, 15};
  uint32_t tx = 0;
  ASSERT_EQ(tmaLoadTile(map, coords, 2, 1024, smem.window(), tx), "");
  EXPECT_EQ(tx, 32u * 3);
  expectBox(map, coords, global.data(), smem, 1024);
  EXPECT_EQ(smem.bytes[1024 + 96], 0xCD);
}

TEST(TmaTest, NanFillForFloatMaps) {
  std::vector<float> global(16 * 4, 1.5f);
  TensorMapDesc map =
      makeMap(kTensorMapFloat32, 2, global.data(), {16, 4}, {8, 4}, 0);
  map.oobFill = kOobFillNanRequestZeroFma;
  Smem smem(4096);
  int32_t coords[2] = {12, 2};
  uint32_t tx = 0;
  ASSERT_EQ(tmaLoadTile(map, coords, 2, 1024, smem.window(), tx), "");
  EXPECT_EQ(tx, 8u * 4 * 4);
  for (uint32_t row = 0; row < 4; ++row)
    for (uint32_t col = 0; col < 8; ++col) {
      float value;
      std::memcpy(&value, &smem.bytes[1024 + (row * 8 + col) * 4], 4);
      bool inside = row + 2 < 4 && col + 12 < 16;
      if (inside)
        EXPECT_EQ(value, 1.5f);
      else
        EXPECT_TRUE(std::isnan(value)) << row << "," << col;
    }
}

TEST(TmaTest, Errors) {
  std::vector<uint8_t> global(128 * 128);
  TensorMapDesc map = makeMap(kTensorMapUint8, 2, global.data(), {128, 128},
                              {128, 128}, kSwizzle128B);
  Smem smem(1024 + 16384);
  int32_t coords[3] = {0, 0, 0};
  uint32_t tx = 77;
  EXPECT_THAT(tmaLoadTile(map, coords, 3, 1024, smem.window(), tx),
              HasSubstr("cp.async.bulk.tensor.3d on a tensor map of rank 2"));
  EXPECT_EQ(tx, 0u);
  EXPECT_THAT(tmaLoadTile(map, coords, 2, 1024 + 64, smem.window(), tx),
              HasSubstr("0x440 is not 128-byte aligned"));
  EXPECT_THAT(tmaLoadTile(map, coords, 2, 1024 + 128, smem.window(), tx),
              HasSubstr("not 1024-byte aligned, as the 128-byte swizzle"));
  EXPECT_THAT(tmaLoadTile(map, coords, 2, 2048, smem.window(), tx),
              HasSubstr("the 16384-byte box at shared 0x800 ends past the "
                        "17408-byte shared window"));
  map.swizzle = kSwizzle64B;
  map.box[0] = 64;
  EXPECT_THAT(tmaLoadTile(map, coords, 2, 1024 + 256, smem.window(), tx),
              HasSubstr("not 512-byte aligned"));
  map.swizzle = kSwizzle32B;
  map.box[0] = 32;
  EXPECT_THAT(tmaLoadTile(map, coords, 2, 1024 + 128, smem.window(), tx),
              HasSubstr("not 256-byte aligned"));
  map.swizzle = kSwizzle128BAtom32B;
  EXPECT_THAT(tmaLoadTile(map, coords, 2, 1024, smem.window(), tx),
              HasSubstr("not supported on sm_90"));
  EXPECT_EQ(smem.bytes[1024], 0xCD) << "nothing copied on error";
}

} // namespace
} // namespace moec::emu
