//===- Passes.h - moec target-independent passes ----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_PASSES_PASSES_H
#define MOEC_PASSES_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::moec {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Registers every moec pass and pipeline with the global registry, for
/// moec-opt and for textual pass pipelines.
void registerAllPasses();

} // namespace mlir::moec

#endif // MOEC_PASSES_PASSES_H
