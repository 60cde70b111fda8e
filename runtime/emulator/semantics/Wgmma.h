//===- Wgmma.h - wgmma descriptors and warpgroup MMA ------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_SEMANTICS_WGMMA_H
#define MOEC_RUNTIME_EMULATOR_SEMANTICS_WGMMA_H

#include "runtime/emulator/semantics/SharedWindow.h"

#include <cstdint>
#include <string>

namespace moec::emu {

/// A wgmma shared-memory matrix descriptor, fields in bytes.
struct WgmmaDescriptor {
  uint32_t startAddress, leadingByteOffset, strideByteOffset, baseOffset;
  uint32_t swizzleBytes; // 0 = none (interleave), 32, 64, 128
};

/// PTX ISA, "Matrix Descriptor Format": bits 0-13 start >> 4, 16-29 LBO >> 4,
/// 32-45 SBO >> 4, 49-51 base offset, 62-63 swizzle (0 none, 1 128B, 2 64B,
/// 3 32B).
WgmmaDescriptor decodeWgmmaDescriptor(uint64_t desc);
/// The inverse of decodeWgmmaDescriptor (addresses and offsets truncated to
/// their fields).
uint64_t encodeWgmmaDescriptor(const WgmmaDescriptor &desc);
/// "start 0x400, LBO 16, SBO 1024, base offset 0, 128B swizzle".
std::string describeWgmmaDescriptor(uint64_t desc);

/// "" when `config` (MOEC_EMU_WGMMA_CONFIG) names a wgmma PTX has, else why
/// not: the type pairs PTX allows, K = 16 for 16-bit types, 32 for 8-bit,
/// 8 for tf32, N in 8..256 a multiple of 8 (s8/u8: 8, 16, 24 or a multiple
/// of 16), transposes only for bf16/f16, negation only for float types.
std::string validateWgmmaConfig(uint32_t config);

/// wgmma.mma_async.sync.aligned.m64nNkK.f32.{A}.{B} for one warpgroup,
/// shared x shared: D = A*B (+ D when scale-d), A 64xK from descA, B KxN
/// from descB (K-major, or MN-major with the transpose bits for bf16/f16).
/// The products are summed in f32 in K order, then added to D.
///
/// fragments[t] (t = 0..127, the warpgroup's thread) points at the thread's
/// N/2 accumulator registers in the PTX ISA "Register Fragments" layout of
/// D (m64nNk*): register i of thread t (warp w = t/32, lane l = t%32) is row
/// 16w + l/4 + 8*((i/2)%2), column 8*(i/4) + 2*(l%4) + i%2. Read when
/// scale-d, always written. For s8/u8 the registers hold s32 bit patterns.
///
/// Errors (nothing written): validateWgmmaConfig's; an operand byte outside
/// the window; a nonzero descriptor base offset; if `genericWritten` is
/// non-null (a per-byte flag array over the window) an operand byte that is
/// flagged ("wgmma reads shared byte 0x... written by a generic-proxy store
/// with no fence.proxy.async in between").
std::string wgmmaExecute(uint64_t descA, uint64_t descB, uint32_t config,
                         SharedWindow window, float *const fragments[128],
                         const uint8_t *genericWritten);

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_SEMANTICS_WGMMA_H
