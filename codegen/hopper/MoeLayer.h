//===- MoeLayer.h - a whole Llama 4 MoE layer on sm_90a ---------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `moec emit-kernel moe-layer`: one module with every kernel of a top-1 MoE
// layer with a shared expert (router through combine), FP8 row-wise: the
// routing kernels of MoeKernels.h, two grouped GEMMs (gate|up with the
// SwiGLU epilogue, down) for the routed experts, two dense GEMMs for the
// shared expert, and row-wise FP8 quantization between them. The C header
// sequences the launches on one stream with no host synchronization.
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
  MoeRoutingSpec routing;

  std::string quantizeInterName() const { return name + "_quantize_inter"; }
  std::string quantizeHiddenName() const { return name + "_quantize_hidden"; }
};

/// `name` empty: moec_moe_layer_e<E>_h<H>_i<I>.
llvm::Expected<MoeLayerSpec> makeMoeLayerSpec(MLIRContext *context,
                                              int64_t experts, int64_t hidden,
                                              int64_t inter,
                                              GemmPrecision precision,
                                              llvm::StringRef name = "");

OwningOpRef<ModuleOp> buildMoeLayerModule(MLIRContext *context,
                                          const MoeLayerSpec &spec);

/// The C header: NAME_load, NAME_workspace_bytes(tokens), NAME_launch.
std::string emitMoeLayerHeader(const MoeLayerSpec &spec,
                               const KernelImage &image);
std::string emitMoeLayerDescription(const MoeLayerSpec &spec);

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_MOELAYER_H
