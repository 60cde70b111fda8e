//===- PackedWeights.h - The packed weights file beside an artifact -*- C++
//-*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Writes the packed weights a compiled artifact reads: a safetensors file
// whose tensors sit at the byte offsets the code generator chose (aligned for
// vector loads). Safetensors wants the data area without holes, so alignment
// gaps are filled with U8 padding entries named "__moec_padding.N"; the
// header is padded with spaces so the data area starts aligned too.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_ARTIFACT_PACKEDWEIGHTS_H
#define MOEC_CODEGEN_ARTIFACT_PACKEDWEIGHTS_H

#include "runtime/Safetensors.h"

#include "absl/types/span.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mlir::moec {

struct PackedTensor {
  std::string name;
  ::moec::runtime::DType dtype;
  std::vector<int64_t> shape;
  /// Offset in the data area; entries are sorted by offset, no overlap.
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

/// Writes `tensors` (data from `read(i)`, which must return exactly
/// `tensors[i].bytes` bytes) into a safetensors file of `dataSize` data
/// bytes at `path`, the data area aligned to `alignment`.
llvm::Error writePackedWeights(
    llvm::StringRef path, const std::vector<PackedTensor> &tensors,
    uint64_t dataSize, uint64_t alignment,
    const std::function<llvm::Expected<absl::Span<const uint8_t>>(size_t)>
        &read);

} // namespace mlir::moec

#endif // MOEC_CODEGEN_ARTIFACT_PACKEDWEIGHTS_H
