//===- ShapeUtils.h - shape helpers shared by moec verifiers ----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Small helpers the op verifiers of the moec dialects share: comparing
// possibly-dynamic dimensions and printing them the way MLIR types do.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_COMMON_SHAPEUTILS_H
#define MOEC_DIALECTS_COMMON_SHAPEUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::moec {

/// True when two dimensions may be equal at run time: either is dynamic or
/// both are the same static size.
inline bool dimsCompatible(int64_t lhs, int64_t rhs) {
  return ShapedType::isDynamic(lhs) || ShapedType::isDynamic(rhs) || lhs == rhs;
}

/// Renders a dimension as MLIR prints it: `?` for dynamic.
inline std::string dimToString(int64_t dim) {
  return ShapedType::isDynamic(dim) ? std::string("?") : std::to_string(dim);
}

/// Dimension `dim` of a ranked tensor value.
inline int64_t dimOf(Value value, unsigned dim) {
  return llvm::cast<RankedTensorType>(value.getType()).getDimSize(dim);
}

/// Emits "<name> has type T, expected shape [..]" on `op` unless `value`'s
/// shape is compatible with `expected` (dynamic sizes match anything).
LogicalResult verifyShape(Operation *op, StringRef name, Value value,
                          ArrayRef<int64_t> expected);

} // namespace mlir::moec

#endif // MOEC_DIALECTS_COMMON_SHAPEUTILS_H
