//===- Coverage.cpp - what the sm_90a code generator can lower --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/Coverage.h"
#include "dialects/Tile/IR/TileAttrs.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::moec;

/// True for values read straight from the weights: casts of those are
/// folded into compile-time packing, not run on the device.
static bool isWeight(Value value) {
  Operation *def = value.getDefiningOp();
  return def && def->getName().getStringRef().starts_with("graph.weight");
}

/// The ops the device would run that have no sm_90a lowering: dialect ops
/// of moec outside tile nests, elementwise arith on activations, and
/// attention nests.
static bool needsLowering(Operation *op) {
  llvm::StringRef dialect = op->getName().getDialectNamespace();
  llvm::StringRef name = op->getName().getStringRef();
  if (name.starts_with("graph.weight") || name == "tile.transpose_weight")
    return false;
  if (dialect == "graph" || dialect == "moe" || dialect == "tile")
    return true;
  if (dialect != "arith" || op->getNumResults() != 1 ||
      !isa<RankedTensorType>(op->getResult(0).getType()))
    return false;
  return !llvm::all_of(op->getOperands(), isWeight);
}

std::string hopper::describeOpsWithoutLowering(ModuleOp module,
                                               int64_t &gemmNests) {
  llvm::MapVector<llvm::StringRef, int64_t> missing;
  int64_t attentionNests = 0, groupedNests = 0;
  gemmNests = 0;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    Attribute config = op->getAttr("tile.config");
    // Dense nests are scf.forall over output tiles; grouped nests loop
    // over experts (scf.for) and wait for the grouped GEMM generator.
    if (isa_and_nonnull<tile::GemmConfigAttr>(config)) {
      if (op->getName().getStringRef() == "scf.for")
        ++groupedNests;
      else
        ++gemmNests;
      return WalkResult::skip();
    }
    if (isa_and_nonnull<tile::AttentionConfigAttr>(config)) {
      ++attentionNests;
      return WalkResult::skip();
    }
    if (needsLowering(op))
      ++missing[op->getName().getStringRef()];
    return WalkResult::advance();
  });
  SmallVector<std::pair<llvm::StringRef, int64_t>> sorted(missing.begin(),
                                                          missing.end());
  llvm::sort(sorted);
  std::string text;
  llvm::raw_string_ostream os(text);
  if (attentionNests)
    os << "attention nests (" << attentionNests << ")";
  if (groupedNests)
    os << (text.empty() ? "" : ", ") << "grouped GEMM nests (" << groupedNests
       << ")";
  for (auto [name, count] : sorted)
    os << (text.empty() ? "" : ", ") << name << " (" << count << ")";
  return text;
}
