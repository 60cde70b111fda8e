//===- GraphDialect.h - moec graph dialect ----------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_GRAPH_IR_GRAPHDIALECT_H
#define MOEC_DIALECTS_GRAPH_IR_GRAPHDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/Graph/IR/GraphDialect.h.inc"

#endif // MOEC_DIALECTS_GRAPH_IR_GRAPHDIALECT_H
