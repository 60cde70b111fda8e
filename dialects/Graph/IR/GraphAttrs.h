//===- GraphAttrs.h - moec graph dialect attributes -------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_GRAPH_IR_GRAPHATTRS_H
#define MOEC_DIALECTS_GRAPH_IR_GRAPHATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/DialectImplementation.h"

namespace mlir::moec::graph {

/// Parses a double-precision attribute parameter: a float literal, as for
/// builtin float attributes (`16.0`, `1e-05`; a bare `16` is rejected).
FailureOr<llvm::APFloat> parseF64Parameter(AsmParser &parser);

/// Prints a double-precision attribute parameter in shortest round-trip form.
void printF64Parameter(AsmPrinter &printer, const llvm::APFloat &value);

} // namespace mlir::moec::graph

#include "dialects/Graph/IR/GraphEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Graph/IR/GraphAttrs.h.inc"

#endif // MOEC_DIALECTS_GRAPH_IR_GRAPHATTRS_H
