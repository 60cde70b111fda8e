//===- KernelHeader.h - C headers and descriptions of kernels ---*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What `moec emit-kernel` writes next to the PTX and cubin: a C header that
// embeds the kernel image and whose launch function encodes the TMA
// descriptors itself, and a JSON description of the kernel (tiles, stages,
// ABI) for tools and the CPU model of the tiled algorithm.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_KERNELHEADER_H
#define MOEC_CODEGEN_HOPPER_KERNELHEADER_H

#include "codegen/hopper/GemmKernel.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace mlir::moec::hopper {

/// The kernel image embedded in the header: a cubin, or NUL-terminated PTX
/// that the driver JIT-compiles.
struct KernelImage {
  std::string bytes;
  bool isCubin = false;
};

/// A C99 header for `spec` with `image` embedded: NAME_load, NAME_launch
/// (device pointers, the row count and a CUstream), NAME_unload.
std::string emitGemmHeader(const GemmKernelSpec &spec,
                           const KernelImage &image);

/// The JSON description of `spec` (docs/hopper-codegen.md).
std::string emitGemmDescription(const GemmKernelSpec &spec);
llvm::json::Object describeGemm(const GemmKernelSpec &spec);
std::string formatDescription(llvm::json::Object description);

/// The include guard, the includes and `extern "C" {` of a kernel header,
/// and their closing lines.
std::string headerPrologue(llvm::StringRef guard);
std::string headerEpilogue(llvm::StringRef guard);

/// `static const unsigned char PREFIX_image[] = {...};` with a comment.
std::string formatImageBytes(llvm::StringRef prefix, const KernelImage &image);

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_KERNELHEADER_H
