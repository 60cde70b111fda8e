// An outside project's test: moec-opt and FileCheck by name.
// RUN: moec-opt %s --canonicalize | FileCheck %s
// RUN: not moec-opt %s --no-such-pass 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-LABEL: func.func @fold
// CHECK-NEXT: %[[C:.+]] = arith.constant 5 : i32
// CHECK-NEXT: return %[[C]]
func.func @fold() -> i32 {
  %a = arith.constant 2 : i32
  %b = arith.constant 3 : i32
  %c = arith.addi %a, %b : i32
  return %c : i32
}
// BAD: Unknown command line argument '--no-such-pass'
