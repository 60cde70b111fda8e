//===- ExpertRouting.cpp - lower moe.block to routing steps -----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the expert-routing pass: every graph-level moe.block
// becomes router/top-k, dispatch, two grouped matmuls and combine, plus the
// shared expert as a dense MLP.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"

#define DEBUG_TYPE "moec-expert-routing"

namespace mlir::moec {
#define GEN_PASS_DEF_EXPERTROUTING
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// `tokens * k`, dynamic when either is.
int64_t rowCount(int64_t tokens, int64_t topK) {
  return ShapedType::isDynamic(tokens) ? ShapedType::kDynamic : tokens * topK;
}

/// Rewrites one moe.block into the routed-level algorithm.
struct LowerMoeBlock : OpRewritePattern<moe::BlockOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(moe::BlockOp block,
                                PatternRewriter &rewriter) const override {
    Location loc = block.getLoc();
    auto inputType = block.getInput().getType();
    Type elementType = inputType.getElementType();
    int64_t tokens = inputType.getDimSize(0);
    int64_t hidden = inputType.getDimSize(1);
    int64_t topK = block.getTopK();
    int64_t experts = block.getNumExperts();
    int64_t inter = block.getExpertWidth();
    int64_t rows = rowCount(tokens, topK);
    Type i32 = rewriter.getI32Type();

    auto route = moe::RouterTopKOp::create(
        rewriter, loc, RankedTensorType::get({tokens, topK}, i32),
        RankedTensorType::get({tokens, topK}, rewriter.getF32Type()),
        block.getInput(), block.getRouter(), topK);
    // The score multiplies the expert input (Llama 4), so dispatch takes it.
    auto dispatch = moe::DispatchOp::create(
        rewriter, loc, RankedTensorType::get({rows, hidden}, elementType),
        RankedTensorType::get({rows}, i32),
        RankedTensorType::get({experts + 1}, i32), block.getInput(),
        route.getExperts(), route.getScores(), experts);
    auto gateUp = moe::GroupedMatmulOp::create(
        rewriter, loc, RankedTensorType::get({rows, inter}, elementType),
        dispatch.getPermuted(), block.getGateUp(), dispatch.getExpertOffsets(),
        /*lhs_scale=*/Value(), /*rhs_scale=*/Value(), moe::Epilogue::SwiGLU,
        /*lhs_scaling=*/nullptr, /*rhs_scaling=*/nullptr);
    auto down = moe::GroupedMatmulOp::create(
        rewriter, loc, RankedTensorType::get({rows, hidden}, elementType),
        gateUp.getResult(), block.getDown(), dispatch.getExpertOffsets(),
        Value(), Value(), moe::Epilogue::None, nullptr, nullptr);
    Value result = moe::CombineOp::create(
        rewriter, loc, inputType, down.getResult(), dispatch.getSourceRows(),
        /*scores=*/Value(), topK);
    if (block.hasSharedExpert()) {
      auto shared = graph::MLPOp::create(
          rewriter, loc, inputType, block.getInput(), block.getSharedGate(),
          block.getSharedUp(), block.getSharedDown());
      // Precision policies treat the shared expert apart from dense MLPs.
      shared->setAttr(moe::kOpClassAttrName,
                      moe::OpClassAttr::get(rewriter.getContext(),
                                            moe::OpClass::SharedExpert));
      result = arith::AddFOp::create(rewriter, loc, result, shared);
    }
    rewriter.replaceOp(block, result);
    return success();
  }
};

/// Offsets are `[experts + 1]` and the SwiGLU output `[rows, inter]`:
/// both sizes must be known at compile time.
LogicalResult checkStaticExperts(moe::BlockOp block) {
  if (ShapedType::isDynamic(block.getNumExperts()) ||
      ShapedType::isDynamic(block.getExpertWidth()))
    return block.emitOpError("expert routing needs a static number of "
                             "experts and expert width, got gate_up ")
           << block.getGateUp().getType() << " and down "
           << block.getDown().getType();
  return success();
}

struct ExpertRoutingPass
    : mlir::moec::impl::ExpertRoutingBase<ExpertRoutingPass> {
  void runOnOperation() override {
    WalkResult checked = getOperation().walk([](moe::BlockOp block) {
      return failed(checkStaticExperts(block)) ? WalkResult::interrupt()
                                               : WalkResult::advance();
    });
    if (checked.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerMoeBlock>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
