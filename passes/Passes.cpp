//===- Passes.cpp - registration of moec passes -----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Pipelines.h"

void mlir::moec::registerAllPasses() {
  registerMoecPasses();
  registerPipelines();
}
