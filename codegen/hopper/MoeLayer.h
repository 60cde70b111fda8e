//===- MoeLayer.h - a whole Llama 4 MoE layer on sm_90a ---------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `moec emit-kernel moe-layer`: one module with every kernel of a top-1 MoE
// layer with a shared expert (router through combine), FP8 row-wise or
// bf16: the routing kernels of MoeKernels.h, two grouped GEMMs (gate|up
// with the SwiGLU epilogue, down) for the routed experts, two dense GEMMs
// for the shared expert, and (FP8) row-wise quantization between them. Every
// GEMM comes in two tilings the target description picks: prefill, and decode
// (swap-AB: weight rows on wgmma M, few tokens on N). The C header picks
// per launch from the token count, and sequences the launches on one
// stream with no host synchronization.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_MOELAYER_H
#define MOEC_CODEGEN_HOPPER_MOELAYER_H

#include "codegen/hopper/GemmKernel.h"
#include "codegen/hopper/KernelHeader.h"
#include "codegen/hopper/MoeKernels.h"

namespace mlir::moec::hopper {

struct MoeLayerSpec {
  std::string name;
  int64_t experts = 0, hidden = 0, inter = 0;
  GemmPrecision precision = GemmPrecision::Fp8Rowwise;
  /// Routed experts: [E, 2I, H] gate|up with SwiGLU, [E, H, I] down.
  GemmKernelSpec gateUp, down;
  /// The shared expert: [2I, H] gate|up with SwiGLU, [H, I] down.
  GemmKernelSpec sharedGateUp, sharedDown;
  /// The same four GEMMs tiled for decode (swap-AB).
  GemmKernelSpec gateUpDecode, downDecode, sharedGateUpDecode, sharedDownDecode;
  /// Launches with at most this many tokens use the decode tiling of the
  /// routed experts (their segments then align to its token tile) and of
  /// the shared expert.
  int64_t routedDecodeMaxTokens = 0, sharedDecodeMaxTokens = 0;
  MoeRoutingSpec routing;

  /// Segment alignment of each routed tiling: its GEMMs' tile M.
  int64_t rowAlignment() const { return gateUp.tileM; }
  int64_t decodeRowAlignment() const { return gateUpDecode.tileM; }
  /// Every GEMM, prefill then decode, in the header's order.
  SmallVector<const GemmKernelSpec *, 8> gemms() const {
    return {&gateUp,       &down,       &sharedGateUp,       &sharedDown,
            &gateUpDecode, &downDecode, &sharedGateUpDecode, &sharedDownDecode};
  }

  bool isFp8() const { return precision != GemmPrecision::BF16; }
  std::string quantizeInterName() const { return name + "_quantize_inter"; }
  std::string quantizeHiddenName() const { return name + "_quantize_hidden"; }
};

/// `name` empty: moec_moe_layer_e<E>_h<H>_i<I>[_bf16].
llvm::Expected<MoeLayerSpec> makeMoeLayerSpec(MLIRContext *context,
                                              int64_t experts, int64_t hidden,
                                              int64_t inter,
                                              GemmPrecision precision,
                                              llvm::StringRef name = "");

OwningOpRef<ModuleOp> buildMoeLayerModule(MLIRContext *context,
                                          const MoeLayerSpec &spec);

/// NAME.h (NAME_load, NAME_workspace_bytes(tokens), NAME_launch, ...
/// declared) and NAME.c (the image and their definitions).
KernelSources emitMoeLayerSources(const MoeLayerSpec &spec,
                                  const KernelImage &image,
                                  const KernelProvenance &provenance);
std::string emitMoeLayerDescription(const MoeLayerSpec &spec,
                                    const KernelProvenance &provenance);

/// The pointers NAME_launch takes and their alignments.
std::vector<PointerParam> moeLayerPointerParams();

/// NAME.c's definitions with their placeholders (MoeLayerSource.cpp).
llvm::StringRef moeLayerDefinitionsTemplate();

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_MOELAYER_H
