//===- InitAllDialects.cpp - registration of moec's dialects ----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "dialects/InitAllDialects.h"
#include "dialects/Graph/IR/GraphDialect.h"
#include "dialects/Moe/IR/MoeDialect.h"
#include "dialects/Tile/IR/TileDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::moec::registerAllDialects(DialectRegistry &registry) {
  registry.insert<graph::GraphDialect, moe::MoeDialect, tile::TileDialect,
                  affine::AffineDialect, arith::ArithDialect, func::FuncDialect,
                  math::MathDialect, scf::SCFDialect, tensor::TensorDialect>();
}
