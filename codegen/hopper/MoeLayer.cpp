//===- MoeLayer.cpp - a whole Llama 4 MoE layer on sm_90a -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/MoeLayer.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

static llvm::Error layerError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<MoeLayerSpec>
hopper::makeMoeLayerSpec(MLIRContext *context, int64_t experts, int64_t hidden,
                         int64_t inter, GemmPrecision precision,
                         llvm::StringRef name) {
  // The dispatch kernel quantizes per token; 1x128 blocks and bf16 experts
  // would need their own dispatch and quantize kernels.
  if (precision != GemmPrecision::Fp8Rowwise)
    return layerError("moe-layer supports --precision=fp8-rowwise only (the "
                      "routed tokens are quantized per token)");
  if (hidden <= 0 || inter <= 0 || hidden % 16 || inter % 16)
    return layerError(llvm::formatv(
        "--hidden and --inter must be positive multiples of 16 (TMA rows), "
        "got {0} and {1}",
        hidden, inter));
  MoeLayerSpec spec;
  spec.name = name.empty() ? llvm::formatv("moec_moe_layer_e{0}_h{1}_i{2}",
                                           experts, hidden, inter)
                                 .str()
                           : name.str();
  spec.experts = experts;
  spec.hidden = hidden;
  spec.inter = inter;
  spec.precision = precision;
  auto gemm = [&](GemmKernelSpec &out, bool grouped, int64_t n, int64_t k,
                  GemmActivation activation,
                  llvm::StringRef suffix) -> llvm::Error {
    llvm::Expected<GemmKernelSpec> made =
        grouped ? makeGroupedGemmKernelSpec(context, experts, n, k, precision,
                                            activation)
                : makeGemmKernelSpec(context, std::nullopt, n, k, precision,
                                     activation);
    if (!made)
      return made.takeError();
    out = *made;
    out.name = spec.name + "_" + suffix.str();
    return llvm::Error::success();
  };
  if (llvm::Error error = gemm(spec.gateUp, true, 2 * inter, hidden,
                               GemmActivation::SwiGlu, "gate_up"))
    return std::move(error);
  if (llvm::Error error =
          gemm(spec.down, true, hidden, inter, GemmActivation::None, "down"))
    return std::move(error);
  if (llvm::Error error = gemm(spec.sharedGateUp, false, 2 * inter, hidden,
                               GemmActivation::SwiGlu, "shared_gate_up"))
    return std::move(error);
  if (llvm::Error error = gemm(spec.sharedDown, false, hidden, inter,
                               GemmActivation::None, "shared_down"))
    return std::move(error);
  if (spec.gateUp.tileM != spec.down.tileM)
    return layerError("the grouped GEMMs disagree on the row tile");
  spec.routing = {spec.name, experts, hidden, spec.gateUp.tileM};
  return spec;
}

OwningOpRef<ModuleOp> hopper::buildMoeLayerModule(MLIRContext *context,
                                                  const MoeLayerSpec &spec) {
  Location loc = NameLoc::get(StringAttr::get(context, spec.name));
  ImplicitLocOpBuilder b(loc, context);
  OwningOpRef<ModuleOp> module = createKernelModule(context, spec.name, b);
  for (const GemmKernelSpec *gemm :
       {&spec.gateUp, &spec.down, &spec.sharedGateUp, &spec.sharedDown})
    buildGemmKernel(b, *gemm);
  buildMoeRoutingKernels(b, spec.routing);
  buildQuantizeRowsKernel(b, spec.quantizeInterName(), spec.inter);
  buildQuantizeRowsKernel(b, spec.quantizeHiddenName(), spec.hidden);
  return module;
}
