//===- EmulationObject.cpp - An sm_90a module as a host object --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/emulation/EmulationObject.h"
#include "codegen/cpu/SharedObject.h"
#include "codegen/hopper/emulation/Passes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::moec;

static llvm::Error emulationError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<std::string>
hopper::compileEmulationObject(ModuleOp kernelModule, uint64_t imageHash,
                               std::string *loweredText) {
  OwningOpRef<ModuleOp> module(kernelModule.clone());
  MLIRContext *context = module->getContext();
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diagnostic) {
    diagnosticStream << diagnostic << "\n";
    return success();
  });
  PassManager pm(context);
  emulation::buildEmulationPipeline(pm, imageHash);
  if (failed(pm.run(*module)))
    return emulationError("lowering the kernel module for the Hopper "
                          "emulator failed:\n" +
                          diagnostics);
  if (loweredText) {
    llvm::raw_string_ostream os(*loweredText);
    module->print(os);
  }
  // Generic x86-64: the object also runs on the machine a build is carried
  // to (a GPU host checking the emulator against the card).
  cpu::SharedObjectOptions options;
  options.cpu = "x86-64";
  llvm::Expected<cpu::SharedObject> object =
      cpu::emitSharedObject(*module, options);
  if (!object)
    return object.takeError();
  return std::string(object->bytes.begin(), object->bytes.end());
}

std::string hopper::emulationObjectFileName(llvm::StringRef kernelName,
                                            uint64_t imageHash) {
  return llvm::formatv("{0}.{1:x-16}.emu.so", kernelName, imageHash).str();
}
