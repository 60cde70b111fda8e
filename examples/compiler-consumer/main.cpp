//===- main.cpp - A program that embeds the moec compiler -----------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Imports a Llama 4 checkpoint folder with moec's frontend, runs the graph ->
// routed -> tiled pipelines for the CPU, and prints how many operations of
// each dialect the module holds at each stage.
//
//   moec-compiler-consumer CHECKPOINT_DIR
//
//===----------------------------------------------------------------------===//

#include "dialects/InitAllDialects.h"
#include "frontends/llama4/Llama4Importer.h"
#include "passes/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static void printDialectCounts(ModuleOp module, llvm::StringRef stage) {
  llvm::MapVector<llvm::StringRef, int> counts;
  module.walk(
      [&](Operation *op) { ++counts[op->getName().getDialectNamespace()]; });
  llvm::outs() << stage << ":";
  for (auto [dialect, count] : counts)
    llvm::outs() << " " << dialect << "=" << count;
  llvm::outs() << "\n";
}

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: " << argv[0] << " CHECKPOINT_DIR\n";
    return 2;
  }
  DialectRegistry registry;
  moec::registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  auto module = moec::llama4::importLlama4Checkpoint(context, argv[1]);
  if (!module) {
    llvm::errs() << "import: " << llvm::toString(module.takeError()) << "\n";
    return 1;
  }
  printDialectCounts(**module, "graph");

  moec::PipelineOptions options;
  options.target = "cpu";
  options.precision = "f32";
  PassManager pm(&context);
  moec::buildGraphToRoutedPipeline(pm, options);
  moec::buildRoutedToTiledPipeline(pm, options);
  if (failed(pm.run(**module))) {
    llvm::errs() << "the pipeline failed\n";
    return 1;
  }
  printDialectCounts(**module, "tiled");
  return 0;
}
