//===- Fp8.h - FP8, bf16 and f16 conversions --------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Bit-exact conversions between f32 and the narrow floating-point types of
// PTX (PTX ISA, "Floating Point Data Types" and "cvt"):
//   e4m3: 1-4-3, bias 7, no infinities, NaN = S.1111.111, max finite 448
//   e5m2: 1-5-2, bias 15, IEEE infinities and NaNs, max finite 57344
//   bf16: 1-8-7, f16: 1-5-10 (IEEE binary16)
// All rounding is to nearest, ties to even, subnormals included.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_SEMANTICS_FP8_H
#define MOEC_RUNTIME_EMULATOR_SEMANTICS_FP8_H

#include <cstdint>
#include <string>

namespace moec::emu {

float e4m3ToFloat(uint8_t bits);
float e5m2ToFloat(uint8_t bits);
/// The 256 values of every e4m3 (e5m2) code, for decoding in bulk.
const float *e4m3Table();
const float *e5m2Table();

/// f32 -> e4m3, rounded to nearest even. NaN gives 0x7F; `relu` turns
/// negative values (-0 included) into +0. Finite overflow and infinities
/// give +-448 with `satfinite`, else NaN (e4m3 has no infinity).
uint8_t floatToE4m3(float v, bool satfinite, bool relu);
/// f32 -> e5m2, as floatToE4m3; without `satfinite` overflow gives +-inf.
uint8_t floatToE5m2(float v, bool satfinite, bool relu);

float bf16ToFloat(uint16_t bits);
/// f32 -> bf16, rounded to nearest even; a NaN stays a (quiet) NaN.
uint16_t floatToBf16(float v);

float f16ToFloat(uint16_t bits);
/// f32 -> f16, rounded to nearest even; overflow gives inf, NaN 0x7E00.
uint16_t floatToF16(float v);

/// cvt.rn.satfinite{.relu}.{e4m3x2,e5m2x2}.f32 d, a, b: a's byte in bits
/// 15:8, b's in 7:0 (PTX ISA, "cvt"; .satfinite is mandatory there).
/// config = MOEC_EMU_TYPE_E4M3 or MOEC_EMU_TYPE_E5M2, | MOEC_EMU_CVT_RELU.
/// A config that validateCvtF8x2Config rejects converts as e4m3.
uint32_t cvtF32x2ToF8x2(float a, float b, uint32_t config);
/// "" when `config` is a valid cvtF32x2ToF8x2 config, else why not.
std::string validateCvtF8x2Config(uint32_t config);

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_SEMANTICS_FP8_H
