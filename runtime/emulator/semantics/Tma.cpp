//===- Tma.cpp - TMA tiled box copies into shared memory ------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/semantics/Tma.h"

#include "runtime/emulator/semantics/Format.h"

#include <algorithm>
#include <cstring>

namespace moec::emu {
namespace {

/// The traversal step along dimension d. With INTERLEAVE_NONE TMA ignores
/// elementStrides[0] (CUDA Driver API, cuTensorMapEncodeTiled: "TMA doesn't
/// support the stride for dimension zero").
uint32_t traversalStep(const TensorMapDesc &map, uint32_t d) {
  if (d == 0 && map.interleave == kInterleaveNone)
    return 1;
  return std::max<uint32_t>(map.elementStrides[d], 1);
}

/// Elements the box holds along dimension d: ceil(boxDim / elementStride)
/// (cuTensorMapEncodeTiled, elementStrides).
uint32_t boxCount(const TensorMapDesc &map, uint32_t d) {
  uint32_t step = traversalStep(map, d);
  return (map.box[d] + step - 1) / step;
}

/// Fills `bytes` bytes with the out-of-bounds value: zero, or with
/// OOB_FILL_NAN_REQUEST_ZERO_FMA a NaN of the element type (all bits but the
/// sign set: the emulator's choice of "special NaN constant").
void fillOutOfBounds(uint8_t *row, uint32_t bytes, const TensorMapDesc &map,
                     uint32_t elementBytes) {
  if (map.oobFill != kOobFillNanRequestZeroFma ||
      !tensorMapIsFloat(map.dataType)) {
    std::memset(row, 0, bytes);
    return;
  }
  for (uint32_t i = 0; i < bytes; i += elementBytes) {
    std::memset(row + i, 0xFF, elementBytes);
    row[i + elementBytes - 1] = 0x7F; // little-endian: clear the sign bit
  }
}

/// Gathers one box row (dimension 0) into `row`: elements inside
/// [0, dims[0]) from global memory at `rowBase`, the rest filled.
void gatherRow(uint8_t *row, const TensorMapDesc &map, int64_t start0,
               const uint8_t *rowBase, uint32_t count, uint32_t elementBytes) {
  uint32_t step = traversalStep(map, 0);
  int64_t dim0 = int64_t(map.dims[0]);
  for (uint32_t j = 0; j < count;) {
    int64_t c = start0 + int64_t(j) * step;
    if (c < 0 || c >= dim0) {
      fillOutOfBounds(row + j * elementBytes, elementBytes, map, elementBytes);
      ++j;
      continue;
    }
    if (step != 1) {
      std::memcpy(row + j * elementBytes, rowBase + c * elementBytes,
                  elementBytes);
      ++j;
      continue;
    }
    // Contiguous in-bounds run: one copy.
    uint32_t run = uint32_t(std::min<int64_t>(count - j, dim0 - c));
    std::memcpy(row + j * elementBytes, rowBase + c * elementBytes,
                size_t(run) * elementBytes);
    j += run;
  }
}

/// Writes a gathered row to shared address `address` (unswizzled) in
/// 16-byte chunks, each at its swizzled address (the XOR never splits a
/// 16-byte chunk).
void scatterRow(const uint8_t *row, uint32_t bytes, uint32_t address,
                uint32_t span, SharedWindow window) {
  for (uint32_t offset = 0; offset < bytes; offset += 16) {
    uint32_t length = std::min<uint32_t>(16, bytes - offset);
    uint32_t target = swizzleSharedAddress(address + offset, span);
    std::memcpy(window.base + target, row + offset, length);
  }
}

std::string checkDestination(const TensorMapDesc &map, uint32_t dst,
                             uint64_t boxBytes, SharedWindow window) {
  // PTX ISA, "cp.async.bulk.tensor": the shared memory destination must be
  // 128-byte aligned.
  if (dst % 128 != 0)
    return formatString("cp.async.bulk.tensor: shared destination 0x%x is "
                        "not 128-byte aligned",
                        dst);
  // PTX ISA, "Tensor Swizzling Modes": a swizzled box starts on the
  // pattern's repeat (8 spans), else its rows would swizzle out of phase.
  uint32_t span = tensorMapSwizzleBytes(map.swizzle);
  if (span != 0 && dst % (8 * span) != 0)
    return formatString("cp.async.bulk.tensor: shared destination 0x%x is "
                        "not %u-byte aligned, as the %u-byte swizzle "
                        "requires",
                        dst, 8 * span, span);
  // Swizzling permutes within span-aligned chunks: round the end up.
  uint64_t end = uint64_t(dst) + boxBytes;
  if (span != 0)
    end = (end + span - 1) / span * span;
  if (end > window.size)
    return formatString("cp.async.bulk.tensor: the %llu-byte box at shared "
                        "0x%x ends past the %u-byte shared window",
                        (unsigned long long)boxBytes, dst, window.size);
  return "";
}

} // namespace

uint32_t tmaBoxBytes(const TensorMapDesc &map) {
  uint64_t bytes = tensorMapElementBytes(map.dataType);
  for (uint32_t d = 0; d < map.rank && d < 5; ++d)
    bytes *= boxCount(map, d);
  return uint32_t(bytes);
}

std::string tmaLoadTile(const TensorMapDesc &map, const int32_t *coords,
                        uint32_t rank, uint32_t dst, SharedWindow window,
                        uint32_t &txBytes) {
  txBytes = 0;
  if (rank != map.rank)
    return formatString("cp.async.bulk.tensor.%ud on a tensor map of rank %u",
                        rank, map.rank);
  uint32_t elementBytes = tensorMapElementBytes(map.dataType);
  if (elementBytes == 0 || rank < 1 || rank > 5)
    return formatString("cp.async.bulk.tensor: tensor map data type %u / "
                        "rank %u is not supported by the emulator",
                        map.dataType, rank);
  if (map.swizzle > kSwizzle128B)
    return formatString("cp.async.bulk.tensor: swizzle mode %u (a "
                        "128B_ATOM mode) is not supported on sm_90",
                        map.swizzle);
  uint32_t boxBytes = tmaBoxBytes(map);
  std::string error = checkDestination(map, dst, boxBytes, window);
  if (!error.empty())
    return error;

  uint32_t count[5] = {1, 1, 1, 1, 1};
  for (uint32_t d = 0; d < rank; ++d)
    count[d] = boxCount(map, d);
  uint32_t rowBytes = count[0] * elementBytes;
  uint32_t span = tensorMapSwizzleBytes(map.swizzle);
  uint8_t row[256 * 8];

  // Every row of the box (dimensions 1..rank-1), in shared-memory order.
  uint32_t index[5] = {0, 0, 0, 0, 0};
  uint32_t address = dst;
  for (bool more = true; more; address += rowBytes) {
    bool inBounds = true;
    uint64_t rowAddress = map.globalAddress; // only used when in bounds
    for (uint32_t d = 1; d < rank; ++d) {
      int64_t c =
          int64_t(coords[d]) + int64_t(index[d]) * traversalStep(map, d);
      inBounds &= c >= 0 && c < int64_t(map.dims[d]);
      rowAddress += uint64_t(c) * map.strides[d];
    }
    if (inBounds)
      gatherRow(row, map, coords[0],
                reinterpret_cast<const uint8_t *>(uintptr_t(rowAddress)),
                count[0], elementBytes);
    else
      fillOutOfBounds(row, rowBytes, map, elementBytes);
    scatterRow(row, rowBytes, address, span, window);
    // Advance the row index, innermost first.
    more = false;
    for (uint32_t d = 1; d < rank && !more; ++d) {
      if (++index[d] < count[d])
        more = true;
      else
        index[d] = 0;
    }
  }
  txBytes = boxBytes;
  return "";
}

} // namespace moec::emu
