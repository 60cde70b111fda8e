//===- GraphOps.cpp - moec graph dialect operations -------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the verifiers of the graph dialect's operations:
// the shape and attribute rules ODS constraints cannot express.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Common/ShapeUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::graph;

#define GET_OP_CLASSES
#include "dialects/Graph/IR/GraphOps.cpp.inc"

/// Checks that `result` is `[tokens, features]` with the input's token count
/// and element type; `what` names the feature dimension in diagnostics.
static LogicalResult verifyTokenResult(Operation *op, Value input, Value result,
                                       int64_t features, StringRef what) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto resultType = cast<RankedTensorType>(result.getType());
  if (inputType.getElementType() != resultType.getElementType())
    return op->emitOpError("result element type ")
           << resultType.getElementType()
           << " does not match the input element type "
           << inputType.getElementType();
  if (!dimsCompatible(inputType.getDimSize(0), resultType.getDimSize(0)))
    return op->emitOpError("result has ")
           << dimToString(resultType.getDimSize(0)) << " tokens but input has "
           << dimToString(inputType.getDimSize(0));
  if (!dimsCompatible(resultType.getDimSize(1), features))
    return op->emitOpError("result has ")
           << dimToString(resultType.getDimSize(1)) << " features, expected "
           << dimToString(features) << " (" << what << ")";
  return success();
}

/// Checks that a per-token positions/ids operand matches the token count.
static LogicalResult verifyTokenCount(Operation *op, Value tokens,
                                      Value perToken, StringRef name) {
  if (!dimsCompatible(dimOf(tokens, 0), dimOf(perToken, 0)))
    return op->emitOpError()
           << name << " has " << dimToString(dimOf(perToken, 0))
           << " entries but there are " << dimToString(dimOf(tokens, 0))
           << " tokens";
  return success();
}

//===----------------------------------------------------------------------===//
// WeightRefOp
//===----------------------------------------------------------------------===//

LogicalResult
WeightRefOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto weight =
      symbolTable.lookupNearestSymbolFrom<WeightOp>(*this, getNameAttr());
  if (!weight)
    return emitOpError("'") << getName() << "' does not name a graph.weight";
  if (weight.getType() != getType())
    return emitOpError("result type ")
           << getType() << " does not match the declared type "
           << weight.getType() << " of '" << getName() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  if (failed(verifyTokenCount(*this, getResult(), getIds(), "ids")))
    return failure();
  auto tableType = getTable().getType();
  auto resultType = getResult().getType();
  if (tableType.getElementType() != resultType.getElementType())
    return emitOpError("result element type ")
           << resultType.getElementType()
           << " does not match the table element type "
           << tableType.getElementType();
  if (!dimsCompatible(tableType.getDimSize(1), resultType.getDimSize(1)))
    return emitOpError("result has ") << dimToString(resultType.getDimSize(1))
                                      << " features but the table rows have "
                                      << dimToString(tableType.getDimSize(1));
  return success();
}

//===----------------------------------------------------------------------===//
// RMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  int64_t features = dimOf(getInput(), 1);
  int64_t weightSize = dimOf(getWeight(), 0);
  if (!dimsCompatible(features, weightSize))
    return emitOpError("weight has ")
           << dimToString(weightSize) << " elements but the input has "
           << dimToString(features) << " features";
  return success();
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  int64_t headDim = getHeadDim();
  if (headDim % 2 != 0)
    return emitOpError("head_dim must be even to form rotation pairs, got ")
           << headDim;
  int64_t features = dimOf(getInput(), 1);
  if (!ShapedType::isDynamic(features) && features % headDim != 0)
    return emitOpError("input features (")
           << features << ") are not a multiple of head_dim (" << headDim
           << ")";
  return verifyTokenCount(*this, getInput(), getPositions(), "positions");
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

/// Checks the mask attribute pair: chunk_size exactly for chunked masks.
static LogicalResult verifyMask(AttentionOp op) {
  std::optional<int64_t> chunkSize = op.getChunkSize();
  if (op.getMask() == MaskKind::ChunkedCausal) {
    if (!chunkSize)
      return op.emitOpError("chunked_causal mask requires a chunk_size");
    if (*chunkSize <= 0)
      return op.emitOpError("chunk_size must be positive, got ") << *chunkSize;
  } else if (chunkSize) {
    return op.emitOpError(
        "chunk_size is only valid with a chunked_causal mask");
  }
  return success();
}

/// Checks the head counts and the feature widths of q, k, v.
static LogicalResult verifyHeads(AttentionOp op) {
  int64_t numHeads = op.getNumHeads(), numKvHeads = op.getNumKvHeads();
  int64_t headDim = op.getHeadDim();
  if (numHeads % numKvHeads != 0)
    return op.emitOpError("num_heads (")
           << numHeads << ") must be divisible by num_kv_heads (" << numKvHeads
           << ")";
  if (!dimsCompatible(dimOf(op.getQuery(), 1), numHeads * headDim))
    return op.emitOpError("query has ")
           << dimToString(dimOf(op.getQuery(), 1))
           << " features, expected num_heads * head_dim = "
           << numHeads * headDim;
  for (auto [name, value] : {std::pair<StringRef, Value>{"key", op.getKey()},
                             {"value", op.getValue()}}) {
    if (!dimsCompatible(dimOf(value, 1), numKvHeads * headDim))
      return op.emitOpError()
             << name << " has " << dimToString(dimOf(value, 1))
             << " features, expected num_kv_heads * head_dim = "
             << numKvHeads * headDim;
    if (failed(verifyTokenCount(op, op.getQuery(), value, name)))
      return failure();
  }
  return verifyTokenCount(op, op.getQuery(), op.getPositions(), "positions");
}

/// Checks the optional KV cache operands and the matching results.
static LogicalResult verifyCache(AttentionOp op) {
  Value keyCache = op.getKeyCache(), valueCache = op.getValueCache();
  if (static_cast<bool>(keyCache) != static_cast<bool>(valueCache))
    return op.emitOpError("key_cache and value_cache must be given together");
  size_t expectedResults = keyCache ? 2 : 0;
  if (op.getUpdatedCaches().size() != expectedResults)
    return op.emitOpError("expected ")
           << expectedResults << " updated cache results, got "
           << op.getUpdatedCaches().size();
  if (!keyCache)
    return success();
  int64_t kvWidth = op.getNumKvHeads() * op.getHeadDim();
  for (auto [cache, updated] : llvm::zip_equal(ValueRange{keyCache, valueCache},
                                               op.getUpdatedCaches())) {
    if (!dimsCompatible(dimOf(cache, 1), kvWidth))
      return op.emitOpError("cache has ")
             << dimToString(dimOf(cache, 1))
             << " features, expected num_kv_heads * head_dim = " << kvWidth;
    if (cache.getType() != updated.getType())
      return op.emitOpError("updated cache type ")
             << updated.getType() << " does not match the cache type "
             << cache.getType();
  }
  return success();
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyMask(*this)) || failed(verifyHeads(*this)) ||
      failed(verifyCache(*this)))
    return failure();
  return verifyTokenResult(*this, getQuery(), getResult(), dimOf(getQuery(), 1),
                           "query features");
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  int64_t inFeatures = dimOf(getInput(), 1);
  int64_t weightIn = dimOf(getWeight(), 1);
  if (!dimsCompatible(inFeatures, weightIn))
    return emitOpError("weight in_features (")
           << dimToString(weightIn) << ") do not match the input features ("
           << dimToString(inFeatures) << ")";
  return verifyTokenResult(*this, getInput(), getResult(),
                           dimOf(getWeight(), 0), "weight out_features");
}

//===----------------------------------------------------------------------===//
// MLPOp
//===----------------------------------------------------------------------===//

LogicalResult MLPOp::verify() {
  int64_t hidden = dimOf(getInput(), 1);
  int64_t inter = dimOf(getGate(), 0);
  auto checkShape = [&](StringRef name, Value weight, int64_t rows,
                        int64_t cols) -> LogicalResult {
    if (dimsCompatible(dimOf(weight, 0), rows) &&
        dimsCompatible(dimOf(weight, 1), cols))
      return success();
    return emitOpError() << name << " weight has type " << weight.getType()
                         << ", expected [" << dimToString(rows) << ", "
                         << dimToString(cols) << "]";
  };
  if (failed(checkShape("gate", getGate(), inter, hidden)) ||
      failed(checkShape("up", getUp(), inter, hidden)) ||
      failed(checkShape("down", getDown(), hidden, inter)))
    return failure();
  return verifyTokenResult(*this, getInput(), getResult(), hidden,
                           "hidden size");
}
