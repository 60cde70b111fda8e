//===- MoeAttrs.h - moec moe dialect attributes -----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_MOE_IR_MOEATTRS_H
#define MOEC_DIALECTS_MOE_IR_MOEATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/Moe/IR/MoeEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Moe/IR/MoeAttrs.h.inc"

#endif // MOEC_DIALECTS_MOE_IR_MOEATTRS_H
