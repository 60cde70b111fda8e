//===- OutOfMemory.cpp - Out of memory in the runtime's tools -------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/OutOfMemory.h"

#include <cstring>
#include <new>
#include <unistd.h>

namespace moec::runtime {
namespace {

const char *programName = "moec";

void writeAll(const char *text) {
  size_t size = std::strlen(text);
  while (size > 0) {
    ssize_t written = ::write(STDERR_FILENO, text, size);
    if (written <= 0)
      return;
    text += written;
    size -= size_t(written);
  }
}

// Nothing here may allocate: write(2) of static strings, then _exit.
void onOutOfMemory() {
  writeAll(programName);
  writeAll(": error: out of memory\n");
  ::_exit(1);
}

} // namespace

void exitCleanlyOnOutOfMemory(const char *program) {
  programName = program;
  std::set_new_handler(&onOutOfMemory);
}

} // namespace moec::runtime
