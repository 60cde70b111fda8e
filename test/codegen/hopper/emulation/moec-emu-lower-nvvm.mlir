// RUN: moec-opt %s --moec-emu-lower-nvvm | FileCheck %s

// Each NVVM op becomes an indirect call through @__moec_emu_hooks
// (moec/emulator_abi.h) with the site string last.

// CHECK-LABEL: llvm.mlir.global external @__moec_emu_hooks() {{.*}} : !llvm.array<18 x ptr>
// CHECK: llvm.mlir.zero : !llvm.array<18 x ptr>

module {
  llvm.mlir.global external @__moec_smem() {addr_space = 3 : i32, alignment = 1024 : i64} : !llvm.array<0 x i8>

  // CHECK-LABEL: llvm.func @sync_ops
  // CHECK: %[[ACC:.+]] = llvm.alloca %{{.*}} x !llvm.array<4 x f32>
  // CHECK: %[[COORDS:.+]] = llvm.alloca %{{.*}} x !llvm.array<2 x i32>
  llvm.func @sync_ops(%tmap: !llvm.ptr, %v: f32, %acc: !llvm.struct<(f32, f32, f32, f32)>,
                      %da: i64, %db: i64) attributes {nvvm.kernel} {
    // Special registers: hook 0 with the register number.
    // CHECK: %[[SREG:.+]] = llvm.mlir.constant(0 : i32) : i32
    // CHECK: %[[SLOT0:.+]] = llvm.getelementptr %{{.*}}[0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<18 x ptr>
    // CHECK: %[[FN0:.+]] = llvm.load %[[SLOT0]] : !llvm.ptr -> !llvm.ptr
    // CHECK: llvm.call %[[FN0]](%[[SREG]], %{{.*}}) : !llvm.ptr, (i32, !llvm.ptr) -> i32
    %tid = nvvm.read.ptx.sreg.tid.x : i32
    // The dynamic shared memory symbol: hook 17, cast back to shared.
    // CHECK: llvm.getelementptr %{{.*}}[0, 17]
    // CHECK: %[[SMEM:.+]] = llvm.call %{{.*}}(%{{.*}}) : !llvm.ptr, (!llvm.ptr) -> !llvm.ptr
    // CHECK: llvm.addrspacecast %[[SMEM]] : !llvm.ptr to !llvm.ptr<3>
    %smem = llvm.mlir.addressof @__moec_smem : !llvm.ptr<3>
    %c1 = llvm.mlir.constant(1 : i32) : i32
    %c0 = llvm.mlir.constant(0 : i32) : i32
    // CHECK: llvm.getelementptr %{{.*}}[0, 5]
    // CHECK: llvm.call %{{.*}} : !llvm.ptr, (!llvm.ptr, i32, !llvm.ptr) -> ()
    nvvm.mbarrier.init %smem, %c1 : !llvm.ptr<3>, i32
    // CHECK: llvm.getelementptr %{{.*}}[0, 9]
    nvvm.fence.mbarrier.init
    // CHECK: llvm.getelementptr %{{.*}}[0, 1]
    nvvm.barrier0
    // CHECK: llvm.getelementptr %{{.*}}[0, 7]
    // CHECK: llvm.call %{{.*}} : !llvm.ptr, (!llvm.ptr, i32, !llvm.ptr) -> i64
    nvvm.mbarrier.arrive.expect_tx %smem, %c1 : !llvm.ptr<3>, i32
    // CHECK: llvm.getelementptr %{{.*}}[0, 6]
    %state = nvvm.mbarrier.arrive %smem : !llvm.ptr<3> -> i64
    // CHECK: llvm.getelementptr %{{.*}}[0, 8]
    nvvm.mbarrier.try_wait.parity %smem, %c0, %c1 : !llvm.ptr<3>, i32, i32
    // Shuffles of f32 go through their bits.
    // CHECK: %[[BITS:.+]] = llvm.bitcast %{{.*}} : f32 to i32
    // CHECK: llvm.getelementptr %{{.*}}[0, 2]
    // CHECK: %[[SHFL:.+]] = llvm.call %{{.*}}(%{{.*}}, %{{.*}}, %[[BITS]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : !llvm.ptr, (i32, i32, i32, i32, i32, !llvm.ptr, !llvm.ptr) -> i32
    // CHECK: llvm.bitcast %[[SHFL]] : i32 to f32
    %m = llvm.mlir.constant(-1 : i32) : i32
    %clamp = llvm.mlir.constant(31 : i32) : i32
    %s = nvvm.shfl.sync bfly %m, %v, %c1, %clamp : f32 -> f32
    // CHECK: llvm.getelementptr %{{.*}}[0, 3]
    // CHECK: llvm.icmp "ne"
    %elected = nvvm.elect.sync -> i1
    // CHECK: llvm.getelementptr %{{.*}}[0, 4]
    nvvm.setmaxregister increase 232
    // TMA: the coordinates go through a stack array.
    // CHECK: llvm.store %{{.*}}, %{{.*}} : i32, !llvm.ptr
    // CHECK: llvm.getelementptr %{{.*}}[0, 10]
    // CHECK: llvm.call %{{.*}}(%{{.*}}, %{{.*}}, %[[COORDS]], %{{.*}}, %{{.*}}, %{{.*}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, !llvm.ptr, i32, !llvm.ptr, !llvm.ptr) -> ()
    %dst = llvm.addrspacecast %smem : !llvm.ptr<3> to !llvm.ptr<7>
    nvvm.cp.async.bulk.tensor.shared.cluster.global %dst, %tmap, %smem, box[%c0, %c1] : !llvm.ptr<7>, !llvm.ptr
    // CHECK: llvm.getelementptr %{{.*}}[0, 11]
    nvvm.wgmma.fence.aligned
    // wgmma m64n8k32 e4m3 with scale-d 1: config = 8 | 32 << 9 | 4 << 16 |
    // 4 << 20 | 1 << 24 = 21250056.
    // CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr
    // CHECK: %[[CONFIG:.+]] = llvm.mlir.constant(21250056 : i32) : i32
    // CHECK: llvm.getelementptr %{{.*}}[0, 14]
    // CHECK: llvm.call %{{.*}}(%[[ACC]], %{{.*}}, %{{.*}}, %[[CONFIG]], %{{.*}}) : !llvm.ptr, (!llvm.ptr, i64, i64, i32, !llvm.ptr) -> ()
    // CHECK-COUNT-4: llvm.load %{{.*}} : !llvm.ptr -> f32
    %d = nvvm.wgmma.mma_async %da, %db, %acc,
      #nvvm.shape<m = 64, n = 8, k = 32>,
      D [<f32>, #nvvm.wgmma_scale_out<one>],
      A [<e4m3>, #nvvm.wgmma_scale_in<one>, <row>],
      B [<e4m3>, #nvvm.wgmma_scale_in<one>, <col>]
      : !llvm.struct<(f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32)>
    // CHECK: llvm.getelementptr %{{.*}}[0, 12]
    nvvm.wgmma.commit.group.sync.aligned
    // CHECK: llvm.getelementptr %{{.*}}[0, 13]
    nvvm.wgmma.wait.group.sync.aligned 0
    // FP8 pairs: hook 15, result truncated to i16.
    // CHECK: llvm.getelementptr %{{.*}}[0, 15]
    // CHECK: %[[PAIR:.+]] = llvm.call %{{.*}} : !llvm.ptr, (f32, f32, i32, !llvm.ptr) -> i32
    // CHECK: llvm.trunc %[[PAIR]] : i32 to i16
    %f8 = nvvm.convert.f32x2.to.f8x2 %v, %v {rnd = #nvvm.fp_rnd_mode<rn>, sat = #nvvm.sat_mode<satfinite>} : i16(f8E4M3FN)
    // CHECK-NOT: nvvm.
    llvm.return
  }
  // The dynamic shared memory symbol is gone.
  // CHECK-NOT: @__moec_smem

  // Site strings name the kernel, the op and its ordinal.
  // CHECK: llvm.mlir.global private constant @__moec_emu_site_{{[0-9]+}}("sync_ops: nvvm.read.ptx.sreg.tid.x #1
}
