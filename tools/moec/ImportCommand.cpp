//===- ImportCommand.cpp - `moec import` ------------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements `moec import CKPT_DIR [-o out.mlir] [--config FILE]`
// on top of the Llama 4 frontend library.
//
//===----------------------------------------------------------------------===//

#include "tools/moec/ImportCommand.h"
#include "frontends/llama4/Llama4Importer.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "tools/moec/OutputFile.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

int mlir::moec::runImportCommand(llvm::StringRef checkpointDir,
                                 llvm::StringRef configPath,
                                 llvm::StringRef outputPath,
                                 int64_t kvCachePositions,
                                 bool printDebugInfo) {
  // The same bound as compile's --max-seq-len: far above any context a
  // model is compiled for, low enough that cache sizes cannot overflow.
  constexpr int64_t kMaxPositions = int64_t(1) << 24;
  if (kvCachePositions < 0 || kvCachePositions > kMaxPositions) {
    llvm::WithColor::error(llvm::errs(), "moec import")
        << "--kv-cache-positions " << kvCachePositions << " is not in [0, "
        << kMaxPositions << "]\n";
    return 2;
  }
  // The importer returns its diagnostics inside the error it reports.
  MLIRContext context(MLIRContext::Threading::DISABLED);
  llama4::ImportOptions options;
  options.configPath = configPath.str();
  options.kvCachePositions = kvCachePositions;
  llvm::Expected<OwningOpRef<ModuleOp>> module =
      llama4::importLlama4Checkpoint(context, checkpointDir, options);
  if (!module) {
    llvm::WithColor::error(llvm::errs(), "moec import")
        << llvm::toString(module.takeError()) << "\n";
    return 1;
  }
  std::string errorMessage;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &errorMessage);
  if (!output) {
    llvm::WithColor::error(llvm::errs(), "moec import") << errorMessage << "\n";
    return 1;
  }
  OpPrintingFlags flags;
  if (printDebugInfo)
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false)
        .useLocalScope();
  (*module)->print(output->os(), flags);
  output->os() << "\n";
  return finishOutput(*output, outputPath);
}
