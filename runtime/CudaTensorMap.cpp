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

#include <optional>

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

/// The TMA element type of an artifact dtype; none for types moec's
/// kernels never move through TMA.
static std::optional<TensorMapDataType> tmaDataType(DType dtype) {
  switch (dtype) {
  case DType::F8E4M3:
  case DType::F8E5M2:
  case DType::U8:
  case DType::I8:
    return TensorMapDataType::UInt8;
  case DType::BF16:
    return TensorMapDataType::BFloat16;
  case DType::F32:
    return TensorMapDataType::Float32;
  default:
    return std::nullopt;
  }
}

absl::StatusOr<TensorMapSpec>
tensorMapSpecFromArtifact(const TmaDescriptor &descriptor) {
  auto fail = [&](std::string_view problem) {
    return absl::InvalidArgumentError(
        strCat("TMA descriptor '", descriptor.tensorName, "': ", problem));
  };
  std::optional<TensorMapDataType> type = tmaDataType(descriptor.dtype);
  if (!type)
    return fail(strCat("dtype ", dtypeName(descriptor.dtype),
                       " has no TMA element type (expected an 8-bit type, "
                       "BF16 or F32)"));
  if (descriptor.interleave != TmaInterleave::None)
    return fail("interleaved layouts are not supported (moec's kernels read "
                "tiled, non-interleaved maps)");
  uint32_t rank = descriptor.rank;
  if (rank < 1 || rank > TensorMapSpec::kMaxRank)
    return fail(
        strCat("rank ", rank, " is not in [1, ", TensorMapSpec::kMaxRank, "]"));
  if (descriptor.globalDims.size() != rank ||
      descriptor.globalStrides.size() != rank - 1 ||
      descriptor.boxDims.size() != rank ||
      (!descriptor.elementStrides.empty() &&
       descriptor.elementStrides.size() != rank))
    return fail(
        strCat("rank ", rank, " needs ", rank, " global dims, ", rank - 1,
               " strides, ", rank, " box dims and 0 or ", rank,
               " element strides; got ", descriptor.globalDims.size(), ", ",
               descriptor.globalStrides.size(), ", ", descriptor.boxDims.size(),
               " and ", descriptor.elementStrides.size()));
  TensorMapSpec spec;
  spec.dataType = *type;
  spec.rank = rank;
  for (uint32_t d = 0; d < rank; ++d) {
    spec.globalDims[d] = descriptor.globalDims[d];
    spec.boxDims[d] = descriptor.boxDims[d];
    if (!descriptor.elementStrides.empty())
      spec.elementStrides[d] = descriptor.elementStrides[d];
    if (d + 1 < rank)
      spec.globalStrides[d] = descriptor.globalStrides[d];
  }
  // Both enum sets list the same modes in the same order.
  static_assert(static_cast<int>(TensorMapSwizzle::Bytes128) -
                        static_cast<int>(TensorMapSwizzle::None) ==
                    static_cast<int>(TmaSwizzle::Bytes128),
                "swizzle modes out of order");
  static_assert(static_cast<int>(TensorMapL2Promotion::Bytes256) -
                        static_cast<int>(TensorMapL2Promotion::None) ==
                    static_cast<int>(TmaL2Promotion::Bytes256),
                "L2 promotion modes out of order");
  spec.swizzle =
      static_cast<TensorMapSwizzle>(static_cast<int>(TensorMapSwizzle::None) +
                                    static_cast<int>(descriptor.swizzle));
  spec.l2Promotion = static_cast<TensorMapL2Promotion>(
      static_cast<int>(TensorMapL2Promotion::None) +
      static_cast<int>(descriptor.l2Promotion));
  spec.oobFill = descriptor.oobFill == TmaOobFill::Zero
                     ? TensorMapOobFill::Zero
                     : TensorMapOobFill::NanRequestZeroFma;
  return spec;
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
