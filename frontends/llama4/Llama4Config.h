//===- Llama4Config.h - Llama 4 config.json reader --------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares Llama4Config, the normalized form of a Llama 4
// checkpoint's config.json. Both spellings in circulation resolve to it:
//
// - the published checkpoints' (`rope_scaling`, top-level `rope_theta`,
//   `no_rope_layers` where 1 means RoPE and [] means "every 4th layer is
//   NoPE", legacy integer `attn_temperature_tuning`);
// - transformers 5.x's (`rope_parameters`, `layer_types`, `moe_layers`).
//
// Text-only (`Llama4ForCausalLM`, model_type llama4_text) and multimodal
// (`Llama4ForConditionalGeneration`, model_type llama4 with a nested
// `text_config`) configs are both accepted. Every missing, malformed or
// contradictory field is an error that names the field and the file.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_FRONTENDS_LLAMA4_LLAMA4CONFIG_H
#define MOEC_FRONTENDS_LLAMA4_LLAMA4CONFIG_H

#include "frontends/llama4/Llama4Quantization.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::moec::llama4 {

/// Element type of the checkpoint's unquantized tensors (torch_dtype).
enum class ElementKind { F32, BF16, F16 };

/// Returns the safetensors spelling of `kind` ("F32", "BF16", "F16").
llvm::StringRef elementKindName(ElementKind kind);

/// The `llama3` RoPE frequency scaling rule.
struct RopeScaling {
  double factor = 1.0;
  double lowFreqFactor = 1.0;
  double highFreqFactor = 1.0;
  int64_t originalMaxPositionEmbeddings = 0;

  bool operator==(const RopeScaling &other) const {
    return factor == other.factor && lowFreqFactor == other.lowFreqFactor &&
           highFreqFactor == other.highFreqFactor &&
           originalMaxPositionEmbeddings == other.originalMaxPositionEmbeddings;
  }
  bool operator!=(const RopeScaling &other) const { return !(*this == other); }
};

/// A Llama 4 text model, resolved from either config spelling.
struct Llama4Config {
  /// The file the config was read from (for diagnostics).
  std::string fileName;
  /// True for Llama4ForConditionalGeneration checkpoints: text tensors carry
  /// the `language_model.` prefix, vision tensors are present but unused.
  bool multimodal = false;
  ElementKind dtype = ElementKind::F32;

  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  /// Width of every routed expert and of the shared expert.
  int64_t intermediateSize = 0;
  /// Width of the dense SwiGLU MLP of non-MoE layers (0 when none).
  int64_t intermediateSizeMlp = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  /// Routed experts per MoE layer (0 when there are no MoE layers).
  int64_t numExperts = 0;
  int64_t topK = 1;

  double rmsNormEps = 1e-5;
  double ropeTheta = 500000.0;
  std::optional<RopeScaling> ropeScaling;
  /// Chunk of the chunked-causal mask of RoPE layers.
  int64_t attentionChunkSize = 0;
  bool useQkNorm = false;
  bool attnTemperatureTuning = true;
  double floorScale = 8192.0;
  double attnScale = 0.1;
  bool tieWordEmbeddings = false;
  /// 0 when the config does not say.
  int64_t maxPositionEmbeddings = 0;
  /// -1 when absent.
  int64_t bosTokenId = -1;
  int64_t padTokenId = -1;
  /// `eos_token_id`, an id or a list of ids.
  std::vector<int64_t> eosTokenIds;

  /// Per layer: true when the layer applies RoPE (and a chunked mask); false
  /// for NoPE layers (global causal mask, temperature tuning).
  std::vector<bool> useRope;
  /// Per layer: true for MoE feed-forward, false for a dense MLP.
  std::vector<bool> isMoe;

  QuantizationConfig quantization;

  /// Returns true when `layer` normalizes q and k (RoPE layers only).
  bool hasQkNorm(unsigned layer) const { return useQkNorm && useRope[layer]; }
  /// Returns true when `layer` scales q by position (NoPE layers only).
  bool hasTemperatureTuning(unsigned layer) const {
    return attnTemperatureTuning && !useRope[layer];
  }
  /// Returns the prefix of every text-model tensor name.
  llvm::StringRef tensorPrefix() const {
    return multimodal ? "language_model." : "";
  }
};

/// Parses config.json text; `fileName` prefixes every error message.
llvm::Expected<Llama4Config> parseLlama4Config(llvm::StringRef text,
                                               llvm::StringRef fileName);

/// Reads and parses the config file at `path`.
llvm::Expected<Llama4Config> readLlama4Config(llvm::StringRef path);

} // namespace mlir::moec::llama4

#endif // MOEC_FRONTENDS_LLAMA4_LLAMA4CONFIG_H
