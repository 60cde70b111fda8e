//===- TileDialect.h - moec tile dialect ------------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_TILE_IR_TILEDIALECT_H
#define MOEC_DIALECTS_TILE_IR_TILEDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/Tile/IR/TileDialect.h.inc"

#endif // MOEC_DIALECTS_TILE_IR_TILEDIALECT_H
