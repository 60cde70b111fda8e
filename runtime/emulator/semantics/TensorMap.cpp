//===- TensorMap.cpp - cuTensorMapEncodeTiled's rules and encoding --------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/semantics/TensorMap.h"

#include "runtime/emulator/semantics/Format.h"

#include <cstring>

namespace moec::emu {
namespace {

using ull = unsigned long long;

const char *dataTypeName(uint32_t type) {
  static const char *const names[] = {
      "UINT8",        "UINT16",       "UINT32",        "INT32",
      "UINT64",       "INT64",        "FLOAT16",       "FLOAT32",
      "FLOAT64",      "BFLOAT16",     "FLOAT32_FTZ",   "TFLOAT32",
      "TFLOAT32_FTZ", "16U4_ALIGN8B", "16U4_ALIGN16B", "16U6_ALIGN16B"};
  return type < 16 ? names[type] : "?";
}

const char *swizzleName(uint32_t swizzle) {
  static const char *const names[] = {"NONE",          "32B",
                                      "64B",           "128B",
                                      "128B_ATOM_32B", "128B_ATOM_32B_FLIP_8B",
                                      "128B_ATOM_64B"};
  return swizzle < 7 ? names[swizzle] : "?";
}

/// The enum-range rules: each argument must be a value of its enum.
std::string checkEnums(const TensorMapDesc &d) {
  if (d.dataType > kTensorMap16U6Align16B)
    return formatString("tensorDataType = %u is not a CUtensorMapDataType",
                        d.dataType);
  if (tensorMapElementBytes(d.dataType) == 0)
    return formatString(
        "tensorDataType = %u (CU_TENSOR_MAP_DATA_TYPE_%s): packed sub-byte "
        "types are not supported by the emulator",
        d.dataType, dataTypeName(d.dataType));
  if (d.interleave > kInterleave32B)
    return formatString("interleave = %u is not a CUtensorMapInterleave",
                        d.interleave);
  if (d.swizzle > kSwizzle128BAtom64B)
    return formatString("swizzle = %u is not a CUtensorMapSwizzle", d.swizzle);
  if (d.l2Promotion > 3)
    return formatString("l2Promotion = %u is not a CUtensorMapL2promotion",
                        d.l2Promotion);
  if (d.oobFill > kOobFillNanRequestZeroFma)
    return formatString("oobFill = %u is not a CUtensorMapFloatOOBfill",
                        d.oobFill);
  return "";
}

/// tensorRank and globalAddress.
std::string checkRankAndAddress(const TensorMapDesc &d) {
  if (d.rank < 1 || d.rank > 5)
    return formatString("tensorRank = %u is outside 1..5", d.rank);
  if (d.interleave != kInterleaveNone && d.rank < 3)
    return formatString("tensorRank = %u is below 3, the minimum with "
                        "interleave = %u (not CU_TENSOR_MAP_INTERLEAVE_NONE)",
                        d.rank, d.interleave);
  if (d.globalAddress % 16 != 0)
    return formatString("globalAddress 0x%llx is not 16-byte aligned",
                        ull(d.globalAddress));
  if (d.interleave == kInterleave32B && d.globalAddress % 32 != 0)
    return formatString("globalAddress 0x%llx is not 32-byte aligned, as "
                        "CU_TENSOR_MAP_INTERLEAVE_32B requires",
                        ull(d.globalAddress));
  return "";
}

/// globalDim, globalStrides, boxDim and elementStrides, per dimension.
std::string checkDimensions(const TensorMapDesc &d, uint32_t elementBytes) {
  if (d.strides[0] != elementBytes)
    return formatString("strides[0] = %llu is not the element size %u of "
                        "CU_TENSOR_MAP_DATA_TYPE_%s",
                        ull(d.strides[0]), elementBytes,
                        dataTypeName(d.dataType));
  for (uint32_t i = 0; i < d.rank; ++i) {
    if (d.dims[i] == 0)
      return formatString("globalDim[%u] = 0 is not positive", i);
    if (d.dims[i] > (uint64_t(1) << 32))
      return formatString("globalDim[%u] = %llu exceeds 2^32", i,
                          ull(d.dims[i]));
  }
  // globalStrides[i - 1] is strides[i].
  for (uint32_t i = 1; i < d.rank; ++i) {
    uint64_t stride = d.strides[i];
    if (stride % 16 != 0)
      return formatString("globalStrides[%u] = %llu is not a multiple of 16",
                          i - 1, ull(stride));
    if (d.interleave == kInterleave32B && stride % 32 != 0)
      return formatString("globalStrides[%u] = %llu is not a multiple of 32, "
                          "as CU_TENSOR_MAP_INTERLEAVE_32B requires",
                          i - 1, ull(stride));
    if (stride >= (uint64_t(1) << 40))
      return formatString("globalStrides[%u] = %llu is not below 2^40", i - 1,
                          ull(stride));
  }
  for (uint32_t i = 0; i < d.rank; ++i) {
    if (d.box[i] == 0)
      return formatString("boxDim[%u] = 0 is not positive", i);
    if (d.box[i] > 256)
      return formatString("boxDim[%u] = %u exceeds 256", i, d.box[i]);
    if (d.elementStrides[i] < 1 || d.elementStrides[i] > 8)
      return formatString("elementStrides[%u] = %u is outside 1..8", i,
                          d.elementStrides[i]);
  }
  return "";
}

/// The rules that tie interleave, swizzle, the inner box and oobFill.
std::string checkCombinations(const TensorMapDesc &d, uint32_t elementBytes) {
  uint64_t innerBytes = uint64_t(d.box[0]) * elementBytes;
  if (d.interleave == kInterleaveNone && innerBytes % 16 != 0)
    return formatString("boxDim[0] * elementSize = %llu bytes is not a "
                        "multiple of 16, as CU_TENSOR_MAP_INTERLEAVE_NONE "
                        "requires",
                        ull(innerBytes));
  if (d.interleave == kInterleave32B && d.swizzle != kSwizzle32B)
    return formatString("interleave = CU_TENSOR_MAP_INTERLEAVE_32B requires "
                        "swizzle = CU_TENSOR_MAP_SWIZZLE_32B, not swizzle = "
                        "%u (CU_TENSOR_MAP_SWIZZLE_%s)",
                        d.swizzle, swizzleName(d.swizzle));
  uint32_t span = tensorMapSwizzleBytes(d.swizzle);
  if (d.interleave == kInterleaveNone && span != 0 && innerBytes > span)
    return formatString("the inner box dimension boxDim[0] * elementSize = "
                        "%llu bytes exceeds the %u-byte span of swizzle = %u "
                        "(CU_TENSOR_MAP_SWIZZLE_%s)",
                        ull(innerBytes), span, d.swizzle,
                        swizzleName(d.swizzle));
  if (d.oobFill == kOobFillNanRequestZeroFma && !tensorMapIsFloat(d.dataType))
    return formatString("oobFill = "
                        "CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA "
                        "needs a floating-point tensorDataType, not %u "
                        "(CU_TENSOR_MAP_DATA_TYPE_%s)",
                        d.dataType, dataTypeName(d.dataType));
  return "";
}

// The encoding: 128 bytes, little-endian fields at fixed offsets.
constexpr uint32_t kMagic = 0x4D544D45; // "EMTM"
constexpr size_t kOffMagic = 0;         // u32
constexpr size_t kOffSmall = 4; // u8 type, rank, interleave, swizzle, l2, oob
constexpr size_t kOffBox = 10;  // u16 box[5]
constexpr size_t kOffElemStr = 20;   // u8 elementStrides[5]
constexpr size_t kOffAddress = 32;   // u64
constexpr size_t kOffDims = 40;      // u64 dims[5]
constexpr size_t kOffStrides = 80;   // u64 strides[1..4]
constexpr size_t kOffChecksum = 124; // u32 FNV-1a of bytes [0, 124)
constexpr size_t kEncodedBytes = 128;

uint32_t checksum(const uint8_t *bytes) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < kOffChecksum; ++i) {
    h ^= bytes[i];
    h *= 16777619u;
  }
  return h;
}

template <typename T> void put(uint8_t *bytes, size_t offset, T value) {
  std::memcpy(bytes + offset, &value, sizeof(T));
}

template <typename T> T get(const uint8_t *bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes + offset, sizeof(T));
  return value;
}

} // namespace

uint32_t tensorMapElementBytes(uint32_t dataType) {
  static const uint8_t bytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  return dataType < sizeof(bytes) ? bytes[dataType] : 0;
}

bool tensorMapIsFloat(uint32_t dataType) {
  return dataType >= kTensorMapFloat16 && dataType <= kTensorMapTfloat32Ftz;
}

uint32_t tensorMapSwizzleBytes(uint32_t swizzle) {
  switch (swizzle) {
  case kSwizzle32B:
    return 32;
  case kSwizzle64B:
    return 64;
  case kSwizzle128B:
  case kSwizzle128BAtom32B:
  case kSwizzle128BAtom32BFlip8B:
  case kSwizzle128BAtom64B:
    return 128;
  default:
    return 0;
  }
}

std::string validateTensorMap(const void *tensorMap,
                              const TensorMapDesc &desc) {
  if (!tensorMap)
    return "tensorMap is null";
  if (reinterpret_cast<uintptr_t>(tensorMap) % 64 != 0)
    return formatString("tensorMap address %p is not 64-byte aligned",
                        tensorMap);
  std::string error = checkEnums(desc);
  if (error.empty())
    error = checkRankAndAddress(desc);
  uint32_t elementBytes = tensorMapElementBytes(desc.dataType);
  if (error.empty())
    error = checkDimensions(desc, elementBytes);
  if (error.empty())
    error = checkCombinations(desc, elementBytes);
  return error;
}

std::string encodeTensorMap(void *tensorMap, const TensorMapDesc &desc) {
  std::string error = validateTensorMap(tensorMap, desc);
  if (!error.empty())
    return error;
  uint8_t bytes[kEncodedBytes] = {};
  put<uint32_t>(bytes, kOffMagic, kMagic);
  const uint32_t small[] = {desc.dataType, desc.rank,        desc.interleave,
                            desc.swizzle,  desc.l2Promotion, desc.oobFill};
  for (size_t i = 0; i < 6; ++i)
    bytes[kOffSmall + i] = uint8_t(small[i]);
  put<uint64_t>(bytes, kOffAddress, desc.globalAddress);
  for (uint32_t i = 0; i < desc.rank; ++i) {
    put<uint16_t>(bytes, kOffBox + 2 * i, uint16_t(desc.box[i]));
    bytes[kOffElemStr + i] = uint8_t(desc.elementStrides[i]);
    put<uint64_t>(bytes, kOffDims + 8 * i, desc.dims[i]);
    if (i >= 1)
      put<uint64_t>(bytes, kOffStrides + 8 * (i - 1), desc.strides[i]);
  }
  put<uint32_t>(bytes, kOffChecksum, checksum(bytes));
  std::memcpy(tensorMap, bytes, kEncodedBytes);
  return "";
}

std::optional<TensorMapDesc> decodeTensorMap(const void *tensorMap,
                                             std::string &error) {
  if (!tensorMap) {
    error = "the tensor map pointer is null";
    return std::nullopt;
  }
  uint8_t bytes[kEncodedBytes];
  std::memcpy(bytes, tensorMap, kEncodedBytes);
  uint32_t magic = get<uint32_t>(bytes, kOffMagic);
  uint32_t sum = get<uint32_t>(bytes, kOffChecksum);
  if (magic != kMagic || sum != checksum(bytes)) {
    error = formatString(
        "the 128-byte tensor map at %p was not encoded by "
        "cuTensorMapEncodeTiled (bad %s: uninitialized, corrupted, or "
        "copied from elsewhere)",
        tensorMap, magic != kMagic ? "magic" : "checksum");
    return std::nullopt;
  }
  TensorMapDesc desc;
  desc.dataType = bytes[kOffSmall + 0];
  desc.rank = bytes[kOffSmall + 1];
  desc.interleave = bytes[kOffSmall + 2];
  desc.swizzle = bytes[kOffSmall + 3];
  desc.l2Promotion = bytes[kOffSmall + 4];
  desc.oobFill = bytes[kOffSmall + 5];
  desc.globalAddress = get<uint64_t>(bytes, kOffAddress);
  desc.strides[0] = tensorMapElementBytes(desc.dataType);
  for (uint32_t i = 0; i < desc.rank && i < 5; ++i) {
    desc.box[i] = get<uint16_t>(bytes, kOffBox + 2 * i);
    desc.elementStrides[i] = bytes[kOffElemStr + i];
    desc.dims[i] = get<uint64_t>(bytes, kOffDims + 8 * i);
    if (i >= 1)
      desc.strides[i] = get<uint64_t>(bytes, kOffStrides + 8 * (i - 1));
  }
  error.clear();
  return desc;
}

} // namespace moec::emu
