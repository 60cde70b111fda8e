//===- CompileCommand.h - `moec compile` ------------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the `moec compile` subcommand: a checkpoint directory
// or MLIR file at some stage in, the IR of a later stage (or, once codegen
// lands, an artifact) out.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_COMPILECOMMAND_H
#define MOEC_TOOLS_MOEC_COMPILECOMMAND_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::moec {

/// What `moec compile` was asked to do, as given on the command line.
struct CompileRequest {
  std::string input;
  std::string target;
  std::string precision;
  std::vector<std::string> fp8Classes;
  /// Compute type of an fp8 precision (f32 or bf16); empty: bf16.
  std::string compute;
  /// graph | routed | tiled | ptx; empty means a full artifact.
  std::string emit;
  /// graph | routed | tiled for MLIR input; empty means graph.
  std::string from;
  std::string output;
  /// Positions the KV cache holds (0: the config's max_position_embeddings,
  /// at most 4096).
  int64_t maxSeqLen = 0;
  /// LLVM CPU name for the CPU target; "host" is the compiling machine.
  std::string cpu = "host";
  /// LLVM optimization level of the CPU shared object (0-3).
  unsigned cpuOptLevel = 2;
  bool progress = false;
  bool printIRBeforeAll = false;
  bool printIRAfterAll = false;
  bool timing = false;
  bool statistics = false;
  bool printDebugInfo = false;
};

/// Runs `moec compile`; returns the process exit code (0 on success, 1 after
/// printing an error).
int runCompileCommand(const CompileRequest &request);

} // namespace mlir::moec

#endif // MOEC_TOOLS_MOEC_COMPILECOMMAND_H
