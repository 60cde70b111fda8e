//===- LinearToMatmul.cpp - remaining projections to moe.matmul -*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the pass that turns every graph.linear left after
// the fusions into a moe.matmul, with the op_class its place in the graph
// implies. A projection whose role the structure does not show is an error:
// the precision policy keys on op_class and must never get a guess.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"

#define DEBUG_TYPE "moec-linear-to-matmul"

namespace mlir::moec {
#define GEN_PASS_DEF_LINEARTOMATMUL
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// True when `value` is the query, key or value operand of an attention.
bool isAttentionInput(Value value) {
  return llvm::any_of(value.getUsers(), [&](Operation *user) {
    auto attention = dyn_cast<graph::AttentionOp>(user);
    return attention &&
           llvm::is_contained(
               {attention.getQuery(), attention.getKey(), attention.getValue()},
               value);
  });
}

/// True when `value` reaches an attention's q/k/v directly or through one
/// graph.rope: an unfused query, key or value projection.
bool feedsAttention(Value value) {
  if (isAttentionInput(value))
    return true;
  return llvm::any_of(value.getUsers(), [](Operation *user) {
    auto rope = dyn_cast<graph::RopeOp>(user);
    return rope && isAttentionInput(rope.getResult());
  });
}

/// The role of `linear` as its neighbours show it, if they do:
/// - its input is an attention output: the output projection (o_proj);
/// - it produces an attention's q, k or v: an unfused QKV projection;
/// - its result is only returned from the function: the lm_head (logits).
std::optional<moe::OpClass> inferOpClass(graph::LinearOp linear) {
  Value input = linear.getInput();
  if (auto attention = input.getDefiningOp<graph::AttentionOp>();
      attention && attention.getResult() == input)
    return moe::OpClass::Attention;
  Value result = linear.getResult();
  if (feedsAttention(result))
    return moe::OpClass::Attention;
  if (!result.use_empty() &&
      llvm::all_of(result.getUsers(), llvm::IsaPred<func::ReturnOp>))
    return moe::OpClass::LMHead;
  return std::nullopt;
}

/// Reports the projections this pass cannot convert faithfully.
LogicalResult checkConvertible(graph::LinearOp linear) {
  auto isFp8 = [](Value value) {
    return isa<Float8E4M3FNType, Float8E5M2Type>(
        getElementTypeOrSelf(value.getType()));
  };
  if (isFp8(linear.getInput()) || isFp8(linear.getWeight()))
    return linear.emitOpError("has FP8 operands but no scales; FP8 weights "
                              "enter the graph through moe.dequantize");
  if (!inferOpClass(linear))
    return linear.emitOpError(
        "cannot infer the role of this projection; expected an attention "
        "output projection, a query/key/value projection or the lm_head");
  return success();
}

/// Replaces one graph.linear with a moe.matmul of its inferred role.
struct ConvertLinear : OpRewritePattern<graph::LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(graph::LinearOp linear,
                                PatternRewriter &rewriter) const override {
    std::optional<moe::OpClass> opClass = inferOpClass(linear);
    if (!opClass)
      return rewriter.notifyMatchFailure(linear, "unknown role");
    rewriter.replaceOpWithNewOp<moe::MatmulOp>(
        linear, linear.getResult().getType(), linear.getInput(),
        linear.getWeight(), /*lhs_scale=*/Value(), /*rhs_scale=*/Value(),
        /*residual=*/Value(), moe::Epilogue::None, /*lhs_scaling=*/nullptr,
        /*rhs_scaling=*/nullptr, moe::OpClassAttr::get(getContext(), *opClass));
    return success();
  }
};

struct LinearToMatmulPass
    : mlir::moec::impl::LinearToMatmulBase<LinearToMatmulPass> {
  void runOnOperation() override {
    // Every unconvertible projection is reported, not only the first.
    bool convertible = true;
    getOperation().walk([&](graph::LinearOp linear) {
      convertible &= succeeded(checkConvertible(linear));
    });
    if (!convertible)
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvertLinear>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
