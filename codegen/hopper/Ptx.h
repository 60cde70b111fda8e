//===- Ptx.h - NVVM kernel modules to PTX and cubin -------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// PTX comes from MLIR's gpu-module-to-binary (format isa). moec runs ptxas
// itself rather than through gpu-module-to-binary (format bin), which
// swallows ptxas's resource report: the report is parsed and spills, local
// memory and the wgmma/setmaxnreg performance warnings fail compilation.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_PTX_H
#define MOEC_CODEGEN_HOPPER_PTX_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::moec::hopper {

/// Dialects, target attributes and LLVM IR translations the kernel
/// modules and their lowering need.
void registerHopperCodegen(DialectRegistry &registry);

/// Lowers the gpu.modules of `module` (LLVM, NVVM, scf and arith ops) to
/// PTX. Returns the PTX of the one gpu.module.
llvm::Expected<std::string> translateToPtx(ModuleOp module);

/// What `ptxas -v` said about one kernel.
struct PtxasReport {
  std::string function;
  int64_t registers = -1;
  int64_t stackFrameBytes = 0;
  int64_t spillStoreBytes = 0;
  int64_t spillLoadBytes = 0;
  /// "C7508: ..." style performance warnings and other warnings, verbatim.
  std::vector<std::string> warnings;
};

/// Parses ptxas's -v output (stderr). Fails when no function is reported.
llvm::Expected<std::vector<PtxasReport>> parsePtxasReport(llvm::StringRef log);

/// An error naming the kernel and the problem when the report shows
/// spills, stack (local memory) use or warnings (C7508 setmaxnreg ignored,
/// C7511/C7515 wgmma serialized, and any other); success otherwise.
llvm::Error checkPtxasReport(const PtxasReport &report);

/// ptxas from $MOEC_PTXAS, then PATH, then /usr/local/cuda/bin; none when
/// absent.
std::optional<std::string> findPtxas();

/// Assembles `ptx` for sm_90a with `ptxas -v`, checks the reports and
/// returns the cubin bytes.
llvm::Expected<std::string> assembleCubin(llvm::StringRef ptxas,
                                          llvm::StringRef ptx,
                                          std::vector<PtxasReport> *reports);

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_PTX_H
