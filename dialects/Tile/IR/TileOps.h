//===- TileOps.h - moec tile dialect operations -----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_TILE_IR_TILEOPS_H
#define MOEC_DIALECTS_TILE_IR_TILEOPS_H

#include "dialects/Tile/IR/TileAttrs.h"
#include "dialects/Tile/IR/TileDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/Tile/IR/TileOps.h.inc"

#endif // MOEC_DIALECTS_TILE_IR_TILEOPS_H
