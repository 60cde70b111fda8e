//===- TileDialect.cpp - moec tile dialect ----------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the tile dialect's registration, the verifiers of its
// configuration attributes and of the discardable `tile.*` attributes.
//
//===----------------------------------------------------------------------===//

#include "dialects/Tile/IR/TileDialect.h"
#include "dialects/Tile/IR/TileAttrs.h"
#include "dialects/Tile/IR/TileOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::tile;

#include "dialects/Tile/IR/TileDialect.cpp.inc"
#include "dialects/Tile/IR/TileEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Tile/IR/TileAttrs.cpp.inc"

void TileDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Tile/IR/TileOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Tile/IR/TileAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Configuration attributes
//===----------------------------------------------------------------------===//

/// Emits an error unless `sizes` has `count` positive entries.
static LogicalResult verifySizes(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef name, ArrayRef<int64_t> sizes,
                                 size_t count, StringRef meaning) {
  if (sizes.size() != count)
    return emitError() << name << " needs " << count << " sizes (" << meaning
                       << "), got " << sizes.size();
  if (llvm::any_of(sizes, [](int64_t size) { return size <= 0; })) {
    InFlightDiagnostic diag = emitError()
                              << name << " sizes must be positive, got [";
    llvm::interleaveComma(sizes, diag);
    return diag << "]";
  }
  return success();
}

/// Checks `[producers, consumers]` and the pipeline depth: at least one
/// consumer, at most 8 warpgroups (1024 threads) per CTA, and a producer
/// only with at least two stages to run ahead into.
static LogicalResult
verifyWarpRoles(function_ref<InFlightDiagnostic()> emitError,
                ArrayRef<int64_t> roles, int64_t stages) {
  if (stages < 1)
    return emitError() << "stages must be at least 1, got " << stages;
  if (roles.size() != 2)
    return emitError() << "warp_roles needs 2 counts ([producers, "
                          "consumers]), got "
                       << roles.size();
  if (roles[0] < 0 || roles[1] < 1)
    return emitError() << "warp_roles needs >= 0 producers and >= 1 "
                          "consumers, got ["
                       << roles[0] << ", " << roles[1] << "]";
  if (roles[0] + roles[1] > 8)
    return emitError() << "warp_roles [" << roles[0] << ", " << roles[1]
                       << "] exceed 8 warpgroups (1024 threads) per CTA";
  if (roles[0] > 0 && stages < 2)
    return emitError() << "a producer warpgroup needs at least 2 pipeline "
                          "stages, got "
                       << stages;
  return success();
}

LogicalResult
GemmConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       ArrayRef<int64_t> tile, ArrayRef<int64_t> mma,
                       int64_t stages, ArrayRef<int64_t> warpRoles,
                       int64_t promoteEvery, bool swapAb) {
  if (failed(verifySizes(emitError, "tile", tile, 3, "M, N, K")) ||
      failed(verifySizes(emitError, "mma", mma, 3, "m, n, k")) ||
      failed(verifyWarpRoles(emitError, warpRoles, stages)))
    return failure();
  // With swap_ab the MMA's m runs along tile N and its n along tile M.
  static constexpr StringLiteral kDims[] = {"M", "N", "K"};
  static constexpr StringLiteral kMmaDims[] = {"m", "n", "k"};
  const unsigned mmaDimOf[3] = {swapAb ? 1u : 0u, swapAb ? 0u : 1u, 2u};
  for (unsigned i = 0; i < 3; ++i)
    if (tile[i] % mma[mmaDimOf[i]] != 0)
      return emitError() << "tile " << kDims[i] << " (" << tile[i]
                         << ") must be a multiple of mma "
                         << kMmaDims[mmaDimOf[i]] << " (" << mma[mmaDimOf[i]]
                         << ")" << (swapAb ? " with swap_ab" : "");
  unsigned splitDim = swapAb ? 1 : 0;
  if (tile[splitDim] % (warpRoles[1] * mma[0]) != 0)
    return emitError() << "tile " << kDims[splitDim] << " (" << tile[splitDim]
                       << ") must split into " << warpRoles[1]
                       << " consumer(s) of whole mma m (" << mma[0] << ") rows";
  if (promoteEvery < 0 || promoteEvery % tile[2] != 0)
    return emitError() << "promote_every (" << promoteEvery
                       << ") must be 0 or a positive multiple of tile K ("
                       << tile[2] << ")";
  return success();
}

LogicalResult
AttentionConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                            int64_t blockQ, int64_t blockKv, int64_t stages,
                            ArrayRef<int64_t> warpRoles) {
  if (blockQ <= 0 || blockKv <= 0)
    return emitError() << "block_q and block_kv must be positive, got "
                       << blockQ << " and " << blockKv;
  if (failed(verifyWarpRoles(emitError, warpRoles, stages)))
    return failure();
  if (blockQ % warpRoles[1] != 0)
    return emitError() << "block_q (" << blockQ << ") must split evenly into "
                       << warpRoles[1] << " consumer(s)";
  return success();
}

//===----------------------------------------------------------------------===//
// Discardable attributes
//===----------------------------------------------------------------------===//

LogicalResult TileDialect::verifyOperationAttribute(Operation *op,
                                                    NamedAttribute attr) {
  if (attr.getName() == kTargetAttrName) {
    if (!isa<ModuleOp>(op) || !isa<StringAttr>(attr.getValue()))
      return op->emitError("'")
             << kTargetAttrName << "' must be a string on a module";
    return success();
  }
  if (attr.getName() == kConfigAttrName) {
    if (!isa<GemmConfigAttr, AttentionConfigAttr>(attr.getValue()))
      return op->emitError("'")
             << kConfigAttrName
             << "' must be a #tile.gemm_config or #tile.attention_config";
    if (op->getNumRegions() == 0)
      return op->emitError("'")
             << kConfigAttrName << "' belongs on the outermost loop of a nest";
    return success();
  }
  return op->emitError("unknown tile dialect attribute '")
         << attr.getName().getValue() << "'";
}
