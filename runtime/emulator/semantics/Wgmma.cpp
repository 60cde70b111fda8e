//===- Wgmma.cpp - wgmma descriptors and warpgroup MMA --------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/semantics/Wgmma.h"

#include "moec/emulator_abi.h"
#include "runtime/emulator/semantics/Format.h"
#include "runtime/emulator/semantics/Fp8.h"

#include <cstring>
#include <vector>

namespace moec::emu {
namespace {

const char *typeName(uint32_t type) {
  switch (type) {
  case MOEC_EMU_TYPE_BF16:
    return "bf16";
  case MOEC_EMU_TYPE_F16:
    return "f16";
  case MOEC_EMU_TYPE_TF32:
    return "tf32";
  case MOEC_EMU_TYPE_E4M3:
    return "e4m3";
  case MOEC_EMU_TYPE_E5M2:
    return "e5m2";
  case MOEC_EMU_TYPE_S8:
    return "s8";
  case MOEC_EMU_TYPE_U8:
    return "u8";
  case MOEC_EMU_TYPE_F32:
    return "f32";
  default:
    return "unknown";
  }
}

uint32_t typeBytes(uint32_t type) {
  switch (type) {
  case MOEC_EMU_TYPE_BF16:
  case MOEC_EMU_TYPE_F16:
    return 2;
  case MOEC_EMU_TYPE_TF32:
    return 4;
  default:
    return 1;
  }
}

bool isFp8(uint32_t t) {
  return t == MOEC_EMU_TYPE_E4M3 || t == MOEC_EMU_TYPE_E5M2;
}
bool isInt8(uint32_t t) {
  return t == MOEC_EMU_TYPE_S8 || t == MOEC_EMU_TYPE_U8;
}
bool is16Bit(uint32_t t) {
  return t == MOEC_EMU_TYPE_BF16 || t == MOEC_EMU_TYPE_F16;
}

/// PTX ISA, "wgmma.mma_async" (Syntax): the .atype/.btype combinations.
bool typePairAllowed(uint32_t a, uint32_t b) {
  if (is16Bit(a) || a == MOEC_EMU_TYPE_TF32)
    return a == b;
  return (isFp8(a) && isFp8(b)) || (isInt8(a) && isInt8(b));
}

/// PTX ISA, "Matrix Shape" of wgmma: K is 32 bytes of an operand row.
uint32_t expectedK(uint32_t type) { return 32 / typeBytes(type); }

/// PTX ISA, "Matrix Shape": N for the integer types is 8, 16, 24 or a
/// multiple of 16 up to 256; for the others any multiple of 8 up to 256.
bool shapeNAllowed(uint32_t n, uint32_t type) {
  if (n < 8 || n > 256 || n % 8 != 0)
    return false;
  return !isInt8(type) || n <= 24 || n % 16 == 0;
}

/// An operand as wgmma reads it: `rows` (M or N) by `k` elements.
struct Operand {
  char name;
  WgmmaDescriptor desc;
  uint32_t rows, k, elementBytes;
  bool mnMajor;
};

/// The shared address, before the swizzle, of element (row, k) of the
/// operand (PTX ISA, "Shared Memory Matrix Layout" and "Strides"; the same
/// canonical layouts as CUTLASS's GMMA descriptors). Swizzle span W:
///   K-major:  start + (r/8)*SBO + (r%8)*W + (kb/W)*LBO + kb%W
///   MN-major: start + (k/8)*SBO + (k%8)*W + (mb/W)*LBO + mb%W
/// with kb = k*elementBytes, mb = r*elementBytes. Without swizzle the core
/// matrices are 8 x 16 bytes and the K-major formula holds with W = 16,
/// while MN-major swaps the offsets: (mb/16)*SBO and (k/8)*LBO.
uint64_t elementAddress(const Operand &op, uint32_t row, uint32_t k) {
  const WgmmaDescriptor &d = op.desc;
  uint64_t w = d.swizzleBytes ? d.swizzleBytes : 16;
  if (!op.mnMajor) {
    uint64_t kb = uint64_t(k) * op.elementBytes;
    return d.startAddress + uint64_t(row / 8) * d.strideByteOffset +
           (row % 8) * w + (kb / w) * d.leadingByteOffset + kb % w;
  }
  uint64_t mb = uint64_t(row) * op.elementBytes;
  uint64_t kGroup = k / 8, mnGroup = mb / w;
  if (d.swizzleBytes)
    return d.startAddress + kGroup * d.strideByteOffset + (k % 8) * w +
           mnGroup * d.leadingByteOffset + mb % w;
  return d.startAddress + mnGroup * d.strideByteOffset + (k % 8) * w +
         kGroup * d.leadingByteOffset + mb % w;
}

/// The 16 bytes at `address` must lie in the window and, when tracked, not
/// be flagged as written by the generic proxy.
std::string checkChunk(const Operand &op, uint64_t address, SharedWindow window,
                       const uint8_t *genericWritten) {
  if (address + 16 > window.size)
    return formatString(
        "wgmma operand %c reads shared bytes [0x%llx, "
        "0x%llx) outside the %u-byte shared window (%s)",
        op.name, (unsigned long long)address, (unsigned long long)address + 16,
        window.size,
        describeWgmmaDescriptor(encodeWgmmaDescriptor(op.desc)).c_str());
  if (!genericWritten)
    return "";
  for (uint32_t i = 0; i < 16; ++i)
    if (genericWritten[address + i])
      return formatString("wgmma reads shared byte 0x%llx written by a "
                          "generic-proxy store with no fence.proxy.async in "
                          "between (operand %c)",
                          (unsigned long long)(address + i), op.name);
  return "";
}

/// Decodes the whole operand: element (row, k) goes to out[row * ldRow +
/// k * ldK]. Works in 16-byte chunks, which no layout or swizzle splits:
/// along K for K-major operands, along M/N for MN-major ones.
template <typename T, typename Convert>
std::string loadOperand(const Operand &op, SharedWindow window,
                        const uint8_t *genericWritten, T *out, uint32_t ldRow,
                        uint32_t ldK, Convert convert) {
  uint32_t perChunk = 16 / op.elementBytes;
  uint32_t outer = op.mnMajor ? op.k : op.rows;
  uint32_t inner = op.mnMajor ? op.rows : op.k;
  for (uint32_t o = 0; o < outer; ++o) {
    for (uint32_t i = 0; i < inner; i += perChunk) {
      uint32_t row = op.mnMajor ? i : o, k = op.mnMajor ? o : i;
      uint64_t raw = elementAddress(op, row, k);
      uint64_t address =
          raw >> 32 ? raw // outside any window: reported below
                    : swizzleSharedAddress(uint32_t(raw), op.desc.swizzleBytes);
      std::string error = checkChunk(op, address, window, genericWritten);
      if (!error.empty())
        return error;
      const uint8_t *bytes = window.base + address;
      for (uint32_t j = 0; j < perChunk; ++j) {
        uint32_t r = op.mnMajor ? row + j : row;
        uint32_t kk = op.mnMajor ? k : k + j;
        out[size_t(r) * ldRow + size_t(kk) * ldK] =
            convert(bytes + j * op.elementBytes);
      }
    }
  }
  return "";
}

/// A float-typed operand element decoder, negated when asked (.imm-scale
/// -1 of PTX's wgmma is a negation of the operand). FP8 decodes through the
/// 256-entry table, looked up once per call.
struct FloatDecoder {
  uint32_t type;
  float sign;
  const float *fp8 = type == MOEC_EMU_TYPE_E4M3   ? e4m3Table()
                     : type == MOEC_EMU_TYPE_E5M2 ? e5m2Table()
                                                  : nullptr;
  float operator()(const uint8_t *p) const {
    if (fp8)
      return sign * fp8[p[0]];
    if (type == MOEC_EMU_TYPE_TF32) {
      // tf32 keeps 10 mantissa bits of the 32-bit container; the emulator
      // assumes the tensor core ignores the low 13.
      uint32_t word;
      std::memcpy(&word, p, 4);
      word &= 0xFFFFE000u;
      float value;
      std::memcpy(&value, &word, 4);
      return sign * value;
    }
    uint16_t half;
    std::memcpy(&half, p, 2);
    return sign *
           (type == MOEC_EMU_TYPE_BF16 ? bf16ToFloat(half) : f16ToFloat(half));
  }
};

struct IntDecoder {
  bool isSigned;
  int32_t operator()(const uint8_t *p) const {
    return isSigned ? int32_t(int8_t(p[0])) : int32_t(p[0]);
  }
};

/// Thread t's register i of an m64nN f32/s32 accumulator: the index of its
/// element in a row-major 64 x N matrix (PTX ISA, "Register Fragments",
/// wgmma D).
inline size_t fragmentElement(uint32_t t, uint32_t i, uint32_t n) {
  uint32_t warp = t / 32, lane = t % 32;
  uint32_t row = 16 * warp + lane / 4 + 8 * ((i / 2) % 2);
  uint32_t col = 8 * (i / 4) + 2 * (lane % 4) + i % 2;
  return size_t(row) * n + col;
}

/// D (64 x n) = A (64 x k, row-major) * Bt (k x n, row-major), in f32 with
/// each element summed in K order. The inner loop runs over N, so that it
/// vectorizes without reordering any sum.
void multiplyFloat(const float *__restrict a, const float *__restrict bt,
                   float *__restrict d, uint32_t k, uint32_t n) {
  std::memset(d, 0, sizeof(float) * 64 * n);
  for (uint32_t m = 0; m < 64; ++m) {
    float *__restrict row = d + size_t(m) * n;
    for (uint32_t kk = 0; kk < k; ++kk) {
      float av = a[m * k + kk];
      const float *__restrict b = bt + size_t(kk) * n;
      for (uint32_t j = 0; j < n; ++j)
        row[j] += av * b[j];
    }
  }
}

/// As multiplyFloat for s8/u8, with s32 wrap-around accumulation.
void multiplyInt(const int32_t *a, const int32_t *bt, uint32_t *d, uint32_t k,
                 uint32_t n) {
  std::memset(d, 0, sizeof(uint32_t) * 64 * n);
  for (uint32_t m = 0; m < 64; ++m)
    for (uint32_t kk = 0; kk < k; ++kk)
      for (uint32_t j = 0; j < n; ++j)
        d[size_t(m) * n + j] +=
            uint32_t(a[m * k + kk]) * uint32_t(bt[size_t(kk) * n + j]);
}

Operand makeOperand(char name, uint64_t desc, uint32_t rows, uint32_t k,
                    uint32_t type, bool mnMajor) {
  return Operand{name,   decodeWgmmaDescriptor(desc), rows, k, typeBytes(type),
                 mnMajor};
}

std::string checkDescriptors(const Operand &a, const Operand &b) {
  for (const Operand *op : {&a, &b})
    if (op->desc.baseOffset != 0)
      return formatString("wgmma operand %c: descriptor base offset %u is "
                          "not supported by the emulator (only 0, with "
                          "swizzle atoms aligned to their repeat)",
                          op->name, op->desc.baseOffset);
  return "";
}

std::string executeFloat(const Operand &opA, const Operand &opB,
                         uint32_t config, SharedWindow window,
                         float *const fragments[128],
                         const uint8_t *genericWritten) {
  uint32_t n = opB.rows, k = opA.k;
  thread_local std::vector<float> scratch;
  scratch.resize(size_t(64) * k + size_t(k) * n + size_t(64) * n);
  float *a = scratch.data(), *bt = a + 64 * k, *d = bt + size_t(k) * n;
  FloatDecoder decodeA{MOEC_EMU_WGMMA_TYPE_A(config),
                       MOEC_EMU_WGMMA_NEG_A(config) ? -1.0f : 1.0f};
  FloatDecoder decodeB{MOEC_EMU_WGMMA_TYPE_B(config),
                       MOEC_EMU_WGMMA_NEG_B(config) ? -1.0f : 1.0f};
  std::string error =
      loadOperand(opA, window, genericWritten, a, k, 1, decodeA);
  if (error.empty()) // B[k][n] is operand row n: store it transposed
    error = loadOperand(opB, window, genericWritten, bt, 1, n, decodeB);
  if (!error.empty())
    return error;
  multiplyFloat(a, bt, d, k, n);
  bool scaleD = MOEC_EMU_WGMMA_SCALE_D(config);
  for (uint32_t t = 0; t < 128; ++t)
    for (uint32_t i = 0; i < n / 2; ++i) {
      float product = d[fragmentElement(t, i, n)];
      fragments[t][i] = scaleD ? fragments[t][i] + product : product;
    }
  return "";
}

std::string executeInt(const Operand &opA, const Operand &opB, uint32_t config,
                       SharedWindow window, float *const fragments[128],
                       const uint8_t *genericWritten) {
  uint32_t n = opB.rows, k = opA.k;
  thread_local std::vector<int32_t> scratch;
  scratch.resize(size_t(64) * k + size_t(k) * n + size_t(64) * n);
  int32_t *a = scratch.data(), *bt = a + 64 * k, *d = bt + size_t(k) * n;
  IntDecoder decodeA{MOEC_EMU_WGMMA_TYPE_A(config) == MOEC_EMU_TYPE_S8};
  IntDecoder decodeB{MOEC_EMU_WGMMA_TYPE_B(config) == MOEC_EMU_TYPE_S8};
  std::string error =
      loadOperand(opA, window, genericWritten, a, k, 1, decodeA);
  if (error.empty())
    error = loadOperand(opB, window, genericWritten, bt, 1, n, decodeB);
  if (!error.empty())
    return error;
  uint32_t *sums = reinterpret_cast<uint32_t *>(d);
  multiplyInt(a, bt, sums, k, n);
  bool scaleD = MOEC_EMU_WGMMA_SCALE_D(config);
  for (uint32_t t = 0; t < 128; ++t)
    for (uint32_t i = 0; i < n / 2; ++i) {
      uint32_t value = sums[fragmentElement(t, i, n)], old;
      std::memcpy(&old, &fragments[t][i], 4);
      if (scaleD)
        value += old;
      std::memcpy(&fragments[t][i], &value, 4);
    }
  return "";
}

} // namespace

WgmmaDescriptor decodeWgmmaDescriptor(uint64_t desc) {
  static const uint32_t swizzle[4] = {0, 128, 64, 32};
  WgmmaDescriptor d;
  d.startAddress = uint32_t(desc & 0x3FFF) << 4;
  d.leadingByteOffset = uint32_t((desc >> 16) & 0x3FFF) << 4;
  d.strideByteOffset = uint32_t((desc >> 32) & 0x3FFF) << 4;
  d.baseOffset = uint32_t((desc >> 49) & 7);
  d.swizzleBytes = swizzle[desc >> 62];
  return d;
}

uint64_t encodeWgmmaDescriptor(const WgmmaDescriptor &d) {
  uint64_t mode = d.swizzleBytes == 128  ? 1
                  : d.swizzleBytes == 64 ? 2
                  : d.swizzleBytes == 32 ? 3
                                         : 0;
  return uint64_t((d.startAddress >> 4) & 0x3FFF) |
         uint64_t((d.leadingByteOffset >> 4) & 0x3FFF) << 16 |
         uint64_t((d.strideByteOffset >> 4) & 0x3FFF) << 32 |
         uint64_t(d.baseOffset & 7) << 49 | mode << 62;
}

std::string describeWgmmaDescriptor(uint64_t desc) {
  WgmmaDescriptor d = decodeWgmmaDescriptor(desc);
  std::string swizzle = d.swizzleBytes
                            ? std::to_string(d.swizzleBytes) + "B swizzle"
                            : std::string("no swizzle");
  return formatString("descriptor 0x%016llx: start 0x%x, LBO %u, SBO %u, "
                      "base offset %u, %s",
                      (unsigned long long)desc, d.startAddress,
                      d.leadingByteOffset, d.strideByteOffset, d.baseOffset,
                      swizzle.c_str());
}

std::string validateWgmmaConfig(uint32_t config) {
  uint32_t n = MOEC_EMU_WGMMA_N(config), k = MOEC_EMU_WGMMA_K(config);
  uint32_t ta = MOEC_EMU_WGMMA_TYPE_A(config);
  uint32_t tb = MOEC_EMU_WGMMA_TYPE_B(config);
  if ((config >> 29) != 0 || (config & (1u << 15)) != 0)
    return formatString("wgmma: config 0x%x has unknown bits", config);
  if (!typePairAllowed(ta, tb))
    return formatString("wgmma: A type %s (%u) with B type %s (%u) is not a "
                        "type pair wgmma.mma_async has",
                        typeName(ta), ta, typeName(tb), tb);
  if (k != expectedK(ta))
    return formatString("wgmma: k = %u with %s operands; the shape is "
                        "m64nNk%u",
                        k, typeName(ta), expectedK(ta));
  if (!shapeNAllowed(n, ta))
    return formatString("wgmma: n = %u is not a valid N for %s operands (%s)",
                        n, typeName(ta),
                        isInt8(ta) ? "8, 16, 24 or a multiple of 16 up to 256"
                                   : "a multiple of 8 in 8..256");
  if ((MOEC_EMU_WGMMA_TRANS_A(config) || MOEC_EMU_WGMMA_TRANS_B(config)) &&
      !is16Bit(ta))
    return formatString("wgmma: transposed (MN-major) operands need bf16 or "
                        "f16, not %s",
                        typeName(ta));
  if ((MOEC_EMU_WGMMA_NEG_A(config) || MOEC_EMU_WGMMA_NEG_B(config)) &&
      isInt8(ta))
    return formatString("wgmma: operand negation (imm-scale -1) is not "
                        "available for %s",
                        typeName(ta));
  return "";
}

std::string wgmmaExecute(uint64_t descA, uint64_t descB, uint32_t config,
                         SharedWindow window, float *const fragments[128],
                         const uint8_t *genericWritten) {
  std::string error = validateWgmmaConfig(config);
  if (!error.empty())
    return error;
  uint32_t n = MOEC_EMU_WGMMA_N(config), k = MOEC_EMU_WGMMA_K(config);
  uint32_t ta = MOEC_EMU_WGMMA_TYPE_A(config);
  uint32_t tb = MOEC_EMU_WGMMA_TYPE_B(config);
  Operand a =
      makeOperand('A', descA, 64, k, ta, MOEC_EMU_WGMMA_TRANS_A(config) != 0);
  Operand b =
      makeOperand('B', descB, n, k, tb, MOEC_EMU_WGMMA_TRANS_B(config) != 0);
  error = checkDescriptors(a, b);
  if (!error.empty())
    return error;
  if (!fragments)
    return "wgmma: the accumulator fragment array is null";
  for (uint32_t t = 0; t < 128; ++t)
    if (!fragments[t])
      return formatString("wgmma: thread %u's accumulator pointer is null", t);
  if (isInt8(ta))
    return executeInt(a, b, config, window, fragments, genericWritten);
  return executeFloat(a, b, config, window, fragments, genericWritten);
}

} // namespace moec::emu
