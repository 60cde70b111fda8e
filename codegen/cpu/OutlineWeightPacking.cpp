//===- OutlineWeightPacking.cpp - Weight transforms out of @forward -------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-outline-weight-packing. Fusion, precision
// and tiling leave computations on weights alone inside @forward: fused
// q|k|v and gate|up concatenations, [K, N] transposes, casts to the compute
// type, FP8 quantization with its scales. Their results never change, so the
// pass moves them into @moec_pack, which the compiler runs once on the
// checkpoint; @forward reads the results as new packed weights.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPUOUTLINEWEIGHTPACKING
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;
using namespace mlir::moec;

namespace {
struct CpuOutlineWeightPackingPass
    : cpu::impl::CpuOutlineWeightPackingBase<CpuOutlineWeightPackingPass> {
  void runOnOperation() override;
};
} // namespace

/// Whether `op` only computes from its operands: no regions, no memory
/// effects, static result shapes (packed weights have fixed sizes).
static bool isPackable(Operation *op) {
  if (op->getNumRegions() != 0 || op->getNumResults() == 0 ||
      op->hasTrait<OpTrait::IsTerminator>() || !isMemoryEffectFree(op))
    return false;
  return llvm::all_of(op->getResultTypes(), [](Type t) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    return tensor && tensor.hasStaticShape();
  });
}

void CpuOutlineWeightPackingPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.isExternal())
    return;
  if (module.lookupSymbol("moec_pack")) {
    module.emitError("@moec_pack already exists");
    return signalPassFailure();
  }

  // Values that depend on weights and constants only, in program order.
  Block &body = forward.getBody().front();
  llvm::SetVector<Operation *> weightOnly;
  llvm::DenseSet<Value> fixed;
  for (Operation &op : body.without_terminator()) {
    bool fromWeights =
        isa<graph::WeightRefOp>(op) ||
        (op.hasTrait<OpTrait::ConstantLike>() && op.getNumResults() == 1) ||
        (isPackable(&op) && op.getNumOperands() > 0 &&
         llvm::all_of(op.getOperands(),
                      [&](Value v) { return fixed.contains(v); }));
    if (!fromWeights)
      continue;
    weightOnly.insert(&op);
    for (Value result : op.getResults())
      fixed.insert(result);
  }

  // Results of real computations that something outside the set uses.
  SmallVector<Value> packed;
  for (Operation *op : weightOnly) {
    if (isa<graph::WeightRefOp>(op) || op->hasTrait<OpTrait::ConstantLike>())
      continue;
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            return !weightOnly.contains(user);
          }))
        packed.push_back(result);
  }
  if (packed.empty())
    return;

  OpBuilder b(forward);
  SmallVector<Type> types;
  for (Value v : packed)
    types.push_back(v.getType());
  auto pack = func::FuncOp::create(b, forward.getLoc(), "moec_pack",
                                   b.getFunctionType({}, types));
  b.setInsertionPointToStart(pack.addEntryBlock());
  IRMapping mapping;
  for (Operation *op : weightOnly)
    b.clone(*op, mapping);
  SmallVector<Value> results;
  for (Value v : packed)
    results.push_back(mapping.lookup(v));
  func::ReturnOp::create(b, forward.getLoc(), results);
  // Weights only @forward reads were cloned too; drop them from @moec_pack.
  SmallVector<Operation *> cloned;
  for (Operation &op : pack.getBody().front().without_terminator())
    cloned.push_back(&op);
  for (Operation *op : llvm::reverse(cloned))
    if (op->use_empty())
      op->erase();

  // Each packed value becomes a weight @forward reads.
  SmallVector<Attribute> names;
  OpBuilder declBuilder(forward);
  OpBuilder useBuilder(&body, body.begin());
  for (auto [index, value] : llvm::enumerate(packed)) {
    std::string name = "moec.packed." + std::to_string(index);
    auto type = cast<RankedTensorType>(value.getType());
    graph::WeightOp::create(declBuilder, value.getLoc(), name, type);
    Value ref =
        graph::WeightRefOp::create(useBuilder, value.getLoc(), type,
                                   FlatSymbolRefAttr::get(&getContext(), name));
    value.replaceUsesWithIf(ref, [&](OpOperand &use) {
      return !weightOnly.contains(use.getOwner());
    });
    names.push_back(FlatSymbolRefAttr::get(&getContext(), name));
  }
  pack->setAttr("moec.packed_weights", b.getArrayAttr(names));

  // The originals are dead in @forward now.
  for (Operation *op : llvm::reverse(weightOnly))
    if (op->use_empty())
      op->erase();
}
