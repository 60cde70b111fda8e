//===- LegalizeBf16.cpp - moec-emu-legalize-bf16 ----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/emulation/Passes.h"

namespace mlir::moec::hopper::emulation {
#define GEN_PASS_DEF_EMULEGALIZEBF16
#include "codegen/hopper/emulation/Passes.h.inc"
} // namespace mlir::moec::hopper::emulation

using namespace mlir;

namespace {

bool isBf16(Type type) { return isa<BFloat16Type>(getElementTypeOrSelf(type)); }

/// `type` with its element type replaced (scalars and vectors).
Type withElement(Type type, Type element) {
  if (auto vector = dyn_cast<VectorType>(type))
    return vector.clone(element);
  return element;
}

/// An integer constant of `type` (splat for vectors).
Value intConstant(OpBuilder &b, Location loc, Type type, int64_t value) {
  Type element = getElementTypeOrSelf(type);
  Attribute attr = b.getIntegerAttr(element, value);
  if (auto vector = dyn_cast<VectorType>(type))
    attr = SplatElementsAttr::get(vector, attr);
  return LLVM::ConstantOp::create(b, loc, type, cast<TypedAttr>(attr));
}

/// Round to nearest even: add 0x7fff plus the lowest kept bit, keep the
/// high half; NaN becomes 0x7fff.
void expandTruncate(LLVM::FPTruncOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32Type = withElement(op.getArg().getType(), b.getI32Type());
  Type i16Type = withElement(op.getType(), b.getI16Type());
  Value bits = LLVM::BitcastOp::create(b, loc, i32Type, op.getArg());
  Value lsb = LLVM::AndOp::create(
      b, loc,
      LLVM::LShrOp::create(b, loc, bits, intConstant(b, loc, i32Type, 16)),
      intConstant(b, loc, i32Type, 1));
  Value bias =
      LLVM::AddOp::create(b, loc, lsb, intConstant(b, loc, i32Type, 0x7fff));
  Value rounded =
      LLVM::LShrOp::create(b, loc, LLVM::AddOp::create(b, loc, bits, bias),
                           intConstant(b, loc, i32Type, 16));
  Value narrow = LLVM::TruncOp::create(b, loc, i16Type, rounded);
  Value isNan = LLVM::FCmpOp::create(b, loc, LLVM::FCmpPredicate::uno,
                                     op.getArg(), op.getArg());
  Value result = LLVM::SelectOp::create(
      b, loc, isNan, intConstant(b, loc, i16Type, 0x7fff), narrow);
  Value bf16 = LLVM::BitcastOp::create(b, loc, op.getType(), result);
  op.getResult().replaceAllUsesWith(bf16);
  op.erase();
}

void expandExtend(LLVM::FPExtOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i16Type = withElement(op.getArg().getType(), b.getI16Type());
  Type i32Type = withElement(op.getArg().getType(), b.getI32Type());
  Type f32Type = withElement(op.getArg().getType(), b.getF32Type());
  Value bits = LLVM::BitcastOp::create(b, loc, i16Type, op.getArg());
  Value wide =
      LLVM::ShlOp::create(b, loc, LLVM::ZExtOp::create(b, loc, i32Type, bits),
                          intConstant(b, loc, i32Type, 16));
  Value value = LLVM::BitcastOp::create(b, loc, f32Type, wide);
  if (f32Type != op.getType())
    value = LLVM::FPExtOp::create(b, loc, op.getType(), value);
  op.getResult().replaceAllUsesWith(value);
  op.erase();
}

struct EmuLegalizeBf16
    : public ::mlir::moec::hopper::emulation::impl::EmuLegalizeBf16Base<
          EmuLegalizeBf16> {
  void runOnOperation() override {
    SmallVector<Operation *> conversions;
    getOperation().walk([&](Operation *op) {
      if ((isa<LLVM::FPTruncOp>(op) && isBf16(op->getResult(0).getType()) &&
           isa<Float32Type>(getElementTypeOrSelf(op->getOperand(0)))) ||
          (isa<LLVM::FPExtOp>(op) && isBf16(op->getOperand(0).getType())))
        conversions.push_back(op);
    });
    for (Operation *op : conversions) {
      if (auto truncate = dyn_cast<LLVM::FPTruncOp>(op))
        expandTruncate(truncate);
      else
        expandExtend(cast<LLVM::FPExtOp>(op));
    }
  }
};
} // namespace
