//===- CudaTensorMap.cpp - TMA tensor map descriptions --------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the checks of TensorMapSpec, one per rule that
// cuTensorMapEncodeTiled's documentation states for tiled, non-interleaved
// maps, and the encoding itself.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaTensorMap.h"

#include "runtime/StringUtil.h"

namespace moec::runtime {

uint32_t elementBytes(TensorMapDataType type) {
  switch (type) {
  case TensorMapDataType::UInt8:
    return 1;
  case TensorMapDataType::BFloat16:
    return 2;
  case TensorMapDataType::Float32:
    return 4;
  }
  return 0;
}

std::string_view dataTypeName(TensorMapDataType type) {
  switch (type) {
  case TensorMapDataType::UInt8:
    return "uint8";
  case TensorMapDataType::BFloat16:
    return "bfloat16";
  case TensorMapDataType::Float32:
    return "float32";
  }
  return "unknown";
}

/// Returns the swizzle span in bytes (0 for none).
static uint32_t swizzleBytes(TensorMapSwizzle swizzle) {
  switch (swizzle) {
  case TensorMapSwizzle::None:
    return 0;
  case TensorMapSwizzle::Bytes32:
    return 32;
  case TensorMapSwizzle::Bytes64:
    return 64;
  case TensorMapSwizzle::Bytes128:
    return 128;
  }
  return 0;
}

static absl::Status specError(std::string_view message) {
  return absl::InvalidArgumentError(strCat("tensor map: ", message));
}

/// Checks the per-dimension arrays.
static absl::Status checkDimensions(const TensorMapSpec &spec) {
  for (uint32_t i = 0; i < spec.rank; ++i) {
    if (spec.globalDims[i] == 0 || spec.globalDims[i] > (uint64_t(1) << 32))
      return specError(strCat("globalDims[", i, "] = ", spec.globalDims[i],
                              " is outside [1, 2^32]"));
    if (spec.boxDims[i] == 0 || spec.boxDims[i] > 256)
      return specError(strCat("boxDims[", i, "] = ", spec.boxDims[i],
                              " is outside [1, 256]"));
    if (spec.elementStrides[i] == 0 || spec.elementStrides[i] > 8)
      return specError(strCat("elementStrides[", i, "] = ",
                              spec.elementStrides[i], " is outside [1, 8]"));
  }
  for (uint32_t i = 0; i + 1 < spec.rank; ++i) {
    uint64_t stride = spec.globalStrides[i];
    if (stride == 0 || stride % 16 != 0 || stride >= (uint64_t(1) << 40))
      return specError(strCat("globalStrides[", i, "] = ", stride,
                              " bytes is not a positive multiple of 16 "
                              "below 2^40"));
  }
  return absl::OkStatus();
}

/// Checks the box's inner row against TMA's 16-byte granule and the swizzle.
static absl::Status checkInnerBox(const TensorMapSpec &spec) {
  uint64_t innerBytes = uint64_t(spec.boxDims[0]) * elementBytes(spec.dataType);
  if (innerBytes % 16 != 0)
    return specError(strCat("the box's inner dimension is ", innerBytes,
                            " bytes (boxDims[0] = ", spec.boxDims[0], " ",
                            dataTypeName(spec.dataType),
                            " elements), not a multiple of 16"));
  uint32_t span = swizzleBytes(spec.swizzle);
  if (span != 0 && innerBytes > span)
    return specError(strCat("the box's inner dimension is ", innerBytes,
                            " bytes, more than the ", span,
                            "-byte swizzle span allows"));
  return absl::OkStatus();
}

absl::Status validateTensorMapSpec(const TensorMapSpec &spec,
                                   cuda::CUdeviceptr address) {
  if (spec.rank < 1 || spec.rank > TensorMapSpec::kMaxRank)
    return specError(strCat("rank ", spec.rank, " is outside [1, ",
                            TensorMapSpec::kMaxRank, "]"));
  if (address == 0)
    return specError("the global address is null");
  if (address % 16 != 0)
    return specError(strCat("the global address 0x", absl::Hex(address),
                            " is not 16-byte aligned"));
  if (absl::Status s = checkDimensions(spec); !s.ok())
    return s;
  return checkInnerBox(spec);
}

absl::StatusOr<cuda::CUtensorMap>
encodeTiledTensorMap(const CudaDriver &driver, const TensorMapSpec &spec,
                     cuda::CUdeviceptr address) {
  if (absl::Status s = validateTensorMapSpec(spec, address); !s.ok())
    return s;
  cuda::CUtensorMap map{};
  cuda::CUresult result = driver.api().tensorMapEncodeTiled(
      &map, cuda::CUtensorMapDataType(spec.dataType), spec.rank,
      reinterpret_cast<void *>(address), spec.globalDims.data(),
      spec.globalStrides.data(), spec.boxDims.data(),
      spec.elementStrides.data(), cuda::CU_TENSOR_MAP_INTERLEAVE_NONE,
      cuda::CUtensorMapSwizzle(spec.swizzle),
      cuda::CUtensorMapL2promotion(spec.l2Promotion),
      cuda::CUtensorMapFloatOOBfill(spec.oobFill));
  if (absl::Status s =
          driver.check(result,
                       strCat("cuTensorMapEncodeTiled (rank ", spec.rank, " ",
                              dataTypeName(spec.dataType), ")"),
                       absl::StatusCode::kInvalidArgument);
      !s.ok())
    return s;
  return map;
}

} // namespace moec::runtime
