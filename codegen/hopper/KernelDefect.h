//===- KernelDefect.h - Deliberate defects for emulator tests ---*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The Hopper emulator must catch the bugs that matter on Hopper. Its tests
// build kernels with exactly one of these defects (`moec emit-kernel
// --inject-defect=NAME`, a test-only option) and require each to fail:
// with wrong numbers, a named deadlock or a named access error.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_KERNELDEFECT_H
#define MOEC_CODEGEN_HOPPER_KERNELDEFECT_H

#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mlir::moec::hopper {

enum class KernelDefect {
  None,
  /// wgmma descriptors with a 512-byte stride byte offset (1024 is right).
  WrongSbo,
  /// wgmma descriptors in 64B swizzle mode over 128B-swizzled tiles.
  WrongSwizzle,
  /// arrive.expect_tx announces 16 bytes fewer than the stage's TMA loads.
  ExpectTxShort,
  /// The producer waits for the `empty` phase of the wrong parity.
  EmptyParityFlipped,
  /// Consumer thread 0 never arrives on `empty`.
  SkipEmptyArrive,
  /// The epilogue stores every row 8 rows down.
  EpilogueRowOffset,
  /// fp8-block promotion reads the next K block's weight scale.
  BlockScaleOffByOne,
  /// The MoE dispatch writes each routed row one row further in its
  /// segment (the last one past it).
  DispatchPastSegment,
};

/// The --inject-defect spellings: wrong-sbo, wrong-swizzle, expect-tx-short,
/// empty-parity-flipped, skip-empty-arrive, epilogue-row-offset,
/// block-scale-off-by-one, dispatch-past-segment (and none).
std::optional<KernelDefect> parseKernelDefect(llvm::StringRef text);
llvm::StringRef stringifyKernelDefect(KernelDefect defect);

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_KERNELDEFECT_H
