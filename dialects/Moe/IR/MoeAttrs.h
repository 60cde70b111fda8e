//===- MoeAttrs.h - moec moe dialect attributes -----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_MOE_IR_MOEATTRS_H
#define MOEC_DIALECTS_MOE_IR_MOEATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/Moe/IR/MoeEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Moe/IR/MoeAttrs.h.inc"

namespace mlir::moec::moe {
/// Discardable attribute naming the role of an op that has no inherent
/// `op_class` (e.g. the shared expert's `graph.mlp`).
inline constexpr llvm::StringLiteral kOpClassAttrName = "moe.op_class";
} // namespace mlir::moec::moe

#endif // MOEC_DIALECTS_MOE_IR_MOEATTRS_H
