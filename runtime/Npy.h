//===- Npy.h - Writing NumPy .npy files -------------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares writeNpyF32, which stores an f32 array as a NumPy .npy
// file (format version 1.0, dtype '<f4', C order), so that logits dumped by
// moec-run can be compared with golden logits by numpy.load.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_NPY_H
#define MOEC_RUNTIME_NPY_H

#include "absl/status/status.h"
#include "absl/types/span.h"

#include <cstdint>
#include <string>

namespace moec::runtime {

/// Returns the .npy header (magic, version 1.0, length, the dict padded
/// with spaces and '\n' to a multiple of 64 bytes) for an f32 C-order array
/// of `shape`.
std::string npyHeaderF32(absl::Span<const int64_t> shape);

/// Writes `values`, of `shape` (their product must be values.size()), to
/// `path` as a .npy file; errors name the path.
absl::Status writeNpyF32(const std::string &path,
                         absl::Span<const float> values,
                         absl::Span<const int64_t> shape);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_NPY_H
