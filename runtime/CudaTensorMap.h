//===- CudaTensorMap.h - TMA tensor map descriptions ------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares TensorMapSpec, what cuTensorMapEncodeTiled needs to
// describe a tiled TMA copy, and its validation. The driver answers a bad
// description with a bare CUDA_ERROR_INVALID_VALUE; checking the documented
// rules first names the field that breaks one.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CUDATENSORMAP_H
#define MOEC_RUNTIME_CUDATENSORMAP_H

#include "runtime/Artifact.h"
#include "runtime/CudaDriver.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <array>
#include <cstdint>
#include <string_view>

namespace moec::runtime {

/// The element types moec's kernels move with TMA.
enum class TensorMapDataType {
  UInt8 = cuda::CU_TENSOR_MAP_DATA_TYPE_UINT8,
  BFloat16 = cuda::CU_TENSOR_MAP_DATA_TYPE_BFLOAT16,
  Float32 = cuda::CU_TENSOR_MAP_DATA_TYPE_FLOAT32,
};

/// Shared memory swizzling; the span bounds the box's inner row in bytes.
enum class TensorMapSwizzle {
  None = cuda::CU_TENSOR_MAP_SWIZZLE_NONE,
  Bytes32 = cuda::CU_TENSOR_MAP_SWIZZLE_32B,
  Bytes64 = cuda::CU_TENSOR_MAP_SWIZZLE_64B,
  Bytes128 = cuda::CU_TENSOR_MAP_SWIZZLE_128B,
};

enum class TensorMapL2Promotion {
  None = cuda::CU_TENSOR_MAP_L2_PROMOTION_NONE,
  Bytes64 = cuda::CU_TENSOR_MAP_L2_PROMOTION_L2_64B,
  Bytes128 = cuda::CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
  Bytes256 = cuda::CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
};

/// What out-of-bounds elements read as: zero, or a NaN that FMA treats as
/// zero.
enum class TensorMapOobFill {
  Zero = cuda::CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE,
  NanRequestZeroFma = cuda::CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA,
};

/// Returns 1, 2 or 4.
uint32_t elementBytes(TensorMapDataType type);
/// Returns "uint8", "bfloat16" or "float32".
std::string_view dataTypeName(TensorMapDataType type);

/// A tiled tensor map (no interleave). Dimension 0 is the innermost
/// (contiguous) one; only the first `rank` entries of each array are used.
struct TensorMapSpec {
  static constexpr uint32_t kMaxRank = 5;

  TensorMapDataType dataType = TensorMapDataType::Float32;
  uint32_t rank = 0;
  /// Elements per dimension, each in [1, 2^32].
  std::array<uint64_t, kMaxRank> globalDims{};
  /// Bytes between consecutive indices of dimensions 1..rank-1 (dimension
  /// 0 is contiguous): rank-1 entries, multiples of 16 below 2^40.
  std::array<uint64_t, kMaxRank - 1> globalStrides{};
  /// The tile copied per TMA operation: elements per dimension, 1..256.
  std::array<uint32_t, kMaxRank> boxDims{};
  /// Steps between copied elements per dimension, 1..8.
  std::array<uint32_t, kMaxRank> elementStrides{1, 1, 1, 1, 1};
  TensorMapSwizzle swizzle = TensorMapSwizzle::None;
  TensorMapL2Promotion l2Promotion = TensorMapL2Promotion::None;
  TensorMapOobFill oobFill = TensorMapOobFill::Zero;
};

/// The spec of an artifact's TMA descriptor (artifact.fbs TmaDescriptor):
/// FP8 and 8-bit integer tensors map to UInt8, bf16 and f32 to themselves.
/// InvalidArgument naming the descriptor for other dtypes, interleaved
/// layouts, a rank outside 1..5, or arrays whose lengths disagree with the
/// rank. (The layout rules are checked by validateTensorMapSpec.)
absl::StatusOr<TensorMapSpec>
tensorMapSpecFromArtifact(const TmaDescriptor &descriptor);

/// Checks `spec` and the global address against cuTensorMapEncodeTiled's
/// documented rules; InvalidArgument naming the field otherwise.
absl::Status validateTensorMapSpec(const TensorMapSpec &spec,
                                   cuda::CUdeviceptr address);

/// Validates `spec`, then encodes the map of the tensor at `address` with
/// cuTensorMapEncodeTiled. Errors are InvalidArgument.
absl::StatusOr<cuda::CUtensorMap>
encodeTiledTensorMap(const CudaDriver &driver, const TensorMapSpec &spec,
                     cuda::CUdeviceptr address);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_CUDATENSORMAP_H
