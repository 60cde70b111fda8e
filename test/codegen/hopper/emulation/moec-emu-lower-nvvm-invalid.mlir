// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-emu-lower-nvvm

llvm.func @unknown() {
  // expected-error @below {{the Hopper emulator has no model of 'nvvm.cp.async.bulk.commit.group'}}
  nvvm.cp.async.bulk.commit.group
  llvm.return
}

// -----

llvm.func @f16_accumulator(%a: i64, %b: i64, %acc: !llvm.struct<(i32, i32, i32, i32)>) {
  // expected-error @below {{the emulator models wgmma with f32 accumulators}}
  %d = nvvm.wgmma.mma_async %a, %b, %acc,
    #nvvm.shape<m = 64, n = 8, k = 32>,
    D [<s32>, #nvvm.wgmma_scale_out<one>],
    A [<s8>, #nvvm.wgmma_scale_in<one>, <row>],
    B [<s8>, #nvvm.wgmma_scale_in<one>, <col>]
    : !llvm.struct<(i32, i32, i32, i32)> -> !llvm.struct<(i32, i32, i32, i32)>
  llvm.return
}

// -----

llvm.mlir.global external @__moec_smem() {addr_space = 3 : i32} : !llvm.array<0 x i8>
// expected-error @below {{the emulator models the dynamic shared memory symbol only}}
llvm.mlir.global internal @static_tile() {addr_space = 3 : i32} : !llvm.array<64 x i8>

// -----

llvm.func @multicast(%dst: !llvm.ptr<7>, %tmap: !llvm.ptr, %bar: !llvm.ptr<3>, %x: i32, %mask: i16) {
  // expected-error @below {{the emulator has no model of TMA multicast}}
  nvvm.cp.async.bulk.tensor.shared.cluster.global %dst, %tmap, %bar, box[%x] multicast_mask = %mask : !llvm.ptr<7>, !llvm.ptr
  llvm.return
}

// -----

llvm.func @fence_alias() {
  // expected-error @below {{the emulator models fence.proxy.async only}}
  nvvm.fence.proxy {kind = #nvvm.proxy_kind<alias>}
  llvm.return
}
