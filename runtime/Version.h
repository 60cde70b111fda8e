//===- Version.h - moec version string --------------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The moec version for `--version` output and for stamping artifacts and
// emitted kernels: MOEC_VERSION_STRING and MOEC_VERSION_{MAJOR,MINOR,PATCH},
// from the public moec/version.h that CMake generates from the top-level
// project() call (runtime/include/moec/version.h.in).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_VERSION_H
#define MOEC_RUNTIME_VERSION_H

#include "moec/version.h"

#endif // MOEC_RUNTIME_VERSION_H
