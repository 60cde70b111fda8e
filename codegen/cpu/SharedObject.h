//===- SharedObject.h - LLVM dialect to a host shared object ----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Turns a module in the LLVM dialect into the bytes of a shared object for the
// host: translation to LLVM IR, the O2 pipeline for the host CPU, an object
// file, and a link with the system C compiler driver (`cc -shared`), which
// supplies the C library (malloc, free) and libm (expf) the code calls.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_CPU_SHAREDOBJECT_H
#define MOEC_CODEGEN_CPU_SHAREDOBJECT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::moec::cpu {

struct SharedObjectOptions {
  /// LLVM CPU name; "host" selects the CPU this compiler runs on.
  std::string cpu = "host";
  /// LLVM optimization level (0-3). O2 vectorizes like O3 without O3's
  /// unrolling, which made the generated loops slower here.
  unsigned optLevel = 2;
};

struct SharedObject {
  std::vector<uint8_t> bytes;
  /// The architecture the runtime checks before loading ("x86_64", ...).
  std::string arch;
  /// The CPU the code was tuned and restricted to.
  std::string cpu;
  /// Every target feature the code may use (LLVM names, sorted).
  std::vector<std::string> features;
};

/// Fails, naming the choice, when `cpuName` is neither "host" nor a CPU LLVM
/// knows for the host's architecture.
llvm::Error checkCpuName(llvm::StringRef cpuName);

/// Compiles `module` (LLVM dialect only) into a host shared object.
llvm::Expected<SharedObject>
emitSharedObject(ModuleOp module, const SharedObjectOptions &options = {});

} // namespace mlir::moec::cpu

#endif // MOEC_CODEGEN_CPU_SHAREDOBJECT_H
