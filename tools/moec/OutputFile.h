//===- OutputFile.h - Finishing moec's text outputs -------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares finishOutput, which turns a failed write of a text
// output (a full disk, a closed stdout) into an error naming the file instead
// of LLVM's nameless "IO failure on output stream" abort.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_OUTPUTFILE_H
#define MOEC_TOOLS_MOEC_OUTPUTFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mlir::moec {

/// Flushes `output`; keeps the file and returns 0 when everything was
/// written, else prints "cannot write '<path>': <reason>" and returns 1 (the
/// partial file is removed).
int finishOutput(llvm::ToolOutputFile &output, llvm::StringRef path);

} // namespace mlir::moec

#endif // MOEC_TOOLS_MOEC_OUTPUTFILE_H
