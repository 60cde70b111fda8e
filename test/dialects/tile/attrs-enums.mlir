// Round trip of the tile dialect's enum attributes.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s

// CHECK-LABEL: func.func @enums()
//  CHECK-SAME:     causal = #tile.mask<causal>
//  CHECK-SAME:     chunked = #tile.mask<chunked_causal>
//  CHECK-SAME:     none = #tile.activation<none>
//  CHECK-SAME:     swiglu = #tile.activation<swiglu>
func.func @enums() attributes {causal = #tile.mask<causal>, chunked = #tile.mask<chunked_causal>,
                               none = #tile.activation<none>, swiglu = #tile.activation<swiglu>} {
  return
}
