//===- InitAllDialects.h - registration of moec's dialects ------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_INITALLDIALECTS_H
#define MOEC_DIALECTS_INITALLDIALECTS_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::moec {

/// Adds the moec dialects and the upstream dialects moec's IR and pipelines
/// use (func, arith, math, scf, tensor) to `registry`.
void registerAllDialects(DialectRegistry &registry);

} // namespace mlir::moec

#endif // MOEC_DIALECTS_INITALLDIALECTS_H
