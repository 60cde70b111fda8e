//===- PackMoeLayerCommand.h - `moec pack-moe-layer` ------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `moec pack-moe-layer CKPT --layer=N --precision=fp8-rowwise|bf16 -o
// OUT.safetensors`: one MoE layer of a Hugging Face Llama 4 checkpoint in
// the layout the launch function of `moec emit-kernel moe-layer` takes
// (router, w13, w2, shared_w13, shared_w2 and, for FP8, their row scales;
// docs/hopper-codegen.md). `moec pack-moe-layer --list FILE` prints the
// tensors of a packed file.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_PACKMOELAYERCOMMAND_H
#define MOEC_TOOLS_MOEC_PACKMOELAYERCOMMAND_H

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::moec {

/// What `moec pack-moe-layer` was asked to do.
struct PackMoeLayerRequest {
  /// The checkpoint directory, or with `list` the packed file.
  std::string input;
  /// The layer to pack (required unless `list`).
  std::optional<int64_t> layer;
  std::string precision = "fp8-rowwise";
  std::string output;
  /// Print the tensors of the safetensors file `input` instead.
  bool list = false;
};

/// Runs the subcommand; returns the process exit code.
int runPackMoeLayerCommand(const PackMoeLayerRequest &request);

} // namespace mlir::moec

#endif // MOEC_TOOLS_MOEC_PACKMOELAYERCOMMAND_H
