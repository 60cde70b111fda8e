//===- WeightCheck.h - Checkpoint tensors vs. the imported graph -*- C++ -*-=//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the comparison between the tensors a graph-level module
// declares (its graph.weight symbols) and the tensors a checkpoint stores.
// The checkpoint side is a plain list of {name, dtype, shape}, filled from the
// runtime's strict safetensors reader (moec::runtime::Checkpoint).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_FRONTENDS_LLAMA4_WEIGHTCHECK_H
#define MOEC_FRONTENDS_LLAMA4_WEIGHTCHECK_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::moec::llama4 {

/// One tensor, as a checkpoint stores it or as a graph expects it.
struct TensorDesc {
  std::string name;
  /// The safetensors dtype spelling: "F32", "BF16", "F8_E4M3", ...
  std::string dtype;
  llvm::SmallVector<int64_t, 4> shape;
};

/// The tensors of one checkpoint, looked up by name.
class TensorListing {
public:
  TensorListing(std::string source, std::vector<TensorDesc> tensors);

  /// Returns the tensor called `name`, or nullptr.
  const TensorDesc *find(llvm::StringRef name) const;

  /// Returns all tensors, in the order they were given.
  llvm::ArrayRef<TensorDesc> tensors() const { return all; }

  /// Returns where the tensors came from (the checkpoint directory).
  llvm::StringRef source() const { return origin; }

private:
  std::string origin;
  std::vector<TensorDesc> all;
  llvm::StringMap<size_t> byName;
};

/// Returns true when `dir` holds weights: model.safetensors or
/// model.safetensors.index.json.
bool hasCheckpointWeights(llvm::StringRef dir);

/// Opens the weights of `dir` with the runtime's reader (which validates
/// every file) and lists their tensors.
llvm::Expected<TensorListing> listCheckpointTensors(llvm::StringRef dir);

/// Returns the safetensors spelling of an element type, or nullopt for types
/// checkpoints cannot hold.
std::optional<llvm::StringRef> safetensorsDType(Type elementType);

/// Returns the tensors `module` declares with graph.weight.
std::vector<TensorDesc> collectDeclaredTensors(ModuleOp module);

/// Compares `expected` against `checkpoint`. Tensors whose name starts with
/// one of `ignoredPrefixes` (a multimodal checkpoint's vision tower) may be
/// present without being expected. The error names every missing,
/// mis-shaped, mis-typed and unexpected tensor, and `configName`.
llvm::Error checkWeights(llvm::ArrayRef<TensorDesc> expected,
                         const TensorListing &checkpoint,
                         llvm::ArrayRef<llvm::StringRef> ignoredPrefixes,
                         llvm::StringRef configName);

} // namespace mlir::moec::llama4

#endif // MOEC_FRONTENDS_LLAMA4_WEIGHTCHECK_H
