// Round trip of the moe dialect's attributes, outside any op.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @scaling()
//  CHECK-SAME:     a = #moe.scaling<per_tensor>
//  CHECK-SAME:     b = #moe.scaling<per_channel>
//  CHECK-SAME:     c = #moe.scaling<per_token>
//  CHECK-SAME:     d = #moe.scaling<block 1x128>
//  CHECK-SAME:     e = #moe.scaling<block 128x128>
//  CHECK-SAME:     f = #moe.scaling<block 64x32>
func.func @scaling() attributes {
    a = #moe.scaling<per_tensor>, b = #moe.scaling<per_channel>,
    c = #moe.scaling<per_token>, d = #moe.scaling<block 1x128>,
    e = #moe.scaling<block 128x128>, f = #moe.scaling<block 64x32>} {
  return
}

// CHECK-LABEL: func.func @epilogue()
//  CHECK-SAME:     none = #moe.epilogue<none>
//  CHECK-SAME:     swiglu = #moe.epilogue<swiglu>
func.func @epilogue() attributes {none = #moe.epilogue<none>, swiglu = #moe.epilogue<swiglu>} {
  return
}
