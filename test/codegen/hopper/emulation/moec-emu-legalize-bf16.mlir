// RUN: moec-opt %s --moec-emu-legalize-bf16 | FileCheck %s

// CHECK-LABEL: llvm.func @truncate
// CHECK-NOT: llvm.fptrunc
// CHECK: %[[BITS:.+]] = llvm.bitcast %{{.*}} : f32 to i32
// CHECK: llvm.lshr %[[BITS]]
// CHECK: llvm.add
// CHECK: %[[NARROW:.+]] = llvm.trunc %{{.*}} : i32 to i16
// CHECK: %[[NAN:.+]] = llvm.fcmp "uno"
// CHECK: %[[SEL:.+]] = llvm.select %[[NAN]], %{{.*}}, %[[NARROW]] : i1, i16
// CHECK: llvm.bitcast %[[SEL]] : i16 to bf16
llvm.func @truncate(%x: f32) -> bf16 {
  %y = llvm.fptrunc %x : f32 to bf16
  llvm.return %y : bf16
}

// CHECK-LABEL: llvm.func @truncate_vector
// CHECK: llvm.bitcast %{{.*}} : vector<2xf32> to vector<2xi32>
// CHECK: llvm.trunc %{{.*}} : vector<2xi32> to vector<2xi16>
// CHECK: llvm.bitcast %{{.*}} : vector<2xi16> to vector<2xbf16>
llvm.func @truncate_vector(%x: vector<2xf32>) -> vector<2xbf16> {
  %y = llvm.fptrunc %x : vector<2xf32> to vector<2xbf16>
  llvm.return %y : vector<2xbf16>
}

// CHECK-LABEL: llvm.func @extend
// CHECK: %[[B:.+]] = llvm.bitcast %{{.*}} : bf16 to i16
// CHECK: %[[W:.+]] = llvm.zext %[[B]] : i16 to i32
// CHECK: %[[S:.+]] = llvm.shl %[[W]]
// CHECK: llvm.bitcast %[[S]] : i32 to f32
llvm.func @extend(%x: bf16) -> f32 {
  %y = llvm.fpext %x : bf16 to f32
  llvm.return %y : f32
}
