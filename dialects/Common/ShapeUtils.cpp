//===- ShapeUtils.cpp - shape helpers shared by moec verifiers --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the shape check the verifiers of the moe and tile
// dialects share.
//
//===----------------------------------------------------------------------===//

#include "dialects/Common/ShapeUtils.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;

LogicalResult mlir::moec::verifyShape(Operation *op, StringRef name,
                                      Value value, ArrayRef<int64_t> expected) {
  auto type = cast<RankedTensorType>(value.getType());
  bool matches =
      type.getRank() == static_cast<int64_t>(expected.size()) &&
      llvm::all_of(llvm::zip_equal(type.getShape(), expected), [](auto dims) {
        return dimsCompatible(std::get<0>(dims), std::get<1>(dims));
      });
  if (matches)
    return success();
  InFlightDiagnostic diag = op->emitOpError() << name << " has type " << type
                                              << ", expected shape [";
  llvm::interleaveComma(expected, diag,
                        [&](int64_t dim) { diag << dimToString(dim); });
  return diag << "]";
}
