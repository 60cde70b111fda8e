//===- OutputFile.cpp - Finishing moec's text outputs ---------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec/OutputFile.h"
#include "runtime/File.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

/// The regular files a command reading `input` may read: a folder's files,
/// or the file itself.
static std::vector<std::string> inputFiles(llvm::StringRef input) {
  if (!llvm::sys::fs::is_directory(input))
    return {input.str()};
  std::vector<std::string> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(input, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::fs::is_regular_file(it->path()))
      files.push_back(it->path());
  return files;
}

int mlir::moec::checkOutputsBeforeWork(llvm::StringRef input,
                                       llvm::ArrayRef<OutputPath> outputs) {
  auto fail = [](const llvm::Twine &message) {
    llvm::WithColor::error(llvm::errs(), "moec") << message << "\n";
    return 1;
  };
  for (const std::string &file : inputFiles(input))
    for (const OutputPath &output : outputs)
      if (::moec::runtime::isSameFile(output.path, file))
        return fail("refusing to write '" + output.path + "' (" +
                    output.origin + "): it is the input file '" + file + "'");
  for (const OutputPath &output : outputs) {
    absl::Status status = ::moec::runtime::checkOutputPath(output.path);
    if (!status.ok())
      return fail(std::string(status.message()));
  }
  return 0;
}

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
