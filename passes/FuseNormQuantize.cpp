//===- FuseNormQuantize.cpp - rms_norm + quantize in one op -----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-fuse-norm-quantize: a moe.quantize of a
// graph.rms_norm result becomes one moe.rms_norm_quantize, which writes the
// normalized rows straight to FP8.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/IR/PatternMatch.h"
#include "passes/Passes.h"

#define DEBUG_TYPE "moec-fuse-norm-quantize"

namespace mlir::moec {
#define GEN_PASS_DEF_FUSENORMQUANTIZE
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// True for the granularities moe.rms_norm_quantize computes while it
/// normalizes a row: one scale per tensor, per token or per 1xK' block.
bool isRowScaling(moe::ScalingAttr scaling) {
  switch (scaling.getKind()) {
  case moe::ScalingKind::PerTensor:
  case moe::ScalingKind::PerToken:
    return true;
  case moe::ScalingKind::Block:
    return scaling.getBlock()[0] == 1;
  case moe::ScalingKind::PerChannel:
    return false;
  }
  llvm_unreachable("unknown scaling kind");
}

/// Replaces `quantize` of an rms_norm result by moe.rms_norm_quantize;
/// leaves anything else alone.
void fuse(moe::QuantizeOp quantize, IRRewriter &rewriter) {
  auto norm = quantize.getInput().getDefiningOp<graph::RMSNormOp>();
  // The fused op scales along the feature (last) dimension of the row.
  if (!norm || !isRowScaling(quantize.getScaling()) ||
      quantize.getEffectiveReductionDim() != 1)
    return;
  rewriter.setInsertionPoint(quantize);
  auto fused = moe::RMSNormQuantizeOp::create(
      rewriter, quantize.getLoc(), quantize.getResult().getType(),
      quantize.getScale().getType(), norm.getInput(), norm.getWeight(),
      norm.getEpsilonAttr(), quantize.getScaling());
  rewriter.replaceOp(quantize, fused);
  // The router (or a bf16 consumer) may still read the normalized rows.
  if (norm->use_empty())
    rewriter.eraseOp(norm);
}

struct FuseNormQuantizePass
    : mlir::moec::impl::FuseNormQuantizeBase<FuseNormQuantizePass> {
  void runOnOperation() override {
    SmallVector<moe::QuantizeOp> quantizes;
    getOperation().walk(
        [&](moe::QuantizeOp quantize) { quantizes.push_back(quantize); });
    IRRewriter rewriter(&getContext());
    for (moe::QuantizeOp quantize : quantizes)
      fuse(quantize, rewriter);
  }
};

} // namespace
