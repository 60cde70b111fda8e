//===- MoeLayer.h - running an emitted MoE layer ----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `moec-bench moe`: loads a layer written by `moec emit-kernel moe-layer`
// (NAME.json beside NAME.cubin or NAME.ptx), fills random weights on the
// device, and times the whole layer (the launch sequence of the generated
// C header: router through combine, on one stream).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOECBENCH_MOELAYER_H
#define MOEC_TOOLS_MOECBENCH_MOELAYER_H

#include "tools/moec-bench/GemmKernel.h"

namespace moec::bench {

struct MoeLayerDescription {
  std::string name;
  int64_t experts = 0, hidden = 0, inter = 0;
  /// FP8 row-wise (quantizers between the GEMMs) or bf16.
  bool fp8 = true;
  /// Segment alignment of the routed prefill and decode GEMMs.
  int64_t rowAlignment = 0, decodeRowAlignment = 0;
  /// Token counts up to which the decode GEMMs run (the header's choice).
  int64_t routedDecodeMaxTokens = 0, sharedDecodeMaxTokens = 0;
  /// gate_up, down (grouped), shared_gate_up, shared_down (dense): the
  /// prefill tiling, then the decode (swap-AB) tiling.
  std::vector<GemmDescription> gemms, decodeGemms;

  bool routedDecode(int64_t tokens) const {
    return tokens <= routedDecodeMaxTokens;
  }
  bool sharedDecode(int64_t tokens) const {
    return tokens <= sharedDecodeMaxTokens;
  }
};

absl::StatusOr<MoeLayerDescription>
loadMoeLayerDescription(const std::string &path);

struct MoeLayerTiming {
  /// The launch sequence queued kernel by kernel, and replayed as one
  /// captured CUDA graph (no per-launch host overhead).
  double ms = 0, graphMs = 0;
  /// Experts with at least one token (the routing is the device's).
  int64_t expertsUsed = 0;
};

/// Median of `reps` event-timed runs of the layer on `tokens` random
/// tokens (after three warm-ups), launched kernel by kernel and as a
/// captured CUDA graph (which also proves the sequence capturable: no
/// host synchronization).
absl::StatusOr<MoeLayerTiming>
timeMoeLayer(const runtime::CudaDevice &device, const MoeLayerDescription &desc,
             const std::string &path, int64_t tokens, int reps, uint64_t seed);

} // namespace moec::bench

#endif // MOEC_TOOLS_MOECBENCH_MOELAYER_H
