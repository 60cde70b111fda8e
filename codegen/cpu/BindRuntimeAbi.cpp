//===- BindRuntimeAbi.cpp - @forward as the runtime's CPU entry -----------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-bind-runtime-abi. The runtime hands a CPU
// step five buffers (runtime/schema/artifact.fbs): the packed weights, the
// KV cache, the token ids, the positions and the logits. This pass lays the
// weights and caches out inside the first two (64-byte aligned offsets, fixed
// at compile time), rewrites @forward into @moec_forward over memrefs, and
// records the layout in the module attribute `moec.cpu_abi` for the artifact
// writer. Weights and caches become `memref.view`s at constant offsets, so
// bufferization updates the caches in place and reads weights where the
// runtime mapped them.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/ElementConversion.h"
#include "codegen/cpu/Passes.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPUBINDRUNTIMEABI
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;
using namespace mlir::moec;

/// Offsets of every buffer inside the runtime's allocations.
static constexpr int64_t kAbiAlignment = 64;
/// Largest KV cache (all layers) a model may ask for: 256 TiB, far above
/// any machine, low enough that offsets and sizes cannot overflow.
static constexpr int64_t kMaxKvCacheBytes = int64_t(1) << 48;

/// Bytes of a static tensor, or nullopt for element types the runtime cannot
/// store (sub-byte types).
static std::optional<int64_t> tensorBytes(RankedTensorType type) {
  unsigned bits = type.getElementTypeBitWidth();
  if (bits == 0 || bits % 8 != 0)
    return std::nullopt;
  // Saturating: a hostile shape must not wrap to a small or negative size;
  // callers reject sizes above their limits.
  int64_t bytes = bits / 8;
  for (int64_t dim : type.getShape()) {
    std::optional<int64_t> product = llvm::checkedMul(bytes, dim);
    if (!product)
      return std::numeric_limits<int64_t>::max();
    bytes = *product;
  }
  return bytes;
}

namespace {
/// Checks @forward's signature: (ids, positions, caches...) -> (logits,
/// caches...), the caches passed and returned in the same order.
struct ForwardSignature {
  unsigned numCaches = 0;
  RankedTensorType logits;

  LogicalResult check(func::FuncOp forward) {
    FunctionType type = forward.getFunctionType();
    auto isIds = [](Type t) {
      auto tensor = dyn_cast<RankedTensorType>(t);
      return tensor && tensor.getRank() == 1 &&
             tensor.getElementType().isInteger(64);
    };
    if (type.getNumInputs() < 2 || !isIds(type.getInput(0)) ||
        !isIds(type.getInput(1)))
      return forward.emitOpError("must take token ids and positions "
                                 "(tensor<?xi64>) as its first two arguments");
    numCaches = type.getNumInputs() - 2;
    if (type.getNumResults() != numCaches + 1)
      return forward.emitOpError("must return the logits and then each of its ")
             << numCaches << " cache arguments, but returns "
             << type.getNumResults() << " values";
    logits = dyn_cast<RankedTensorType>(type.getResult(0));
    if (!logits || logits.getRank() != 2 || logits.isDynamicDim(1) ||
        !isa<FloatType>(logits.getElementType()))
      return forward.emitOpError(
                 "must return logits as tensor<?xVOCABxfloat>, got ")
             << type.getResult(0);
    for (unsigned i = 0; i < numCaches; ++i) {
      auto cache = dyn_cast<RankedTensorType>(type.getInput(2 + i));
      if (!cache || !cache.hasStaticShape() || !tensorBytes(cache))
        return forward.emitOpError("cache argument ")
               << 2 + i << " must be a statically shaped tensor of whole "
               << "bytes, got " << type.getInput(2 + i);
      if (type.getResult(1 + i) != cache)
        return forward.emitOpError("result ")
               << 1 + i << " must be the updated cache argument " << 2 + i
               << " (" << cache << "), got " << type.getResult(1 + i);
    }
    return success();
  }
};

struct CpuBindRuntimeAbiPass
    : cpu::impl::CpuBindRuntimeAbiBase<CpuBindRuntimeAbiPass> {
  void runOnOperation() override;

private:
  /// Assigns each graph.weight that `func` reads an offset in one buffer
  /// (declaration order); fills `offsets` and returns the layout entries.
  /// `computed` names the weights @moec_pack produces.
  FailureOr<ArrayAttr> layOutWeights(func::FuncOp func,
                                     const llvm::StringSet<> &computed,
                                     llvm::StringMap<int64_t> &offsets,
                                     int64_t &size);
  /// Rewrites @moec_pack into @moec_pack_weights(%checkpoint, %packed).
  LogicalResult bindPack(func::FuncOp pack,
                         const llvm::StringMap<int64_t> &packedOffsets,
                         DictionaryAttr &packAbi);
  void bindWeightRefs(func::FuncOp step, Value weights,
                      const llvm::StringMap<int64_t> &offsets);
};
} // namespace

FailureOr<ArrayAttr> CpuBindRuntimeAbiPass::layOutWeights(
    func::FuncOp func, const llvm::StringSet<> &computed,
    llvm::StringMap<int64_t> &offsets, int64_t &size) {
  ModuleOp module = getOperation();
  Builder b(module.getContext());
  llvm::StringSet<> used;
  func.walk([&](graph::WeightRefOp ref) { used.insert(ref.getName()); });
  SmallVector<Attribute> entries;
  size = 0;
  for (auto weight : module.getOps<graph::WeightOp>()) {
    if (!used.contains(weight.getSymName()))
      continue;
    auto type = cast<RankedTensorType>(weight.getType());
    std::optional<int64_t> bytes = tensorBytes(type);
    if (!bytes) {
      weight.emitOpError("element type ")
          << type.getElementType() << " has no whole-byte storage";
      return failure();
    }
    size = llvm::alignTo(size, kAbiAlignment);
    offsets[weight.getSymName()] = size;
    SmallVector<NamedAttribute> fields = {
        b.getNamedAttr("name", weight.getSymNameAttr()),
        b.getNamedAttr("type", TypeAttr::get(type)),
        b.getNamedAttr("offset", b.getI64IntegerAttr(size)),
        b.getNamedAttr("bytes", b.getI64IntegerAttr(*bytes))};
    if (computed.contains(weight.getSymName()))
      fields.push_back(b.getNamedAttr("computed", b.getUnitAttr()));
    entries.push_back(b.getDictionaryAttr(fields));
    size += *bytes;
  }
  return b.getArrayAttr(entries);
}

/// `memref.view` of `type`'s shape at byte `offset` of the i8 `buffer`.
static Value viewAt(OpBuilder &b, Location loc, Value buffer, int64_t offset,
                    RankedTensorType type) {
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return memref::ViewOp::create(b, loc, memrefType, buffer,
                                arith::ConstantIndexOp::create(b, loc, offset),
                                ValueRange{});
}

void CpuBindRuntimeAbiPass::bindWeightRefs(
    func::FuncOp step, Value weights, const llvm::StringMap<int64_t> &offsets) {
  OpBuilder b(step.getContext());
  step.walk([&](graph::WeightRefOp ref) {
    b.setInsertionPoint(ref);
    RankedTensorType type = ref.getType();
    Value view =
        viewAt(b, ref.getLoc(), weights, offsets.lookup(ref.getName()), type);
    Value tensor = bufferization::ToTensorOp::create(
        b, ref.getLoc(), type, view, /*restrict=*/true, /*writable=*/false);
    ref.replaceAllUsesWith(tensor);
    ref.erase();
  });
}

LogicalResult
CpuBindRuntimeAbiPass::bindPack(func::FuncOp pack,
                                const llvm::StringMap<int64_t> &packedOffsets,
                                DictionaryAttr &packAbi) {
  auto names = pack->getAttrOfType<ArrayAttr>("moec.packed_weights");
  FunctionType type = pack.getFunctionType();
  if (pack.isExternal() || type.getNumInputs() != 0 || !names ||
      names.size() != type.getNumResults())
    return pack.emitOpError("must have a body, no arguments and one "
                            "moec.packed_weights name per result");
  llvm::StringMap<int64_t> inputOffsets;
  int64_t inputSize = 0;
  FailureOr<ArrayAttr> inputs =
      layOutWeights(pack, {}, inputOffsets, inputSize);
  if (failed(inputs))
    return failure();

  OpBuilder b(pack);
  Location loc = pack.getLoc();
  Type i8Buffer = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
  auto bound = func::FuncOp::create(
      b, loc, "moec_pack_weights", b.getFunctionType({i8Buffer, i8Buffer}, {}));
  bound->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *entry = bound.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping mapping;
  for (Operation &op : pack.getBody().front().without_terminator())
    b.clone(op, mapping);
  auto ret = cast<func::ReturnOp>(pack.getBody().front().getTerminator());
  for (auto [name, value] : llvm::zip(names, ret.getOperands())) {
    StringRef symbol = cast<FlatSymbolRefAttr>(name).getValue();
    auto it = packedOffsets.find(symbol);
    if (it == packedOffsets.end())
      return pack.emitOpError("produces @")
             << symbol << ", which @forward does not read";
    Value view = viewAt(b, loc, entry->getArgument(1), it->second,
                        cast<RankedTensorType>(value.getType()));
    bufferization::MaterializeInDestinationOp::create(
        b, loc, TypeRange{}, mapping.lookup(value), view, /*restrict=*/true,
        /*writable=*/true);
  }
  func::ReturnOp::create(b, loc);
  bindWeightRefs(bound, entry->getArgument(0), inputOffsets);
  pack.erase();

  packAbi = b.getDictionaryAttr(
      {b.getNamedAttr("entry", b.getStringAttr("moec_pack_weights")),
       b.getNamedAttr("input_size", b.getI64IntegerAttr(inputSize)),
       b.getNamedAttr("inputs", *inputs)});
  return success();
}

/// `logits` (a float [T, V] tensor) widened to f32.
static Value widenLogits(OpBuilder &b, Location loc, Value logits) {
  auto type = cast<RankedTensorType>(logits.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, logits);
  Value init = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
  AffineMap id = b.getMultiDimIdentityMap(2);
  return linalg::GenericOp::create(
             b, loc, type.clone(b.getF32Type()), ValueRange{logits},
             ValueRange{init}, SmallVector<AffineMap>{id, id},
             SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl,
                                       cpu::widenToF32(nb, nl, args[0]));
             })
      .getResult(0);
}

/// @moec_forward: @forward's body over the runtime's buffers (weight refs
/// are bound afterwards), caches as views at `cacheOffsets`.
static func::FuncOp buildStep(func::FuncOp forward,
                              const ForwardSignature &signature,
                              ArrayRef<int64_t> cacheOffsets) {
  FunctionType type = forward.getFunctionType();
  OpBuilder b(forward);
  Location loc = forward.getLoc();
  Type i8Buffer = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
  Type idsBuffer = MemRefType::get({ShapedType::kDynamic}, b.getI64Type());
  Type logitsBuffer = MemRefType::get(
      {ShapedType::kDynamic, signature.logits.getDimSize(1)}, b.getF32Type());
  auto step = func::FuncOp::create(
      b, loc, "moec_forward",
      b.getFunctionType(
          {i8Buffer, i8Buffer, idsBuffer, idsBuffer, logitsBuffer}, {}));
  step->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *entry = step.addEntryBlock();
  b.setInsertionPointToStart(entry);

  IRMapping mapping;
  for (unsigned i = 0; i < 2; ++i)
    mapping.map(forward.getArgument(i),
                bufferization::ToTensorOp::create(
                    b, loc, type.getInput(i), entry->getArgument(2 + i),
                    /*restrict=*/true, /*writable=*/false));
  SmallVector<Value> cacheViews;
  for (unsigned i = 0; i < signature.numCaches; ++i) {
    auto cacheType = cast<RankedTensorType>(type.getInput(2 + i));
    Value view =
        viewAt(b, loc, entry->getArgument(1), cacheOffsets[i], cacheType);
    cacheViews.push_back(view);
    mapping.map(forward.getArgument(2 + i),
                bufferization::ToTensorOp::create(b, loc, cacheType, view,
                                                  /*restrict=*/true,
                                                  /*writable=*/true));
  }
  for (Operation &op : forward.getBody().front().without_terminator())
    b.clone(op, mapping);

  auto ret = cast<func::ReturnOp>(forward.getBody().front().getTerminator());
  Value logits = mapping.lookup(ret.getOperand(0));
  if (!signature.logits.getElementType().isF32())
    logits = widenLogits(b, loc, logits);
  bufferization::MaterializeInDestinationOp::create(
      b, loc, TypeRange{}, logits, entry->getArgument(4), /*restrict=*/true,
      /*writable=*/true);
  for (unsigned i = 0; i < signature.numCaches; ++i)
    bufferization::MaterializeInDestinationOp::create(
        b, loc, TypeRange{}, mapping.lookup(ret.getOperand(1 + i)),
        cacheViews[i], /*restrict=*/true, /*writable=*/true);
  func::ReturnOp::create(b, loc);

  return step;
}

void CpuBindRuntimeAbiPass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *ctx = &getContext();
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.isExternal()) {
    module.emitError("moec-cpu-bind-runtime-abi needs a @forward function "
                     "with a body");
    return signalPassFailure();
  }
  ForwardSignature signature;
  if (failed(signature.check(forward)))
    return signalPassFailure();
  bool refsOk = true;
  forward.walk([&](graph::WeightRefOp ref) {
    if (!module.lookupSymbol<graph::WeightOp>(ref.getName())) {
      ref.emitOpError("references an undeclared weight ") << ref.getName();
      refsOk = false;
    }
  });
  if (!refsOk)
    return signalPassFailure();

  auto pack = module.lookupSymbol<func::FuncOp>("moec_pack");
  llvm::StringSet<> computed;
  if (pack)
    if (auto names = pack->getAttrOfType<ArrayAttr>("moec.packed_weights"))
      for (Attribute name : names)
        computed.insert(cast<FlatSymbolRefAttr>(name).getValue());
  llvm::StringMap<int64_t> weightOffsets;
  int64_t packedSize = 0;
  FailureOr<ArrayAttr> weightEntries =
      layOutWeights(forward, computed, weightOffsets, packedSize);
  if (failed(weightEntries))
    return signalPassFailure();
  DictionaryAttr packAbi;
  if (pack && failed(bindPack(pack, weightOffsets, packAbi)))
    return signalPassFailure();

  // The caches, one after the other in argument order.
  FunctionType type = forward.getFunctionType();
  SmallVector<int64_t> cacheOffsets;
  int64_t cacheBytes = 0;
  for (unsigned i = 0; i < signature.numCaches; ++i) {
    cacheBytes = llvm::alignTo(cacheBytes, kAbiAlignment);
    cacheOffsets.push_back(cacheBytes);
    std::optional<int64_t> end = llvm::checkedAdd(
        cacheBytes, *tensorBytes(cast<RankedTensorType>(type.getInput(2 + i))));
    if (!end || *end > kMaxKvCacheBytes) {
      forward.emitOpError("KV caches need more than ")
          << kMaxKvCacheBytes << " bytes (at cache argument " << 2 + i
          << "); compile for fewer positions";
      return signalPassFailure();
    }
    cacheBytes = *end;
  }

  func::FuncOp step = buildStep(forward, signature, cacheOffsets);
  bindWeightRefs(step, step.getArgument(0), weightOffsets);
  forward.erase();
  for (auto weight :
       llvm::make_early_inc_range(module.getOps<graph::WeightOp>()))
    weight.erase();

  Builder attrs(ctx);
  SmallVector<Attribute> caches;
  for (unsigned i = 0; i < signature.numCaches; ++i)
    caches.push_back(attrs.getDictionaryAttr(
        {attrs.getNamedAttr("type", TypeAttr::get(type.getInput(2 + i))),
         attrs.getNamedAttr("offset",
                            attrs.getI64IntegerAttr(cacheOffsets[i]))}));
  module->setAttr(
      "moec.cpu_abi",
      attrs.getDictionaryAttr(
          {attrs.getNamedAttr("entry", attrs.getStringAttr("moec_forward")),
           attrs.getNamedAttr("alignment",
                              attrs.getI64IntegerAttr(kAbiAlignment)),
           attrs.getNamedAttr("packed_size",
                              attrs.getI64IntegerAttr(packedSize)),
           attrs.getNamedAttr(
               "vocab_size",
               attrs.getI64IntegerAttr(signature.logits.getDimSize(1))),
           attrs.getNamedAttr("weights", *weightEntries),
           attrs.getNamedAttr("kv_cache_bytes",
                              attrs.getI64IntegerAttr(cacheBytes)),
           attrs.getNamedAttr("kv_caches", attrs.getArrayAttr(caches)),
           attrs.getNamedAttr("pack", packAbi ? Attribute(packAbi)
                                              : attrs.getDictionaryAttr({}))}));
}
