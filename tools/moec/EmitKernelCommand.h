//===- EmitKernelCommand.h - `moec emit-kernel` -----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `moec emit-kernel gemm --m=M|? --n=N --k=K --precision=P -o DIR`: one
// standalone sm_90a kernel as DIR/NAME.ptx, DIR/NAME.cubin (when ptxas is
// available), DIR/NAME.h and DIR/NAME.c (the C declarations, and the image
// with the load / launch / unload definitions), DIR/NAME.json (its
// description) and DIR/NAME.<hash>.emu.so (the Hopper emulator's object).
// `grouped-gemm --experts=E
// [--tokens=T]` and `moe-layer --experts --hidden --inter` likewise.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_EMITKERNELCOMMAND_H
#define MOEC_TOOLS_MOEC_EMITKERNELCOMMAND_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::moec {

/// What `moec emit-kernel` was asked to do, as given on the command line.
struct EmitKernelRequest {
  /// gemm | grouped-gemm | moe-layer.
  std::string kind;
  std::string target = "sm_90a";
  /// Rows: a positive integer, or "?" for a row count given at launch.
  std::string m;
  int64_t n = 0;
  int64_t k = 0;
  /// Experts of a grouped GEMM or MoE layer.
  int64_t experts = 0;
  /// Routed rows a grouped GEMM is tuned for (0: not given, prefill
  /// tiling); few per expert pick the swap-AB decode tiling.
  int64_t tokens = 0;
  /// Model width and expert width of an MoE layer.
  int64_t hidden = 0;
  int64_t inter = 0;
  std::string precision;
  std::string activation = "none";
  /// Kernel and file name; empty: a name derived from the shape.
  std::string name;
  std::string outputDir;
  /// ptxas to run: empty finds one ($MOEC_PTXAS, PATH, /usr/local/cuda),
  /// "none" writes PTX only.
  std::string ptxas;
  /// Also write DIR/NAME.mlir, the NVVM-level kernel before lowering.
  bool keepMlir = false;
  /// Also write DIR/NAME.<hash>.emu.so, the Hopper emulator's object.
  bool emulation = true;
  /// A deliberate defect for the emulator's tests (KernelDefect.h).
  std::string defect = "none";
  /// The command line, stamped into the files: the program's file name,
  /// then its arguments as given.
  std::vector<std::string> commandLine;
};

/// Runs the subcommand; returns the process exit code.
int runEmitKernelCommand(const EmitKernelRequest &request);

} // namespace mlir::moec

#endif // MOEC_TOOLS_MOEC_EMITKERNELCOMMAND_H
