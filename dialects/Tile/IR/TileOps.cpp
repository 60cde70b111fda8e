//===- TileOps.cpp - moec tile dialect operations ---------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the verifiers of the tile dialect's operations: the
// shapes of tiles agree, where they are static, with each other and with the
// scales, heads and positions that go with them.
//
//===----------------------------------------------------------------------===//

#include "dialects/Tile/IR/TileOps.h"
#include "dialects/Common/ShapeUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::tile;

#define GET_OP_CLASSES
#include "dialects/Tile/IR/TileOps.cpp.inc"

/// `ceil(size / block)`, dynamic when `size` is.
static int64_t ceilDivDim(int64_t size, int64_t block) {
  return ShapedType::isDynamic(size) ? size : (size + block - 1) / block;
}

//===----------------------------------------------------------------------===//
// MmaOp
//===----------------------------------------------------------------------===//

LogicalResult MmaOp::verify() {
  int64_t m = dimOf(getA(), 0), k = dimOf(getA(), 1);
  int64_t n = dimOf(getB(), 0);
  if (failed(verifyShape(*this, "b", getB(), {n, k})))
    return failure();
  return verifyShape(*this, "acc", getAcc(), {m, n});
}

//===----------------------------------------------------------------------===//
// PromoteOp
//===----------------------------------------------------------------------===//

LogicalResult PromoteOp::verify() {
  int64_t m = dimOf(getAcc(), 0), n = dimOf(getAcc(), 1);
  // One row broadcasts; otherwise a row per accumulator row (a) or per
  // b_block accumulator columns (b).
  int64_t aRows = dimOf(getAScale(), 0) == 1 ? 1 : m;
  int64_t bRows = dimOf(getBScale(), 0) == 1 ? 1 : ceilDivDim(n, getBBlock());
  if (failed(verifyShape(*this, "a_scale", getAScale(), {aRows, 1})))
    return failure();
  return verifyShape(*this, "b_scale", getBScale(), {bRows, 1});
}

//===----------------------------------------------------------------------===//
// EpilogueOp
//===----------------------------------------------------------------------===//

LogicalResult EpilogueOp::verify() {
  int64_t m = dimOf(getAcc(), 0), n = dimOf(getAcc(), 1);
  if (getActivation() == Activation::SwiGLU && !ShapedType::isDynamic(n)) {
    if (n % 2 != 0)
      return emitOpError("swiglu needs an even accumulator width (gate | "
                         "up), got ")
             << n;
    n /= 2;
  }
  if (failed(verifyShape(*this, "result", getResult(), {m, n})))
    return failure();
  if (getResidual() && getResidual().getType() != getResult().getType())
    return emitOpError("residual type ")
           << getResidual().getType() << " does not match the result type "
           << getResult().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// TransposeWeightOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeWeightOp::verify() {
  RankedTensorType inputType = getInput().getType();
  int64_t rank = inputType.getRank();
  if (rank < 2)
    return emitOpError("needs a weight of rank >= 2, got ") << inputType;
  if (inputType.getElementType() != getResult().getType().getElementType())
    return emitOpError("result element type ")
           << getResult().getType().getElementType()
           << " does not match the input element type "
           << inputType.getElementType();
  SmallVector<int64_t> expected(inputType.getShape());
  std::swap(expected[rank - 1], expected[rank - 2]);
  return verifyShape(*this, "result", getResult(), expected);
}

//===----------------------------------------------------------------------===//
// HeadRMSNormOp / TemperatureScaleOp / CacheWriteOp
//===----------------------------------------------------------------------===//

LogicalResult HeadRMSNormOp::verify() {
  int64_t features = dimOf(getInput(), 1);
  if (!ShapedType::isDynamic(features) && features % getHeadDim() != 0)
    return emitOpError("input features (")
           << features << ") are not a multiple of head_dim (" << getHeadDim()
           << ")";
  return success();
}

LogicalResult TemperatureScaleOp::verify() {
  return verifyShape(*this, "positions", getPositions(),
                     {dimOf(getQuery(), 0)});
}

LogicalResult CacheWriteOp::verify() {
  int64_t tokens = dimOf(getNewRows(), 0);
  if (failed(verifyShape(*this, "new_rows", getNewRows(),
                         {tokens, dimOf(getCache(), 1)})))
    return failure();
  return verifyShape(*this, "positions", getPositions(), {tokens});
}

//===----------------------------------------------------------------------===//
// FlashStepOp / FlashFinalizeOp
//===----------------------------------------------------------------------===//

LogicalResult FlashStepOp::verify() {
  int64_t bq = dimOf(getScores(), 0), bkv = dimOf(getScores(), 1);
  int64_t headDim = dimOf(getValue(), 1);
  if (failed(verifyShape(*this, "value", getValue(), {bkv, headDim})) ||
      failed(verifyShape(*this, "max", getMax(), {bq})) ||
      failed(verifyShape(*this, "acc", getAcc(), {bq, headDim})) ||
      failed(verifyShape(*this, "q_pos", getQPos(), {bq})) ||
      failed(verifyShape(*this, "k_pos", getKPos(), {bkv})))
    return failure();
  std::optional<int64_t> chunkSize = getChunkSize();
  if (getMask() != MaskKind::ChunkedCausal) {
    if (chunkSize)
      return emitOpError("chunk_size is only valid with a chunked_causal "
                         "mask");
    return success();
  }
  if (!chunkSize || *chunkSize <= 0)
    return emitOpError("chunked_causal mask requires a positive chunk_size");
  return success();
}

LogicalResult FlashFinalizeOp::verify() {
  int64_t bq = dimOf(getAcc(), 0);
  if (failed(verifyShape(*this, "sum", getSum(), {bq})))
    return failure();
  return verifyShape(*this, "result", getResult(), {bq, dimOf(getAcc(), 1)});
}
