//===- moec-opt.cpp - mlir-opt with every moec dialect and pass -*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The lit suite's driver: parses, verifies, transforms and prints IR with
// all moec dialects, passes and pipelines registered.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/hopper/Ptx.h"
#include "codegen/hopper/emulation/Passes.h"
#include "dialects/InitAllDialects.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "passes/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::moec::registerAllDialects(registry);
  mlir::moec::cpu::registerCpuCodegenDialects(registry);
  mlir::moec::hopper::registerHopperCodegen(registry);
  mlir::moec::registerAllPasses();
  mlir::moec::cpu::registerCpuCodegenPasses();
  mlir::moec::hopper::emulation::registerEmulationPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "moec optimizer driver\n", registry));
}
