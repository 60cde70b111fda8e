//===- EmulationObject.h - An sm_90a module as a host object ----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The emulation object of a kernel module: the same NVVM-level module the
// cubin comes from, lowered by the emulation pipeline and compiled for the
// host (generic x86-64, so it runs on any machine the emulator runs on).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_EMULATION_EMULATIONOBJECT_H
#define MOEC_CODEGEN_HOPPER_EMULATION_EMULATIONOBJECT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::moec::hopper {

/// Compiles a copy of `kernelModule` (a module holding one gpu.module) into
/// the bytes of a host shared object emulating the image whose
/// moecEmuImageHash is `imageHash`. `loweredText`, when given, receives the
/// lowered host module (for --keep-mlir).
llvm::Expected<std::string> compileEmulationObject(ModuleOp kernelModule,
                                                   uint64_t imageHash,
                                                   std::string *loweredText);

/// "NAME.<16 hex digits>.emu.so": the name the emulating driver searches.
std::string emulationObjectFileName(llvm::StringRef kernelName,
                                    uint64_t imageHash);

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_EMULATION_EMULATIONOBJECT_H
