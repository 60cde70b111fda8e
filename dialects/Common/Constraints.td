//===- Constraints.td - constraints shared by moec dialects -*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_COMMON_CONSTRAINTS_TD
#define MOEC_DIALECTS_COMMON_CONSTRAINTS_TD

include "mlir/IR/CommonAttrConstraints.td"

def Moec_FloatPositive : AttrConstraint<
    CPred<"::llvm::cast<::mlir::FloatAttr>($_self).getValueAsDouble() > 0.0">,
    "whose value is positive">;

/// A positive 64-bit float attribute (epsilons, RoPE theta).
def Moec_PositiveF64Attr : ConfinedAttr<F64Attr, [Moec_FloatPositive]>;

#endif // MOEC_DIALECTS_COMMON_CONSTRAINTS_TD
