//===- PlanArena.cpp - Temporaries of a CPU step in one arena -------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-plan-arena. After bufferization, every
// temporary of the step function is a memref.alloc. Those in the function's
// top level whose byte size is (bounded by) `base + per_token * T`, T the
// number of tokens of the call, move into one arena the runtime passes as a
// new last argument: each gets an offset of the same affine form, and two
// temporaries share bytes only if their live ranges (first to last use of the
// buffer or any view of it, in top-level order) do not overlap. The plan is
// recorded in the module attribute `moec.cpu_arena`. Allocations inside loops
// (tile accumulators) and data-dependent sizes stay with malloc.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/Transforms/BufferViewFlowAnalysis.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPUPLANARENA
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;

namespace {
/// `base + perToken * T`, T >= 1 tokens.
struct TokenAffine {
  int64_t base = 0;
  int64_t perToken = 0;

  int64_t at(int64_t tokens) const { return base + perToken * tokens; }
  TokenAffine operator+(TokenAffine o) const {
    return {base + o.base, perToken + o.perToken};
  }
  TokenAffine alignedTo(int64_t a) const {
    return {static_cast<int64_t>(llvm::alignTo(base, a)),
            static_cast<int64_t>(llvm::alignTo(perToken, a))};
  }
};

/// One planned temporary.
struct Temporary {
  memref::AllocOp alloc;
  unsigned first = 0, last = 0;
  TokenAffine size, offset;
};

struct CpuPlanArenaPass : moec::cpu::impl::CpuPlanArenaBase<CpuPlanArenaPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace

namespace {
/// Evaluates index values as `base + perToken * T`.
struct TokenEvaluator {
  /// Arguments whose dimension 0 is T (the ids, positions and logits).
  llvm::SmallDenseSet<Value> tokenRows;

  /// `v`, or an upper bound of that form for affine.min; nullopt when it is
  /// neither.
  std::optional<TokenAffine> evaluate(Value v) const;
  std::optional<TokenAffine> evaluateDim(memref::DimOp dim) const;
};
} // namespace

std::optional<TokenAffine>
TokenEvaluator::evaluateDim(memref::DimOp dim) const {
  std::optional<int64_t> index = dim.getConstantIndex();
  if (!index)
    return std::nullopt;
  Value source = dim.getSource();
  if (*index == 0 && tokenRows.contains(source))
    return TokenAffine{0, 1};
  auto type = cast<MemRefType>(source.getType());
  if (!type.isDynamicDim(*index))
    return TokenAffine{type.getDimSize(*index), 0};
  // The size a temporary (or its arena view) was created with.
  Operation *def = source.getDefiningOp();
  if (!isa_and_nonnull<memref::AllocOp, memref::ViewOp>(def))
    return std::nullopt;
  ValueRange sizes = isa<memref::AllocOp>(def)
                         ? cast<memref::AllocOp>(def).getDynamicSizes()
                         : cast<memref::ViewOp>(def).getSizes();
  return evaluate(sizes[type.getDynamicDimIndex(*index)]);
}

std::optional<TokenAffine> TokenEvaluator::evaluate(Value v) const {
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto c = dyn_cast<arith::ConstantIndexOp>(def))
    return TokenAffine{c.value(), 0};
  if (auto dim = dyn_cast<memref::DimOp>(def))
    return evaluateDim(dim);
  if (isa<arith::AddIOp, arith::MulIOp>(def)) {
    auto a = evaluate(def->getOperand(0)), b = evaluate(def->getOperand(1));
    if (!a || !b)
      return std::nullopt;
    if (isa<arith::AddIOp>(def))
      return *a + *b;
    if (a->perToken != 0 && b->perToken != 0)
      return std::nullopt;
    if (a->perToken == 0)
      std::swap(a, b);
    return TokenAffine{a->base * b->base, a->perToken * b->base};
  }
  if (auto min = dyn_cast<affine::AffineMinOp>(def)) {
    // min(...) <= each of its results; a constant one bounds it.
    for (AffineExpr e : min.getAffineMap().getResults())
      if (auto c = dyn_cast<AffineConstantExpr>(e))
        return TokenAffine{c.getValue(), 0};
  }
  return std::nullopt;
}

/// Whether [a, a + s) and [b, b + u) are disjoint for every T in
/// [1, maxTokens]; both sides are linear in T, so the endpoints decide.
static bool disjoint(TokenAffine a, TokenAffine s, TokenAffine b, TokenAffine u,
                     int64_t maxTokens) {
  auto before = [&](TokenAffine x, TokenAffine xs, TokenAffine y) {
    return (x + xs).at(1) <= y.at(1) &&
           (x + xs).at(maxTokens) <= y.at(maxTokens);
  };
  return before(a, s, b) || before(b, u, a);
}

/// Bytes of `alloc` as `base + perToken * T` aligned to `alignment`, or
/// nullopt when a dimension is not of that form (or two depend on T).
static std::optional<TokenAffine> byteSize(memref::AllocOp alloc,
                                           const TokenEvaluator &evaluator,
                                           int64_t alignment) {
  MemRefType type = alloc.getType();
  unsigned bits = type.getElementTypeBitWidth();
  if (!type.getLayout().isIdentity() || bits == 0 || bits % 8 != 0)
    return std::nullopt;
  TokenAffine elements{1, 0};
  unsigned dynamicIndex = 0;
  for (int64_t d : type.getShape()) {
    std::optional<TokenAffine> extent =
        ShapedType::isDynamic(d)
            ? evaluator.evaluate(alloc.getDynamicSizes()[dynamicIndex++])
            : std::optional<TokenAffine>(TokenAffine{d, 0});
    if (!extent || (extent->perToken != 0 && elements.perToken != 0))
      return std::nullopt;
    elements = {elements.base * extent->base,
                elements.base * extent->perToken +
                    elements.perToken * extent->base};
  }
  return TokenAffine{elements.base * (bits / 8), elements.perToken * (bits / 8)}
      .alignedTo(alignment);
}

/// The top-level temporaries of `body` the arena can hold, with their live
/// ranges in `order` (first to last top-level op using any view).
static SmallVector<Temporary>
collectTemporaries(func::FuncOp func, const TokenEvaluator &evaluator,
                   int64_t alignment) {
  Block &body = func.getBody().front();
  llvm::DenseMap<Operation *, unsigned> order;
  for (Operation &op : body)
    order[&op] = order.size();
  BufferViewFlowAnalysis flow(func);
  SmallVector<Temporary> temporaries;
  for (auto alloc : body.getOps<memref::AllocOp>()) {
    std::optional<TokenAffine> size = byteSize(alloc, evaluator, alignment);
    if (!size)
      continue;
    Temporary t;
    t.alloc = alloc;
    t.size = *size;
    t.first = t.last = order[alloc];
    bool escapes = false;
    for (Value alias : flow.resolve(alloc.getResult()))
      for (Operation *user : alias.getUsers()) {
        Operation *top = body.findAncestorOpInBlock(*user);
        if (!top || isa<func::ReturnOp>(top))
          escapes = true;
        else
          t.last = std::max(t.last, order[top]);
      }
    if (!escapes)
      temporaries.push_back(t);
  }
  return temporaries;
}

/// First fit: each temporary gets the lowest candidate offset (0 or the end
/// of a placed one) that no temporary live at the same time overlaps.
/// Returns the arena size.
static TokenAffine placeFirstFit(MutableArrayRef<Temporary> temporaries,
                                 int64_t maxTokens) {
  TokenAffine arena;
  for (size_t i = 0; i < temporaries.size(); ++i) {
    Temporary &t = temporaries[i];
    SmallVector<TokenAffine> candidates = {{0, 0}};
    for (size_t j = 0; j < i; ++j)
      candidates.push_back(temporaries[j].offset + temporaries[j].size);
    llvm::sort(candidates, [&](TokenAffine x, TokenAffine y) {
      return x.at(maxTokens) < y.at(maxTokens);
    });
    for (TokenAffine candidate : candidates) {
      bool fits = llvm::all_of(llvm::seq<size_t>(0, i), [&](size_t j) {
        const Temporary &o = temporaries[j];
        bool overlapInTime = !(o.last < t.first || t.last < o.first);
        return !overlapInTime ||
               disjoint(candidate, t.size, o.offset, o.size, maxTokens);
      });
      if (fits) {
        t.offset = candidate;
        break;
      }
    }
    TokenAffine end = t.offset + t.size;
    arena = {std::max(arena.base, end.base),
             std::max(arena.perToken, end.perToken)};
  }
  return arena;
}

/// Replaces each temporary by a view of `arena` at its offset; returns the
/// plan entries.
static ArrayAttr rewriteIntoArena(MutableArrayRef<Temporary> temporaries,
                                  Value arena, Value tokens) {
  Builder attrs(arena.getContext());
  SmallVector<Attribute> entries;
  for (auto [index, t] : llvm::enumerate(temporaries)) {
    OpBuilder b(t.alloc);
    Location loc = t.alloc.getLoc();
    Value offset = arith::AddIOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, t.offset.base),
        arith::MulIOp::create(
            b, loc, arith::ConstantIndexOp::create(b, loc, t.offset.perToken),
            tokens));
    Value view = memref::ViewOp::create(b, loc, t.alloc.getType(), arena,
                                        offset, t.alloc.getDynamicSizes());
    t.alloc.replaceAllUsesWith(view);
    t.alloc.erase();
    entries.push_back(attrs.getDictionaryAttr(
        {attrs.getNamedAttr(
             "name", attrs.getStringAttr("temporary." + std::to_string(index))),
         attrs.getNamedAttr("offset", attrs.getDenseI64ArrayAttr(
                                          {t.offset.base, t.offset.perToken})),
         attrs.getNamedAttr("size", attrs.getDenseI64ArrayAttr(
                                        {t.size.base, t.size.perToken}))}));
  }
  return attrs.getArrayAttr(entries);
}

void CpuPlanArenaPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto func = module.lookupSymbol<func::FuncOp>(function);
  if (!func || func.isExternal())
    return;
  if (tokensArgument >= func.getNumArguments() ||
      !isa<MemRefType>(func.getArgument(tokensArgument).getType())) {
    func.emitOpError("has no memref argument ")
        << static_cast<unsigned>(tokensArgument) << " holding the tokens";
    return signalPassFailure();
  }
  TokenEvaluator evaluator;
  // An options struct built in C++ starts with an empty list: the default.
  SmallVector<unsigned> rows(tokenRows.begin(), tokenRows.end());
  if (rows.empty())
    rows = {2, 3, 4};
  for (unsigned index : rows) {
    if (index >= func.getNumArguments()) {
      func.emitOpError("has no argument ") << index << " (token-rows)";
      return signalPassFailure();
    }
    evaluator.tokenRows.insert(func.getArgument(index));
  }
  Block &body = func.getBody().front();
  OpBuilder b(&body, body.begin());
  Location loc = func.getLoc();
  Value tokens =
      memref::DimOp::create(b, loc, func.getArgument(tokensArgument),
                            arith::ConstantIndexOp::create(b, loc, 0));

  SmallVector<Temporary> temporaries =
      collectTemporaries(func, evaluator, alignment);
  if (temporaries.empty())
    return;
  TokenAffine arena = placeFirstFit(temporaries, maxTokens);

  // The arena is the step's new last argument.
  auto arenaType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
  unsigned arenaIndex = func.getNumArguments();
  if (failed(func.insertArgument(arenaIndex, arenaType, {}, loc)))
    return signalPassFailure();
  ArrayAttr entries =
      rewriteIntoArena(temporaries, func.getArgument(arenaIndex), tokens);
  Builder attrs(&getContext());
  module->setAttr(
      "moec.cpu_arena",
      attrs.getDictionaryAttr(
          {attrs.getNamedAttr("argument", attrs.getI64IntegerAttr(arenaIndex)),
           attrs.getNamedAttr("alignment", attrs.getI64IntegerAttr(alignment)),
           attrs.getNamedAttr("max_tokens", attrs.getI64IntegerAttr(maxTokens)),
           attrs.getNamedAttr("size", attrs.getDenseI64ArrayAttr(
                                          {arena.base, arena.perToken})),
           attrs.getNamedAttr("buffers", entries)}));
}
