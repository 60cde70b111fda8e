//===- Llama4Quantization.h - FP8 schemes of Llama 4 checkpoints -*- C++ -*-=//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares QuantizationConfig, the FP8 scheme a checkpoint's
// `quantization_config` describes, and which of its modules store FP8
// weights. Two schemes are understood:
//
// - compressed-tensors (`quant_method: compressed-tensors`, format
//   float-quantized), as in Meta's FP8 Maverick: FP8 e4m3 `[out, in]`
//   weights with per-channel (or 2-D block) scales `weight_scale`, dynamic
//   per-token (or 1xK' group) activations, routed experts stored unfused per
//   expert (`experts.{e}.{gate,up,down}_proj.weight`). Modules are selected
//   by the group's `targets` minus `ignore` (exact names or `re:` patterns).
// - fbgemm_fp8: per-channel FP8 weights with fp32 `weight_scale [out, 1]`,
//   fused FP8 experts with `gate_up_proj_scale [E, 1, 2I]` and
//   `down_proj_scale [E, H, 1]`, per-token activations bounded by
//   `activation_scale_ub`; `modules_to_not_convert` stay unquantized.
//
// Any other method, format or strategy is an error that names it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_FRONTENDS_LLAMA4_LLAMA4QUANTIZATION_H
#define MOEC_FRONTENDS_LLAMA4_LLAMA4QUANTIZATION_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class Regex;
} // namespace llvm

namespace mlir::moec::llama4 {

class JsonFields;

/// The quantization method of a checkpoint.
enum class QuantScheme { None, CompressedTensors, FbgemmFp8 };

/// How many elements share one FP8 scale (mirrors #moe.scaling).
struct ScalingSpec {
  enum class Kind { PerTensor, PerChannel, PerToken, Block };
  Kind kind = Kind::PerChannel;
  /// Block extents (rows x reduction) when kind == Block.
  int64_t blockRows = 0;
  int64_t blockCols = 0;
};

/// Selects modules by name, the way quantization configs list them.
class ModuleMatcher {
public:
  /// How entries are compared against a dotted module name.
  enum class Style {
    /// compressed-tensors: the class name `Linear` matches every linear
    /// module, `re:PATTERN` matches when PATTERN matches at the start of
    /// the name, anything else must equal the name.
    CompressedTensors,
    /// fbgemm_fp8 (transformers): an entry matches the modules whose name
    /// contains it as whole dotted components.
    Components,
  };

  ModuleMatcher() = default;
  ModuleMatcher(Style style) : style(style) {}

  /// Adds `entry`; returns an error message for an invalid regex.
  std::optional<std::string> add(llvm::StringRef entry);

  /// Returns true when some entry matches the linear module `name`.
  bool matches(llvm::StringRef name) const;

  bool empty() const { return entries.empty(); }

private:
  struct Entry {
    std::string text;
    std::shared_ptr<llvm::Regex> regex;
  };
  Style style = Style::Components;
  std::vector<Entry> entries;
};

/// The FP8 scheme of a checkpoint and the modules it quantizes.
struct QuantizationConfig {
  QuantScheme scheme = QuantScheme::None;
  /// Granularity of the weight scales.
  ScalingSpec weightScaling;
  /// Granularity of the dynamic activation scales (none: weight-only).
  std::optional<ScalingSpec> activationScaling;
  /// fbgemm_fp8's bound on activation amax (activation_scale_ub).
  std::optional<double> activationScaleUpperBound;
  /// Modules the scheme quantizes, before `excluded`.
  ModuleMatcher targets;
  /// `ignore` (compressed-tensors) or `modules_to_not_convert` (fbgemm).
  ModuleMatcher excluded;

  bool isQuantized() const { return scheme != QuantScheme::None; }

  /// Returns the quant_method spelling of the scheme.
  llvm::StringRef schemeName() const;

  /// True when routed experts are stored per expert as `[out, in]` linear
  /// weights (`experts.{e}.gate_proj.weight`) rather than fused 3-D tensors.
  bool hasUnfusedExperts() const {
    return scheme == QuantScheme::CompressedTensors;
  }

  /// True when the linear module `name` (no `.weight`) stores FP8 weights.
  bool quantizesLinear(llvm::StringRef name) const;

  /// True when the fused experts module `name` stores FP8 weights.
  bool quantizesFusedExperts(llvm::StringRef name) const;

  /// True when scales may be stored as fp32 or in the model dtype (the
  /// checkpoint decides); false when they must be fp32.
  bool hasFlexibleScaleDType() const {
    return scheme == QuantScheme::CompressedTensors;
  }
};

/// Reads `quantization_config` from `config` (if present) into `result`;
/// errors go to the diagnostics of `config`.
void parseQuantizationConfig(JsonFields &config, QuantizationConfig &result);

} // namespace mlir::moec::llama4

#endif // MOEC_FRONTENDS_LLAMA4_LLAMA4QUANTIZATION_H
