//===- TensorMap.h - cuTensorMapEncodeTiled's rules and encoding -*- C++ -*-=//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Tiled TMA tensor maps: the arguments of cuTensorMapEncodeTiled, their
// documented rules, and the emulator's own 128-byte encoding of a map
// (a CUtensorMap is opaque, so any format will do as long as the emulated
// driver writes it and the emulated TMA reads it).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_SEMANTICS_TENSORMAP_H
#define MOEC_RUNTIME_EMULATOR_SEMANTICS_TENSORMAP_H

#include <cstdint>
#include <optional>
#include <string>

namespace moec::emu {

/// The CUtensorMap enums of cuda.h, by value.
enum : uint32_t {
  kTensorMapUint8 = 0,
  kTensorMapUint16 = 1,
  kTensorMapUint32 = 2,
  kTensorMapInt32 = 3,
  kTensorMapUint64 = 4,
  kTensorMapInt64 = 5,
  kTensorMapFloat16 = 6,
  kTensorMapFloat32 = 7,
  kTensorMapFloat64 = 8,
  kTensorMapBfloat16 = 9,
  kTensorMapFloat32Ftz = 10,
  kTensorMapTfloat32 = 11,
  kTensorMapTfloat32Ftz = 12,
  kTensorMap16U4Align8B = 13,
  kTensorMap16U4Align16B = 14,
  kTensorMap16U6Align16B = 15,
};
enum : uint32_t {
  kInterleaveNone = 0,
  kInterleave16B = 1,
  kInterleave32B = 2,
};
enum : uint32_t {
  kSwizzleNone = 0,
  kSwizzle32B = 1,
  kSwizzle64B = 2,
  kSwizzle128B = 3,
  kSwizzle128BAtom32B = 4,
  kSwizzle128BAtom32BFlip8B = 5,
  kSwizzle128BAtom64B = 6,
};
enum : uint32_t {
  kOobFillNone = 0,
  kOobFillNanRequestZeroFma = 1,
};

/// The arguments of cuTensorMapEncodeTiled, numeric values as in cuda.h.
struct TensorMapDesc {
  uint32_t dataType = 0; // CUtensorMapDataType
  uint32_t rank = 0;     // 1..5
  uint64_t globalAddress = 0;
  uint64_t dims[5] = {}; // globalDim
  /// Byte strides; strides[0] = element size, strides[i] for i >= 1 =
  /// globalStrides[i-1].
  uint64_t strides[5] = {};
  uint32_t box[5] = {}; // boxDim
  uint32_t elementStrides[5] = {};
  uint32_t interleave = 0, swizzle = 0, l2Promotion = 0, oobFill = 0;
};

/// Bytes per element of a CUtensorMapDataType; 0 for unknown values and for
/// the packed sub-byte types (16U4/16U6), which the emulator does not model.
uint32_t tensorMapElementBytes(uint32_t dataType);

/// True for the floating-point CUtensorMapDataTypes (those that may use
/// CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA).
bool tensorMapIsFloat(uint32_t dataType);

/// The swizzle span in bytes of a CUtensorMapSwizzle (32, 64, 128; 0 for
/// none or unknown).
uint32_t tensorMapSwizzleBytes(uint32_t swizzle);

/// Validates every documented rule of cuTensorMapEncodeTiled (CUDA Driver
/// API, cuTensorMapEncodeTiled). Returns "" when `desc` passes, else a
/// message naming the rule and the offending value, e.g. "boxDim[0] = 300
/// exceeds 256". `tensorMap` is only checked for alignment (and null).
std::string validateTensorMap(const void *tensorMap, const TensorMapDesc &desc);

/// validateTensorMap, then on success writes a 128-byte encoding (a magic,
/// the fields, a checksum) to tensorMap and returns "". On failure returns
/// the message and leaves tensorMap alone.
std::string encodeTensorMap(void *tensorMap, const TensorMapDesc &desc);

/// Decodes what encodeTensorMap wrote; on a blob it did not write (bad
/// magic or checksum) returns nullopt with `error` saying that it "was not
/// encoded by cuTensorMapEncodeTiled".
std::optional<TensorMapDesc> decodeTensorMap(const void *tensorMap,
                                             std::string &error);

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_SEMANTICS_TENSORMAP_H
