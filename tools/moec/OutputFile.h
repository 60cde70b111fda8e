//===- OutputFile.h - Finishing moec's text outputs -------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the checks of moec's outputs: before any work (an output
// that would overwrite an input, a folder that cannot take it) and after a
// text output is written (a full disk or a closed stdout is an error naming
// the file, not LLVM's nameless "IO failure on output stream" abort).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_OUTPUTFILE_H
#define MOEC_TOOLS_MOEC_OUTPUTFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ToolOutputFile.h"

#include <string>

namespace mlir::moec {

/// An output file and how it was asked for ("-o", "the packed weights of
/// -o x.moec"), for messages.
struct OutputPath {
  std::string path;
  std::string origin;
};

/// Checks, before any work, that no output is one of the files of `input`
/// (an input file, or a checkpoint folder's files, following symbolic links)
/// and that every output can be created (an existing folder that takes
/// files). Returns 0, or prints the problem and returns 1.
int checkOutputsBeforeWork(llvm::StringRef input,
                           llvm::ArrayRef<OutputPath> outputs);

/// Flushes `output`; keeps the file and returns 0 when everything was
/// written, else prints "cannot write '<path>': <reason>" and returns 1 (the
/// partial file is removed).
int finishOutput(llvm::ToolOutputFile &output, llvm::StringRef path);

} // namespace mlir::moec

#endif // MOEC_TOOLS_MOEC_OUTPUTFILE_H
