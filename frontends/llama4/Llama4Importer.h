//===- Llama4Importer.h - Llama 4 checkpoint to graph-level IR --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the Llama 4 frontend: it turns a checkpoint directory
// (config.json, plus model.safetensors or a sharded index) into the
// graph-level module of the text model:
//
//   graph.weight @"<checkpoint tensor name>" : tensor<...>   (one per tensor)
//   func.func @forward(%ids: tensor<?xi64>, %positions: tensor<?xi64>)
//       -> tensor<?xVOCABxDTYPE>
//
// Each layer is an attention block (graph.rms_norm, graph.linear, graph.rope
// on RoPE layers, graph.attention with the layer's mask, QK-norm and
// temperature tuning) and a feed-forward block (graph.mlp or moe.block with
// the shared expert), each closed by a residual arith.addf. Ops carry a
// NameLoc such as "layers.3.attn" or "layers.3.moe". FP8 weights enter
// through moe.dequantize, whose #moe.scaling carries the scheme's weight
// granularity; the activation granularity is the `moe.activation_scaling`
// attribute of @forward.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_FRONTENDS_LLAMA4_LLAMA4IMPORTER_H
#define MOEC_FRONTENDS_LLAMA4_LLAMA4IMPORTER_H

#include "frontends/llama4/Llama4Config.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace mlir::moec::llama4 {

class TensorListing;

/// Loads the dialects the imported module uses into `context`.
void loadImporterDialects(MLIRContext &context);

/// Builds the graph-level module for `config`. When `checkpoint` is given it
/// decides the dtype of scale tensors a scheme allows in more than one
/// dtype; nothing else is read from it. The module is not verified.
/// Builds @forward(ids, positions) -> logits; with `kvCachePositions > 0`
/// it also takes and returns every layer's key and value caches
/// (tensor<kvCachePositions x kv_heads*head_dim>, row p = position p), the
/// form one compiled step uses for both prefill and decode.
OwningOpRef<ModuleOp> buildLlama4Module(MLIRContext &context,
                                        const Llama4Config &config,
                                        const TensorListing *checkpoint,
                                        int64_t kvCachePositions = 0);

/// Returns the prefixes of checkpoint tensors that are expected but not
/// part of the text graph (the vision tower and projector of multimodal
/// checkpoints).
llvm::SmallVector<llvm::StringRef>
ignoredTensorPrefixes(const Llama4Config &config);

/// Options of importLlama4Checkpoint.
struct ImportOptions {
  /// The config file to read; empty means `<dir>/config.json`.
  std::string configPath;
  /// Positions each layer's KV cache holds; 0: no KV cache arguments.
  int64_t kvCachePositions = 0;
};

/// Imports the checkpoint in `dir`: reads the config, lists the weights when
/// there are any, builds the module, checks every tensor the graph needs
/// against the checkpoint (presence, shape, dtype, nothing unexpected) and
/// verifies the module. With config.json alone the graph comes from the
/// config and the weights are checked later.
llvm::Expected<OwningOpRef<ModuleOp>>
importLlama4Checkpoint(MLIRContext &context, llvm::StringRef dir,
                       const ImportOptions &options = {});

} // namespace mlir::moec::llama4

#endif // MOEC_FRONTENDS_LLAMA4_LLAMA4IMPORTER_H
