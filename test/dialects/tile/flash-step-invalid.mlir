// Diagnostics of tile.flash_step: block shapes, running state and masks.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @value_rows(%s: tensor<4x8xf32>, %v: tensor<6x16xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>,
                      %o: tensor<4x16xf32>, %qp: tensor<4xi64>, %kp: tensor<8xi64>) {
  // expected-error@+1 {{'tile.flash_step' op value has type 'tensor<6x16xf32>', expected shape [8, 16]}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<4x8xf32>, tensor<6x16xf32>, tensor<4xf32>, tensor<4x16xf32>, tensor<4xi64>, tensor<8xi64>
  return
}

// -----

func.func @max_rows(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<3xf32>, %l: tensor<3xf32>,
                    %o: tensor<4x16xf32>, %qp: tensor<4xi64>, %kp: tensor<8xi64>) {
  // expected-error@+1 {{'tile.flash_step' op max has type 'tensor<3xf32>', expected shape [4]}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<4x8xf32>, tensor<8x16xf32>, tensor<3xf32>, tensor<4x16xf32>, tensor<4xi64>, tensor<8xi64>
  return
}

// -----

func.func @acc_shape(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>,
                     %o: tensor<4x32xf32>, %qp: tensor<4xi64>, %kp: tensor<8xi64>) {
  // expected-error@+1 {{'tile.flash_step' op acc has type 'tensor<4x32xf32>', expected shape [4, 16]}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<4x32xf32>, tensor<4xi64>, tensor<8xi64>
  return
}

// -----

func.func @q_pos(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>,
                 %o: tensor<4x16xf32>, %qp: tensor<8xi64>, %kp: tensor<8xi64>) {
  // expected-error@+1 {{'tile.flash_step' op q_pos has type 'tensor<8xi64>', expected shape [4]}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<4x16xf32>, tensor<8xi64>, tensor<8xi64>
  return
}

// -----

func.func @k_pos(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>,
                 %o: tensor<4x16xf32>, %qp: tensor<4xi64>, %kp: tensor<4xi64>) {
  // expected-error@+1 {{'tile.flash_step' op k_pos has type 'tensor<4xi64>', expected shape [8]}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<4x16xf32>, tensor<4xi64>, tensor<4xi64>
  return
}

// -----

func.func @position_types(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>,
                          %o: tensor<4x16xf32>, %qp: tensor<4xi64>, %kp: tensor<8xi32>) {
  // expected-error@+1 {{'tile.flash_step' op failed to verify that all of {q_pos, k_pos} have same element type}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<4x16xf32>, tensor<4xi64>, tensor<8xi32>
  return
}

// -----

func.func @sum_type(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<4xf32>, %l: tensor<?xf32>,
                    %o: tensor<4x16xf32>, %qp: tensor<4xi64>, %kp: tensor<8xi64>) {
  // expected-error@+1 {{'tile.flash_step' op failed to verify that all of {max, sum, new_max, new_sum} have same type}}
  %m1, %l1, %o1 = "tile.flash_step"(%s, %v, %m, %l, %o, %qp, %kp) <{mask = #tile.mask<causal>, scale = 0.25 : f64}>
    : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<?xf32>, tensor<4x16xf32>, tensor<4xi64>, tensor<8xi64>)
    -> (tensor<4xf32>, tensor<?xf32>, tensor<4x16xf32>)
  return
}

// -----

func.func @chunk_size_causal(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>,
                             %o: tensor<4x16xf32>, %qp: tensor<4xi64>, %kp: tensor<8xi64>) {
  // expected-error@+1 {{'tile.flash_step' op chunk_size is only valid with a chunked_causal mask}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {chunk_size = 8 : i64, mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<4x16xf32>, tensor<4xi64>, tensor<8xi64>
  return
}

// -----

func.func @chunked_without_size(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>,
                                %o: tensor<4x16xf32>, %qp: tensor<4xi64>, %kp: tensor<8xi64>) {
  // expected-error@+1 {{'tile.flash_step' op chunked_causal mask requires a positive chunk_size}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {mask = #tile.mask<chunked_causal>, scale = 0.25 : f64}
    : tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<4x16xf32>, tensor<4xi64>, tensor<8xi64>
  return
}

// -----

func.func @chunk_size_zero(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>,
                           %o: tensor<4x16xf32>, %qp: tensor<4xi64>, %kp: tensor<8xi64>) {
  // expected-error@+1 {{'tile.flash_step' op chunked_causal mask requires a positive chunk_size}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {chunk_size = 0 : i64, mask = #tile.mask<chunked_causal>, scale = 0.25 : f64}
    : tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<4x16xf32>, tensor<4xi64>, tensor<8xi64>
  return
}

// -----

func.func @scale_zero(%s: tensor<4x8xf32>, %v: tensor<8x16xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>,
                      %o: tensor<4x16xf32>, %qp: tensor<4xi64>, %kp: tensor<8xi64>) {
  // expected-error@+1 {{'tile.flash_step' op attribute 'scale' failed to satisfy constraint: 64-bit float attribute whose value is positive}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {mask = #tile.mask<causal>, scale = 0.0 : f64}
    : tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<4x16xf32>, tensor<4xi64>, tensor<8xi64>
  return
}
