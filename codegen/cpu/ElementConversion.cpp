//===- ElementConversion.cpp - scalar f32 conversions ----------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the scalar conversions of the CPU lowerings, in
// particular the exact bit-level FP8 decode.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/ElementConversion.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moec;

namespace {

/// Integer arithmetic on i32 scalars, for bit-level decoding.
struct I32Builder {
  OpBuilder &b;
  Location loc;

  Value c(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value andI(Value x, int64_t m) {
    return arith::AndIOp::create(b, loc, x, c(m));
  }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shl(Value x, int64_t s) {
    return arith::ShLIOp::create(b, loc, x, c(s));
  }
  Value shr(Value x, int64_t s) {
    return arith::ShRUIOp::create(b, loc, x, c(s));
  }
  Value eq(Value x, int64_t v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, c(v));
  }
  Value select(Value cond, Value t, Value f) {
    return arith::SelectOp::create(b, loc, cond, t, f);
  }
};

} // namespace

/// Decodes one FP8 element (`f8E4M3FN` or `f8E5M2`) to f32 from its bits.
/// Every FP8 value is exactly representable in f32: normals rebias the
/// exponent and left-align the mantissa, subnormals are `man * 2^(1 - bias -
/// manBits)` (an exact product), and the special encodings become f32 NaN
/// (e4m3fn: S.1111.111) or infinity/NaN (e5m2: exponent all ones).
static Value decodeFp8(OpBuilder &b, Location loc, Value v, bool isE4M3FN) {
  int manBits = isE4M3FN ? 3 : 2, expBits = 7 - manBits;
  int bias = isE4M3FN ? 7 : 15;
  I32Builder ib{b, loc};
  Value byte = arith::BitcastOp::create(b, loc, b.getI8Type(), v);
  Value bits = arith::ExtUIOp::create(b, loc, b.getI32Type(), byte);
  Value sign = ib.shl(ib.andI(bits, 0x80), 24);
  Value exp = ib.andI(ib.shr(bits, manBits), (1 << expBits) - 1);
  Value man = ib.andI(bits, (1 << manBits) - 1);
  Value rebiased = arith::AddIOp::create(b, loc, exp, ib.c(127 - bias));
  Value normal = ib.orI(sign, ib.shl(rebiased, 23));
  normal = ib.orI(normal, ib.shl(man, 23 - manBits));
  Value manF = arith::UIToFPOp::create(b, loc, b.getF32Type(), man);
  Value unit = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(std::ldexp(1.0f, 1 - bias - manBits)));
  Value subF = arith::MulFOp::create(b, loc, manF, unit);
  Value subBits = arith::BitcastOp::create(b, loc, b.getI32Type(), subF);
  Value sub = ib.orI(sign, subBits);
  Value isSubnormal = ib.eq(exp, 0);
  Value value = ib.select(isSubnormal, sub, normal);
  Value special, specialBits;
  if (isE4M3FN) {
    special = ib.eq(ib.andI(bits, 0x7f), 0x7f);
    specialBits = ib.orI(sign, ib.c(0x7fc00000));
  } else {
    special = ib.eq(exp, 0x1f);
    Value isInf = ib.eq(man, 0);
    Value payload = ib.select(isInf, ib.c(0), ib.c(0x400000));
    specialBits = ib.orI(sign, ib.c(0x7f800000));
    specialBits = ib.orI(specialBits, payload);
  }
  value = ib.select(special, specialBits, value);
  return arith::BitcastOp::create(b, loc, b.getF32Type(), value);
}

Value cpu::widenToF32(OpBuilder &b, Location loc, Value v) {
  Type type = v.getType();
  if (type.isF32())
    return v;
  if (isa<Float8E4M3FNType>(type))
    return decodeFp8(b, loc, v, /*isE4M3FN=*/true);
  if (isa<Float8E5M2Type>(type))
    return decodeFp8(b, loc, v, /*isE4M3FN=*/false);
  if (type.getIntOrFloatBitWidth() > 32)
    return arith::TruncFOp::create(b, loc, b.getF32Type(), v);
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

Value cpu::roundFromF32(OpBuilder &b, Location loc, Value v, Type type) {
  if (type.isF32())
    return v;
  if (type.getIntOrFloatBitWidth() > 32)
    return arith::ExtFOp::create(b, loc, type, v);
  return arith::TruncFOp::create(b, loc, type, v);
}

Value cpu::f32Constant(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}
