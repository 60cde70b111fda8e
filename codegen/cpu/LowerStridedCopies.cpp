//===- LowerStridedCopies.cpp - memref.copy without the runner library ----===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-lower-strided-copies. memref-to-llvm lowers a
// copy between contiguous memrefs to memcpy but any other copy to a call of
// `memrefCopy` from MLIR's C runner library, which a standalone shared object
// does not have. Those copies become linalg.copy here, and then loops.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPULOWERSTRIDEDCOPIES
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;

/// Whether memref-to-llvm lowers a copy of `type` to a plain memcpy.
static bool isMemcpyable(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

namespace {
struct CpuLowerStridedCopiesPass
    : moec::cpu::impl::CpuLowerStridedCopiesBase<CpuLowerStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      if (!isMemcpyable(copy.getSource().getType()) ||
          !isMemcpyable(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};
} // namespace
