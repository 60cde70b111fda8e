// RUN: moec-opt %s --moec-emu-entry-points=image-hash=81985529216486895 | FileCheck %s

// CHECK-LABEL: llvm.func internal @k(
// CHECK-NOT: nvvm.
// CHECK-SAME: {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>}
llvm.func @k(%tmap: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant},
             %out: !llvm.ptr<1>, %m: i32) attributes {nvvm.kernel, nvvm.maxntid = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32} {
  llvm.return
}

// The launch function takes cuLaunchKernel's parameter array: by-value
// aggregates are passed by address, the rest loaded.
// CHECK-LABEL: llvm.func @__moec_emu_launch_k(
// CHECK-SAME: %[[PARAMS:.+]]: !llvm.ptr)
// CHECK: %[[P0:.+]] = llvm.getelementptr %[[PARAMS]][0]
// CHECK: %[[TMAP:.+]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[P1:.+]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[OUT:.+]] = llvm.load %[[P1]] : !llvm.ptr -> !llvm.ptr<1>
// CHECK: %[[P2:.+]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[M:.+]] = llvm.load %[[P2]] : !llvm.ptr -> i32
// CHECK: llvm.call @k(%[[TMAP]], %[[OUT]], %[[M]])

// CHECK: @__moec_emu_abi_version(1 : i32)
// CHECK: @__moec_emu_image_hash(81985529216486895 : i64)
// CHECK: @__moec_emu_kernel_count(1 : i32)
// CHECK-LABEL: @__moec_emu_kernels()
// CHECK: llvm.mlir.addressof @__moec_emu_name_k
// CHECK: llvm.mlir.addressof @__moec_emu_launch_k
// CHECK: llvm.mlir.constant(3 : i32)
// CHECK: llvm.mlir.addressof @__moec_emu_sizes_k
// CHECK: llvm.mlir.addressof @__moec_emu_aligns_k
// CHECK: llvm.mlir.constant(384 : i32)
// Sizes and alignments as the driver copies them.
// CHECK: @__moec_emu_name_k("k\00")
// CHECK: @__moec_emu_sizes_k(dense<[128, 8, 4]> : tensor<3xi32>)
// CHECK: @__moec_emu_aligns_k(dense<[64, 8, 4]> : tensor<3xi32>)
