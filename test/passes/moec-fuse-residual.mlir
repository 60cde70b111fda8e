// RUN: moec-opt %s -split-input-file --moec-fuse-residual | FileCheck %s

// The attention block's skip connection: h + o_proj(attention).
// CHECK-LABEL: func.func @skip_first
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x64xbf16>, %[[A:[^:]*]]: tensor<?x64xbf16>, %[[WO:[^:]*]]: tensor<64x64xbf16>)
// CHECK-NEXT: %[[Y:.+]] = moe.matmul %[[A]], %[[WO]] residual(%[[H]] : tensor<?x64xbf16>) {op_class = #moe.op_class<attention>} : tensor<?x64xbf16>, tensor<64x64xbf16> -> tensor<?x64xbf16>
// CHECK-NEXT: return %[[Y]]
func.func @skip_first(%h: tensor<?x64xbf16>, %a: tensor<?x64xbf16>, %wo: tensor<64x64xbf16>) -> tensor<?x64xbf16> {
  %o = moe.matmul %a, %wo {op_class = #moe.op_class<attention>} : tensor<?x64xbf16>, tensor<64x64xbf16> -> tensor<?x64xbf16>
  %y = arith.addf %h, %o : tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// Either operand order.
// CHECK-LABEL: func.func @matmul_first
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x64xbf16>, %[[A:[^:]*]]: tensor<?x64xbf16>, %[[WO:[^:]*]]: tensor<64x64xbf16>)
// CHECK-NEXT: %[[Y:.+]] = moe.matmul %[[A]], %[[WO]] residual(%[[H]] : tensor<?x64xbf16>)
// CHECK-NEXT: return %[[Y]]
func.func @matmul_first(%h: tensor<?x64xbf16>, %a: tensor<?x64xbf16>, %wo: tensor<64x64xbf16>) -> tensor<?x64xbf16> {
  %o = moe.matmul %a, %wo : tensor<?x64xbf16>, tensor<64x64xbf16> -> tensor<?x64xbf16>
  %y = arith.addf %o, %h : tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// The skip is computed after the matmul: the fused matmul takes the add's
// place, where both are available.
// CHECK-LABEL: func.func @skip_defined_later
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[W:[^:]*]]: tensor<64x64xf32>, %[[N:[^:]*]]: tensor<64xf32>)
// CHECK-NEXT: %[[SKIP:.+]] = graph.rms_norm %[[X]], %[[N]]
// CHECK-NEXT: %[[Y:.+]] = moe.matmul %[[X]], %[[W]] residual(%[[SKIP]] : tensor<?x64xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @skip_defined_later(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>, %n: tensor<64xf32>) -> tensor<?x64xf32> {
  %m = moe.matmul %x, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %skip = graph.rms_norm %x, %n {epsilon = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
  %y = arith.addf %skip, %m : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Scales, granularities, the epilogue, the role and discardable attributes
// all survive the fusion.
// CHECK-LABEL: func.func @keeps_attributes
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x256xf8E4M3FN>, %[[W:[^:]*]]: tensor<128x256xf8E4M3FN>, %[[XS:[^:]*]]: tensor<?x1xf32>, %[[WS:[^:]*]]: tensor<128x1xf32>, %[[H:[^:]*]]: tensor<?x64xbf16>)
// CHECK-NEXT: %[[Y:.+]] = moe.matmul %[[X]], %[[W]] scales(%[[XS]], %[[WS]]) residual(%[[H]] : tensor<?x64xbf16>)
// CHECK-SAME: {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<per_token>, op_class = #moe.op_class<dense_mlp>, rhs_scaling = #moe.scaling<per_channel>, tag = "kept"}
// CHECK-NEXT: return %[[Y]]
func.func @keeps_attributes(%x: tensor<?x256xf8E4M3FN>, %w: tensor<128x256xf8E4M3FN>, %xs: tensor<?x1xf32>,
                            %ws: tensor<128x1xf32>, %h: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %m = moe.matmul %x, %w scales(%xs, %ws)
         {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<per_token>,
          rhs_scaling = #moe.scaling<per_channel>, op_class = #moe.op_class<dense_mlp>, tag = "kept"}
       : tensor<?x256xf8E4M3FN>, tensor<128x256xf8E4M3FN>, tensor<?x1xf32>, tensor<128x1xf32> -> tensor<?x64xbf16>
  %y = arith.addf %h, %m : tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// A routed MoE layer: the shared expert's down projection absorbs the
// routed output; the layer's skip add then sees a matmul that already has
// a residual and stays an add.
// CHECK-LABEL: func.func @moe_layer
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x64xf32>, %[[ROUTED:[^:]*]]: tensor<?x64xf32>, %[[S:[^:]*]]: tensor<?x32xf32>, %[[SD:[^:]*]]: tensor<64x32xf32>)
// CHECK-NEXT: %[[Y:.+]] = moe.matmul %[[S]], %[[SD]] residual(%[[ROUTED]] : tensor<?x64xf32>) {op_class = #moe.op_class<shared_expert>}
// CHECK-NEXT: %[[OUT:.+]] = arith.addf %[[H]], %[[Y]]
// CHECK-NEXT: return %[[OUT]]
func.func @moe_layer(%h: tensor<?x64xf32>, %routed: tensor<?x64xf32>, %s: tensor<?x32xf32>,
                     %sd: tensor<64x32xf32>) -> tensor<?x64xf32> {
  %shared = moe.matmul %s, %sd {op_class = #moe.op_class<shared_expert>} : tensor<?x32xf32>, tensor<64x32xf32> -> tensor<?x64xf32>
  %y = arith.addf %routed, %shared : tensor<?x64xf32>
  %out = arith.addf %h, %y : tensor<?x64xf32>
  return %out : tensor<?x64xf32>
}

// -----

// Chained skips fuse outside-in or inside-out to the same result.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x64xf32>, %[[X:[^:]*]]: tensor<?x64xf32>, %[[W1:[^:]*]]: tensor<64x64xf32>, %[[W2:[^:]*]]: tensor<64x64xf32>)
// CHECK-NEXT: %[[A:.+]] = moe.matmul %[[X]], %[[W1]] residual(%[[H]] : tensor<?x64xf32>)
// CHECK-NEXT: %[[B:.+]] = moe.matmul %[[X]], %[[W2]] residual(%[[A]] : tensor<?x64xf32>)
// CHECK-NEXT: return %[[B]]
func.func @chain(%h: tensor<?x64xf32>, %x: tensor<?x64xf32>, %w1: tensor<64x64xf32>, %w2: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %m1 = moe.matmul %x, %w1 : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %m2 = moe.matmul %x, %w2 : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %a = arith.addf %h, %m1 : tensor<?x64xf32>
  %b = arith.addf %a, %m2 : tensor<?x64xf32>
  return %b : tensor<?x64xf32>
}

// -----

// A matmul with other users and a fusable one: the shared one is the skip.
// CHECK-LABEL: func.func @shared_matmul_is_skip
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[W1:[^:]*]]: tensor<64x64xf32>, %[[W2:[^:]*]]: tensor<64x64xf32>)
// CHECK-NEXT: %[[M1:.+]] = moe.matmul %[[X]], %[[W1]] :
// CHECK-NEXT: %[[Y:.+]] = moe.matmul %[[X]], %[[W2]] residual(%[[M1]] : tensor<?x64xf32>)
// CHECK-NEXT: return %[[Y]], %[[M1]]
func.func @shared_matmul_is_skip(%x: tensor<?x64xf32>, %w1: tensor<64x64xf32>, %w2: tensor<64x64xf32>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %m1 = moe.matmul %x, %w1 : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %m2 = moe.matmul %x, %w2 : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %y = arith.addf %m1, %m2 : tensor<?x64xf32>
  return %y, %m1 : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// Left alone: the plain product is also returned, so it must exist.
// CHECK-LABEL: func.func @several_uses
// CHECK-NEXT: %[[M:.+]] = moe.matmul
// CHECK-NOT: residual
// CHECK-NEXT: %[[Y:.+]] = arith.addf %{{.+}}, %[[M]]
// CHECK-NEXT: return %[[Y]], %[[M]]
func.func @several_uses(%h: tensor<?x64xf32>, %x: tensor<?x64xf32>, %w: tensor<64x64xf32>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %m = moe.matmul %x, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %y = arith.addf %h, %m : tensor<?x64xf32>
  return %y, %m : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// Left alone: the matmul already adds a residual.
// CHECK-LABEL: func.func @has_residual
// CHECK-NEXT: %[[M:.+]] = moe.matmul {{.*}} residual(
// CHECK-NEXT: %[[Y:.+]] = arith.addf %{{.+}}, %[[M]]
// CHECK-NEXT: return %[[Y]]
func.func @has_residual(%h: tensor<?x64xf32>, %r: tensor<?x64xf32>, %x: tensor<?x64xf32>,
                        %w: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %m = moe.matmul %x, %w residual(%r : tensor<?x64xf32>) : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %y = arith.addf %h, %m : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Left alone: an add of two fusable matmuls has no skip connection to pick.
// CHECK-LABEL: func.func @two_matmuls
// CHECK-NEXT: %[[M1:.+]] = moe.matmul
// CHECK-NEXT: %[[M2:.+]] = moe.matmul
// CHECK-NEXT: %[[Y:.+]] = arith.addf %[[M1]], %[[M2]]
// CHECK-NEXT: return %[[Y]]
func.func @two_matmuls(%x: tensor<?x64xf32>, %w1: tensor<64x64xf32>, %w2: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %m1 = moe.matmul %x, %w1 : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %m2 = moe.matmul %x, %w2 : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %y = arith.addf %m1, %m2 : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Left alone: x + x has the matmul twice, i.e. two uses.
// CHECK-LABEL: func.func @doubled
// CHECK-NEXT: %[[M:.+]] = moe.matmul
// CHECK-NEXT: arith.addf %[[M]], %[[M]]
func.func @doubled(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %m = moe.matmul %x, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %y = arith.addf %m, %m : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Left alone: the add is in a loop body and the matmul outside; fusing
// would recompute the matmul on every iteration.
// CHECK-LABEL: func.func @add_in_loop
// CHECK: %[[M:.+]] = moe.matmul
// CHECK-NOT: residual
// CHECK: scf.for
// CHECK-NEXT: arith.addf %{{.+}}, %[[M]]
func.func @add_in_loop(%h: tensor<?x64xf32>, %x: tensor<?x64xf32>, %w: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %m = moe.matmul %x, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %h) -> (tensor<?x64xf32>) {
    %s = arith.addf %acc, %m : tensor<?x64xf32>
    scf.yield %s : tensor<?x64xf32>
  }
  return %r : tensor<?x64xf32>
}

// -----

// Left alone: adds of other values, and subtractions.
// CHECK-LABEL: func.func @no_matmul
// CHECK-NEXT: %[[M:.+]] = moe.matmul
// CHECK-NEXT: %[[D:.+]] = arith.subf %{{.+}}, %[[M]]
// CHECK-NEXT: arith.addf %{{.+}}, %[[D]]
func.func @no_matmul(%h: tensor<?x64xf32>, %x: tensor<?x64xf32>, %w: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %m = moe.matmul %x, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %d = arith.subf %h, %m : tensor<?x64xf32>
  %y = arith.addf %h, %d : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
