//===- ImportCommand.h - `moec import` --------------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the `moec import` subcommand: checkpoint directory in,
// verified graph-level MLIR out.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_IMPORTCOMMAND_H
#define MOEC_TOOLS_MOEC_IMPORTCOMMAND_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mlir::moec {

/// Imports the Llama 4 checkpoint in `checkpointDir` (config from
/// `configPath`, or `<dir>/config.json` when empty) and writes the verified
/// module to `outputPath` ("-" for stdout), with locations inline when
/// `printDebugInfo` is set. Returns the process exit code: 0 on success, 1
/// after printing an error.
int runImportCommand(llvm::StringRef checkpointDir, llvm::StringRef configPath,
                     llvm::StringRef outputPath, int64_t kvCachePositions,
                     bool printDebugInfo);

} // namespace mlir::moec

#endif // MOEC_TOOLS_MOEC_IMPORTCOMMAND_H
