//===- TileDialect.td - moec tile dialect definition -------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The tile dialect: the per-tile compute steps of the tiled level, the loop
// nests codegen emits for matmuls and attention (docs/tiled-ir.md).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_TILE_IR_TILEDIALECT_TD
#define MOEC_DIALECTS_TILE_IR_TILEDIALECT_TD

include "mlir/IR/OpBase.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let cppNamespace = "::mlir::moec::tile";
  let summary = "Per-tile compute steps of tiled matmuls and attention.";
  let description = [{
    The `tile` dialect is the vocabulary of the tiled level. The tiling pass
    (`moec-tile`) rewrites every `moe.matmul`, `moe.grouped_matmul` and
    `graph.attention` into `scf.forall` / `scf.for` nests over tiles whose
    bodies slice operands with `tensor.extract_slice` and compute with the
    ops of this dialect: `tile.mma` (one MMA over a K block), `tile.promote`
    (FP8 promotion with per-block scales), `tile.epilogue`, and the flash
    attention steps. The nests state the algorithm both code generators
    emit; only the tile sizes differ between targets.

    Ops have value semantics on tensor tiles; dimensions may be dynamic where
    tiles are partial at the edges of a matrix or an expert segment.

    Two discardable attributes carry the target description:
    - `tile.target` (a string, on the module): the target the IR was tiled
      for, e.g. `"sm_90a"` or `"cpu"`.
    - `tile.config` (on the outermost loop of a nest): the
      `#tile.gemm_config` or `#tile.attention_config` chosen for it.
  }];
  let useDefaultAttributePrinterParser = 1;
  let usePropertiesForAttributes = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Discardable module attribute naming the target the IR was tiled for.
    static constexpr ::llvm::StringLiteral kTargetAttrName = "tile.target";
    /// Discardable loop attribute holding the configuration of a nest.
    static constexpr ::llvm::StringLiteral kConfigAttrName = "tile.config";
  }];
}

#endif // MOEC_DIALECTS_TILE_IR_TILEDIALECT_TD
