//===- OutOfMemory.h - Out of memory in the runtime's tools ------*- C++
//-*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The runtime is built without exceptions, so a failed `new` would end the
// process with std::terminate's abort (SIGABRT, "terminate called after
// throwing std::bad_alloc"). Tools install a handler that says what happened
// and exits with status 1 instead. Libraries must not: the C API leaves the
// new-handler to the program that links it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_OUTOFMEMORY_H
#define MOEC_RUNTIME_OUTOFMEMORY_H

namespace moec::runtime {

/// Makes a failed `new` print "<program>: error: out of memory" to stderr and
/// exit with status 1. `program` must outlive the process (a literal).
void exitCleanlyOnOutOfMemory(const char *program);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_OUTOFMEMORY_H
