//===- Registration.h - what moec-opt registers -----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The dialects and passes of moec-opt: moec's own, every upstream dialect
// that moec prints at some stage or in an emitted kernel, and MLIR's generic
// transforms (canonicalize, cse, inline, symbol-dce, ...).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOECOPT_REGISTRATION_H
#define MOEC_TOOLS_MOECOPT_REGISTRATION_H

namespace mlir {
class DialectRegistry;

namespace moec {

/// Adds every dialect (and the interfaces --inline needs) that moec's
/// outputs use to `registry`.
void registerMoecOptDialects(DialectRegistry &registry);

/// Registers moec's passes and pipelines and MLIR's generic transforms.
void registerMoecOptPasses();

} // namespace moec
} // namespace mlir

#endif // MOEC_TOOLS_MOECOPT_REGISTRATION_H
