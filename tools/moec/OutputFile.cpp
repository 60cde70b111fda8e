//===- OutputFile.cpp - Finishing moec's text outputs ---------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec/OutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

int mlir::moec::finishOutput(llvm::ToolOutputFile &output,
                             llvm::StringRef path) {
  llvm::raw_fd_ostream &os = output.os();
  os.flush();
  if (!os.has_error()) {
    output.keep();
    return 0;
  }
  std::string reason = os.error().message();
  // Cleared, or the stream's destructor aborts with a message that names no
  // file.
  os.clear_error();
  llvm::WithColor::error(llvm::errs(), "moec")
      << "cannot write '" << (path == "-" ? "<stdout>" : path)
      << "': " << reason << "\n";
  return 1;
}
