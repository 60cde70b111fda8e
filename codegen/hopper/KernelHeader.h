//===- KernelHeader.h - C headers and descriptions of kernels ---*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What `moec emit-kernel gemm | grouped-gemm` writes next to the PTX and
// cubin: NAME.h and NAME.c (KernelSources.h), whose launch function encodes
// the TMA descriptors itself, and a JSON description of the kernel (tiles,
// stages, ABI) for tools and the CPU model of the tiled algorithm.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_KERNELHEADER_H
#define MOEC_CODEGEN_HOPPER_KERNELHEADER_H

#include "codegen/hopper/GemmKernel.h"
#include "codegen/hopper/KernelSources.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace mlir::moec::hopper {

/// NAME.h and NAME.c of `spec` with `image` embedded in NAME.c: NAME_load,
/// NAME_launch (device pointers, the row count and a CUstream),
/// NAME_unload.
KernelSources emitGemmSources(const GemmKernelSpec &spec,
                              const KernelImage &image,
                              const KernelProvenance &provenance);

/// The JSON description of `spec` (docs/hopper-codegen.md).
std::string emitGemmDescription(const GemmKernelSpec &spec,
                                const KernelProvenance &provenance);
llvm::json::Object describeGemm(const GemmKernelSpec &spec);

/// The pointers NAME_launch of `spec` takes and their alignments.
std::vector<PointerParam> gemmPointerParams(const GemmKernelSpec &spec);

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_KERNELHEADER_H
