//===- Coverage.h - what the sm_90a code generator can lower ----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `moec compile --target=sm_90a` stops after tiling and names the ops of
// the model that have no sm_90a lowering yet, rather than writing an
// artifact that cannot run.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_COVERAGE_H
#define MOEC_CODEGEN_HOPPER_COVERAGE_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::moec::hopper {

/// Ops of a tiled module without an sm_90a lowering, with counts, e.g.
/// "attention nests (4), graph.rope (6)"; empty when everything has one.
/// `gemmNests` receives the number of dense GEMM nests (which have one).
std::string describeOpsWithoutLowering(ModuleOp module, int64_t &gemmNests);

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_COVERAGE_H
