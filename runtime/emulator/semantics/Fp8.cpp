//===- Fp8.cpp - FP8, bf16 and f16 conversions ----------------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/semantics/Fp8.h"

#include "moec/emulator_abi.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace moec::emu {
namespace {

/// A small binary floating-point format (PTX ISA, "Floating Point Data
/// Types"). All its values are exact in double, so rounding is done there.
struct MiniFloat {
  int manBits;
  int bias;
  uint32_t maxFiniteCode; // the magnitude bits of the largest finite value
  uint32_t overflowCode;  // magnitude bits of an unsaturated overflow
  uint32_t nanCode;       // the canonical NaN (sign clear)
  uint32_t signBit;
};

constexpr MiniFloat kE4m3 = {3, 7, 0x7E, 0x7F, 0x7F, 0x80};
constexpr MiniFloat kE5m2 = {2, 15, 0x7B, 0x7C, 0x7F, 0x80};
constexpr MiniFloat kF16 = {10, 15, 0x7BFF, 0x7C00, 0x7E00, 0x8000};

/// The value of magnitude bits `code` (finite codes only).
double decodeMagnitude(uint32_t code, const MiniFloat &f) {
  uint32_t man = code & ((1u << f.manBits) - 1);
  int exp = int(code >> f.manBits);
  if (exp == 0) // subnormal: 0.man * 2^(1 - bias)
    return std::ldexp(double(man), 1 - f.bias - f.manBits);
  return std::ldexp(double(man | (1u << f.manBits)), exp - f.bias - f.manBits);
}

/// Round half to even of a non-negative double.
double roundHalfEven(double q) {
  double floor = std::floor(q);
  double diff = q - floor;
  if (diff > 0.5 || (diff == 0.5 && std::fmod(floor, 2.0) != 0.0))
    return floor + 1.0;
  return floor;
}

/// Rounds finite a >= 0 to the format's precision, as if the exponent range
/// had no top: the quantum is 2^(e - manBits) for a in [2^e, 2^(e+1)),
/// and 2^(emin - manBits) below the smallest normal 2^emin (subnormals).
double roundToFormat(double a, const MiniFloat &f) {
  if (a == 0.0)
    return 0.0;
  int e;
  std::frexp(a, &e); // a = m * 2^e, m in [0.5, 1): floor(log2 a) = e - 1
  int exp = std::max(e - 1, 1 - f.bias);
  double quantum = std::ldexp(1.0, exp - f.manBits);
  return roundHalfEven(a / quantum) * quantum;
}

/// The magnitude bits of an exactly representable finite r >= 0.
uint32_t encodeExact(double r, const MiniFloat &f) {
  if (r == 0.0)
    return 0;
  int e;
  std::frexp(r, &e);
  int exp = e - 1;
  int emin = 1 - f.bias;
  if (exp < emin) // subnormal
    return uint32_t(std::ldexp(r, f.manBits - emin));
  uint32_t man = uint32_t(std::ldexp(r, f.manBits - exp)) - (1u << f.manBits);
  return (uint32_t(exp + f.bias) << f.manBits) | man;
}

uint32_t encode(float v, const MiniFloat &f, bool satfinite, bool relu) {
  if (std::isnan(v))
    return f.nanCode; // cvt: NaN results are the canonical NaN
  bool negative = std::signbit(v);
  if (relu && negative)
    return 0; // cvt .relu: negative results are clamped to +0
  uint32_t sign = negative ? f.signBit : 0;
  double a = std::fabs(double(v));
  double maxFinite = decodeMagnitude(f.maxFiniteCode, f);
  double r = std::isinf(a) ? INFINITY : roundToFormat(a, f);
  if (r > maxFinite) // .satfinite: beyond MAX_NORM (inf too) -> MAX_NORM
    return sign | (satfinite ? f.maxFiniteCode : f.overflowCode);
  return sign | encodeExact(r, f);
}

float decode(uint32_t bits, const MiniFloat &f, bool hasInfinity) {
  uint32_t mag = bits & (f.signBit - 1);
  bool negative = (bits & f.signBit) != 0;
  double value;
  if (mag == f.nanCode || (mag > f.maxFiniteCode && !hasInfinity) ||
      mag > f.overflowCode)
    value = NAN;
  else if (mag == f.overflowCode && hasInfinity)
    value = INFINITY;
  else
    value = decodeMagnitude(mag, f);
  return float(negative ? -value : value);
}

/// 256-entry decode table, so that wgmma decodes FP8 operands with a load.
struct Fp8Tables {
  float e4m3[256], e5m2[256];
  Fp8Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      e4m3[i] = decode(i, kE4m3, /*hasInfinity=*/false);
      e5m2[i] = decode(i, kE5m2, /*hasInfinity=*/true);
    }
  }
};

const Fp8Tables &fp8Tables() {
  static const Fp8Tables tables;
  return tables;
}

} // namespace

const float *e4m3Table() { return fp8Tables().e4m3; }
const float *e5m2Table() { return fp8Tables().e5m2; }
float e4m3ToFloat(uint8_t bits) { return fp8Tables().e4m3[bits]; }
float e5m2ToFloat(uint8_t bits) { return fp8Tables().e5m2[bits]; }

uint8_t floatToE4m3(float v, bool satfinite, bool relu) {
  return uint8_t(encode(v, kE4m3, satfinite, relu));
}

uint8_t floatToE5m2(float v, bool satfinite, bool relu) {
  return uint8_t(encode(v, kE5m2, satfinite, relu));
}

float bf16ToFloat(uint16_t bits) {
  uint32_t word = uint32_t(bits) << 16;
  float value;
  std::memcpy(&value, &word, 4);
  return value;
}

uint16_t floatToBf16(float v) {
  uint32_t word;
  std::memcpy(&word, &v, 4);
  if (std::isnan(v)) // keep sign and payload top, force a quiet NaN
    return uint16_t((word >> 16) | 0x40);
  // Round to nearest even on the 16 dropped bits; a carry into the exponent
  // is the correct result (up to inf on overflow).
  word += 0x7FFF + ((word >> 16) & 1);
  return uint16_t(word >> 16);
}

float f16ToFloat(uint16_t bits) {
  return decode(bits, kF16, /*hasInfinity=*/true);
}

uint16_t floatToF16(float v) {
  return uint16_t(encode(v, kF16, /*satfinite=*/false, /*relu=*/false));
}

uint32_t cvtF32x2ToF8x2(float a, float b, uint32_t config) {
  bool relu = (config & MOEC_EMU_CVT_RELU) != 0;
  bool e5m2 = (config & 0xFFu) == MOEC_EMU_TYPE_E5M2;
  auto convert = [&](float v) -> uint32_t {
    return e5m2 ? floatToE5m2(v, true, relu) : floatToE4m3(v, true, relu);
  };
  return (convert(a) << 8) | convert(b);
}

std::string validateCvtF8x2Config(uint32_t config) {
  uint32_t type = config & 0xFFu;
  if (type != MOEC_EMU_TYPE_E4M3 && type != MOEC_EMU_TYPE_E5M2)
    return "cvt f32x2 -> f8x2: result type " + std::to_string(type) +
           " is neither e4m3 (" + std::to_string(MOEC_EMU_TYPE_E4M3) +
           ") nor e5m2 (" + std::to_string(MOEC_EMU_TYPE_E5M2) + ")";
  if (config & ~(0xFFu | MOEC_EMU_CVT_RELU))
    return "cvt f32x2 -> f8x2: unknown config bits in " +
           std::to_string(config);
  return "";
}

} // namespace moec::emu
