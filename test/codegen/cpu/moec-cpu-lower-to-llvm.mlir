// The CPU pipeline takes a tiled FP8 GEMM nest (scf.forall over output tiles,
// a K loop of tile.mma + tile.promote with a partial last K block, the
// epilogue) on tensors all the way to the LLVM dialect: no tile, linalg,
// tensor, memref, scf, cf, arith or math op is left, and every function gets
// a C interface wrapper taking memref descriptors.
// RUN: moec-opt %s --moec-tile=target=cpu --moec-cpu-lower-to-llvm | FileCheck %s
// RUN: moec-opt %s --moec-tile=target=cpu --moec-cpu-lower-to-llvm=emit-c-interface=false | FileCheck %s --check-prefix=NOWRAP

// CHECK-LABEL: llvm.func @fp8_block(
//  CHECK-SAME:     %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: i64
//  CHECK-SAME:     -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
//   CHECK-NOT:   {{(tile|linalg|tensor|memref|scf|cf|arith|math|affine|bufferization)\.[a-z_]+}}
//       CHECK: llvm.func @_mlir_ciface_fp8_block(%{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr)
//  CHECK-NEXT:   llvm.load
// NOWRAP-NOT: _mlir_ciface_
func.func @fp8_block(%x: tensor<?x200xf8E4M3FN>, %w: tensor<24x200xf8E4M3FN>, %xs: tensor<?x2xf32>, %ws: tensor<1x2xf32>) -> tensor<?x24xbf16> {
  %y = moe.matmul %x, %w scales(%xs, %ws) {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
    : tensor<?x200xf8E4M3FN>, tensor<24x200xf8E4M3FN>, tensor<?x2xf32>, tensor<1x2xf32> -> tensor<?x24xbf16>
  return %y : tensor<?x24xbf16>
}
