//===- MoeDialect.h - moec moe dialect --------------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_MOE_IR_MOEDIALECT_H
#define MOEC_DIALECTS_MOE_IR_MOEDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/Moe/IR/MoeDialect.h.inc"

#endif // MOEC_DIALECTS_MOE_IR_MOEDIALECT_H
