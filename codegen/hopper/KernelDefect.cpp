//===- KernelDefect.cpp - Deliberate defects for emulator tests -*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/KernelDefect.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir::moec::hopper;

std::optional<KernelDefect>
mlir::moec::hopper::parseKernelDefect(llvm::StringRef text) {
  return llvm::StringSwitch<std::optional<KernelDefect>>(text)
      .Case("none", KernelDefect::None)
      .Case("wrong-sbo", KernelDefect::WrongSbo)
      .Case("wrong-swizzle", KernelDefect::WrongSwizzle)
      .Case("expect-tx-short", KernelDefect::ExpectTxShort)
      .Case("empty-parity-flipped", KernelDefect::EmptyParityFlipped)
      .Case("skip-empty-arrive", KernelDefect::SkipEmptyArrive)
      .Case("epilogue-row-offset", KernelDefect::EpilogueRowOffset)
      .Case("block-scale-off-by-one", KernelDefect::BlockScaleOffByOne)
      .Case("dispatch-past-segment", KernelDefect::DispatchPastSegment)
      .Default(std::nullopt);
}

llvm::StringRef mlir::moec::hopper::stringifyKernelDefect(KernelDefect defect) {
  switch (defect) {
  case KernelDefect::None:
    return "none";
  case KernelDefect::WrongSbo:
    return "wrong-sbo";
  case KernelDefect::WrongSwizzle:
    return "wrong-swizzle";
  case KernelDefect::ExpectTxShort:
    return "expect-tx-short";
  case KernelDefect::EmptyParityFlipped:
    return "empty-parity-flipped";
  case KernelDefect::SkipEmptyArrive:
    return "skip-empty-arrive";
  case KernelDefect::EpilogueRowOffset:
    return "epilogue-row-offset";
  case KernelDefect::BlockScaleOffByOne:
    return "block-scale-off-by-one";
  case KernelDefect::DispatchPastSegment:
    return "dispatch-past-segment";
  }
  return "none";
}
