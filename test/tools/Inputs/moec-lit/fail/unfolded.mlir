// A test that must fail: canonicalize folds the add away.
// RUN: %moec_opt %s --canonicalize | %FileCheck %s

// CHECK: arith.addi
func.func @fold() -> i32 {
  %a = arith.constant 2 : i32
  %b = arith.constant 3 : i32
  %c = arith.addi %a, %b : i32
  return %c : i32
}
