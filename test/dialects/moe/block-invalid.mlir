// Diagnostics of moe.block.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @router_hidden(%x: tensor<?x16xbf16>, %router: tensor<4x8xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op router has type 'tensor<4x8xbf16>', expected shape [4, 16]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x8xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @odd_gate_up_width(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x63xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op gate_up width (63) must be 2 x the expert width (gate | up)}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x63xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// gate_up is 2 x 32 wide, so down must be [4, 32, 16], not [4, 64, 16].
func.func @down_inter_width(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x64x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op down has type 'tensor<4x64x16xbf16>', expected shape [4, 32, 16]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x64x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// An nn.Linear [hidden, inter] down weight is not the checkpoint's layout.
func.func @down_transposed(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x16x32xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op down has type 'tensor<4x16x32xbf16>', expected shape [4, 32, 16]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x16x32xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @gate_up_experts(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<8x16x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op gate_up has type 'tensor<8x16x64xbf16>', expected shape [4, 16, 64]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<8x16x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @gate_up_hidden(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x8x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op gate_up has type 'tensor<4x8x64xbf16>', expected shape [4, 16, 64]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x8x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// A dynamic router must not hide expert weights that disagree.
func.func @experts_disagree_behind_dynamic_router(%x: tensor<?x16xbf16>, %router: tensor<?x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<8x32x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op down has type 'tensor<8x32x16xbf16>', expected shape [4, 32, 16]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<?x16xbf16>, tensor<4x16x64xbf16>, tensor<8x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// Nor a dynamic hidden size on the input hide a hidden size mismatch.
func.func @hidden_disagree_behind_dynamic_input(%x: tensor<?x?xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x8x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x?xbf16> {
  // expected-error@+1 {{'moe.block' op gate_up has type 'tensor<4x8x64xbf16>', expected shape [4, 16, 64]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x?xbf16>, tensor<4x16xbf16>, tensor<4x8x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x?xbf16>
  return %y : tensor<?x?xbf16>
}

// -----

func.func @top_k_exceeds_experts(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op top_k (5) exceeds the number of experts (4)}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 5 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// The expert count comes from the weights when the router's is dynamic.
func.func @top_k_exceeds_weight_experts(%x: tensor<?x16xbf16>, %router: tensor<?x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op top_k (5) exceeds the number of experts (4)}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 5 : i64}
       : tensor<?x16xbf16>, tensor<?x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @zero_top_k(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op attribute 'top_k' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 0 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @gate_up_rank(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<16x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op operand #2 must be 3D tensor of floating-point values, but got 'tensor<16x64xbf16>'}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<16x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// Only reachable in the generic form: the custom form takes all three.
func.func @partial_shared_expert(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>, %sgate: tensor<24x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op shared expert needs gate, up and down weights}}
  %y = "moe.block"(%x, %router, %gate_up, %down, %sgate) <{top_k = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0>}>
       : (tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16>, tensor<24x16xbf16>) -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @shared_gate_hidden(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>,
                              %sgate: tensor<24x8xbf16>, %sup: tensor<24x16xbf16>, %sdown: tensor<16x24xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op shared gate has type 'tensor<24x8xbf16>', expected shape [24, 16]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) shared(%sgate, %sup, %sdown) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16>,
         tensor<24x8xbf16>, tensor<24x16xbf16>, tensor<16x24xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @shared_up_width(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>,
                           %sgate: tensor<24x16xbf16>, %sup: tensor<32x16xbf16>, %sdown: tensor<16x24xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op shared up has type 'tensor<32x16xbf16>', expected shape [24, 16]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) shared(%sgate, %sup, %sdown) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16>,
         tensor<24x16xbf16>, tensor<32x16xbf16>, tensor<16x24xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// The shared expert keeps nn.Linear [out, in] weights: down is [hidden, inter].
func.func @shared_down_layout(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>,
                              %sgate: tensor<24x16xbf16>, %sup: tensor<24x16xbf16>, %sdown: tensor<24x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op shared down has type 'tensor<24x16xbf16>', expected shape [16, 24]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) shared(%sgate, %sup, %sdown) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16>,
         tensor<24x16xbf16>, tensor<24x16xbf16>, tensor<24x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// A dynamic shared gate must not hide a disagreement between up and down.
func.func @shared_width_behind_dynamic_gate(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>,
                                            %sgate: tensor<?x16xbf16>, %sup: tensor<24x16xbf16>, %sdown: tensor<16x32xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.block' op shared down has type 'tensor<16x32xbf16>', expected shape [16, 24]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) shared(%sgate, %sup, %sdown) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16>,
         tensor<?x16xbf16>, tensor<24x16xbf16>, tensor<16x32xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @result_element_type(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xf32> {
  // expected-error@+1 {{'moe.block' op result element type 'f32' does not match the input element type 'bf16'}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @result_shape(%x: tensor<3x16xbf16>, %router: tensor<4x16xbf16>, %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<3x32xbf16> {
  // expected-error@+1 {{'moe.block' op result has type 'tensor<3x32xbf16>', expected shape [3, 16]}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<3x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16> -> tensor<3x32xbf16>
  return %y : tensor<3x32xbf16>
}
