//===- moec-opt.cpp - mlir-opt with every moec dialect and pass -*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The lit suite's driver and the tool outside projects write FileCheck tests
// against: parses, verifies, transforms and prints every IR moec writes
// (`moec compile --emit=...`, `moec emit-kernel --keep-mlir`) with moec's
// dialects, passes and pipelines and MLIR's generic transforms registered.
//
// Exit codes as in every moec tool: 0 success, 1 failure while working
// (unreadable input, invalid IR, a failing pass), 2 bad command line.
//
//===----------------------------------------------------------------------===//

#include "tools/moec-opt/Registration.h"

#include "mlir/Debug/Counter.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include "runtime/Version.h"

static llvm::cl::opt<std::string> inputFilename(llvm::cl::Positional,
                                                llvm::cl::desc("<input file>"),
                                                llvm::cl::init("-"));
static llvm::cl::opt<std::string>
    outputFilename("o", llvm::cl::desc("Output filename (default: -)"),
                   llvm::cl::value_desc("filename"), llvm::cl::init("-"));

/// The --help header: what the tool is and the dialects it parses.
static std::string helpHeader(const mlir::DialectRegistry &registry) {
  std::string header = "moec-opt: mlir-opt with every moec dialect and pass\n"
                       "Available Dialects: ";
  llvm::raw_string_ostream os(header);
  llvm::interleaveComma(registry.getDialectNames(), os);
  return header;
}

/// moec's version first, then the LLVM it was built with, so that neither
/// replaces the other.
static void printVersion(llvm::raw_ostream &os) {
  os << "moec-opt " << MOEC_VERSION_STRING << " (LLVM/MLIR "
     << LLVM_VERSION_STRING << ")\n";
}

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::moec::registerMoecOptDialects(registry);
  mlir::moec::registerMoecOptPasses();
  llvm::cl::SetVersionPrinter(printVersion);

  // MlirOptMain's own parse exits 1 on a bad command line; parsing here
  // first reports it with exit code 2 like the other moec tools.
  mlir::MlirOptMainConfig::registerCLOptions(registry);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  mlir::tracing::DebugCounter::registerCLOptions();
  if (!llvm::cl::ParseCommandLineOptions(argc, argv, helpHeader(registry),
                                         &llvm::errs()))
    return 2;
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
}
