//===- TileAttrs.td - moec tile dialect attributes ---------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Tiling configurations: what a target description chose for one loop nest.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_TILE_IR_TILEATTRS_TD
#define MOEC_DIALECTS_TILE_IR_TILEATTRS_TD

include "dialects/Tile/IR/TileDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Epilogue activation and attention mask
//===----------------------------------------------------------------------===//

// These mirror #moe.epilogue and #graph.mask so that the tile dialect
// depends on no higher-level dialect; the tiling pass maps one to the other.

def Tile_Activation : I32EnumAttr<"Activation", "epilogue activation", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"SwiGLU", 1, "swiglu">
  ]> {
  let cppNamespace = "::mlir::moec::tile";
  let genSpecializedAttr = 0;
}

def Tile_ActivationAttr : EnumAttr<Tile_Dialect, Tile_Activation, "activation"> {
  let summary = "Activation applied by tile.epilogue";
  let description = [{
    `none`, or `swiglu`: the accumulator's columns are `[gate | up]` halves
    and the epilogue computes `silu(gate) * up`.
  }];
  let assemblyFormat = "`<` $value `>`";
}

def Tile_MaskKind : I32EnumAttr<"MaskKind", "attention mask kind", [
    I32EnumAttrCase<"Causal", 0, "causal">,
    I32EnumAttrCase<"ChunkedCausal", 1, "chunked_causal">
  ]> {
  let cppNamespace = "::mlir::moec::tile";
  let genSpecializedAttr = 0;
}

def Tile_MaskKindAttr : EnumAttr<Tile_Dialect, Tile_MaskKind, "mask"> {
  let summary = "Causal or chunk-local causal mask of tile.flash_step";
  let description = [{
    `causal`: key position <= query position. `chunked_causal`:
    additionally in the same `chunk_size` block of positions.
  }];
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Configurations
//===----------------------------------------------------------------------===//

class Tile_Attr<string name, string attrMnemonic>
    : AttrDef<Tile_Dialect, name> {
  let mnemonic = attrMnemonic;
  let genVerifyDecl = 1;
}

def Tile_GemmConfigAttr : Tile_Attr<"GemmConfig", "gemm_config"> {
  let summary = "Tiling of a (grouped) matmul for one target";
  let description = [{
    - `tile = [M, N, K]`: the output tile is `M x N`; the K loop steps by
      `K` elements, one pipeline stage each.
    - `mma = [m, n, k]`: the hardware MMA instruction the tile is built
      from (sm_90a: one `wgmma` per consumer warpgroup, e.g. `m64n128k32`
      for e4m3; cpu: the register block of the vectorized micro-kernel).
      Tile M, N and K are multiples of m, n and k.
    - `stages`: depth of the operand pipeline (shared-memory buffers the
      producer fills ahead of the consumers; 1 = no pipelining).
    - `warp_roles = [producers, consumers]`: warpgroups that load operands
      (TMA) and warpgroups that compute; each consumer owns `M / consumers`
      rows of the tile. A CPU thread is one consumer and no producer.
    - `promote_every`: the K interval at which FP8 partial sums are
      promoted to fp32 and scaled, a multiple of tile K; 0 = never (BF16,
      F32: the MMA accumulates in fp32 directly).
    - `swap_ab` (default false): the MMA computes the transposed tile,
      rhs rows (tile N) on the MMA's m and lhs rows (tile M) on its n, so
      that a few rows (decode tokens per expert) do not pad the MMA's 64
      rows: `mma = [m, n, k]` then has tile N a multiple of m and tile M a
      multiple of n, and each consumer owns `N / consumers` rhs rows.

    ```mlir
    #tile.gemm_config<tile = [128, 128, 128], mma = [64, 128, 32], stages = 6,
                      warp_roles = [1, 2], promote_every = 128>
    #tile.gemm_config<tile = [16, 128, 128], mma = [64, 16, 32], stages = 12,
                      warp_roles = [1, 1], promote_every = 128, swap_ab = true>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$tile,
                        ArrayRefParameter<"int64_t">:$mma,
                        "int64_t":$stages,
                        ArrayRefParameter<"int64_t">:$warp_roles,
                        "int64_t":$promote_every,
                        DefaultValuedParameter<"bool", "false">:$swap_ab);
  let assemblyFormat = [{
    `<` `tile` `=` `[` $tile `]` `,` `mma` `=` `[` $mma `]` `,` `stages` `=`
    $stages `,` `warp_roles` `=` `[` $warp_roles `]` `,` `promote_every` `=`
    $promote_every (`,` `swap_ab` `=` $swap_ab^)? `>`
  }];
  let extraClassDeclaration = [{
    int64_t getTileM() const { return getTile()[0]; }
    int64_t getTileN() const { return getTile()[1]; }
    int64_t getTileK() const { return getTile()[2]; }
    int64_t getProducers() const { return getWarpRoles()[0]; }
    int64_t getConsumers() const { return getWarpRoles()[1]; }
  }];
}

def Tile_AttentionConfigAttr
    : Tile_Attr<"AttentionConfig", "attention_config"> {
  let summary = "Tiling of flash attention for one target";
  let description = [{
    - `block_q`: query rows per tile (one tile per query block and head).
    - `block_kv`: keys and values per step of the online softmax.
    - `stages`: depth of the K/V pipeline.
    - `warp_roles = [producers, consumers]` as in `#tile.gemm_config`; each
      consumer owns `block_q / consumers` query rows.

    ```mlir
    #tile.attention_config<block_q = 128, block_kv = 128, stages = 2,
                           warp_roles = [1, 2]>
    ```
  }];
  let parameters = (ins "int64_t":$block_q, "int64_t":$block_kv,
                        "int64_t":$stages,
                        ArrayRefParameter<"int64_t">:$warp_roles);
  let assemblyFormat = [{
    `<` `block_q` `=` $block_q `,` `block_kv` `=` $block_kv `,` `stages` `=`
    $stages `,` `warp_roles` `=` `[` $warp_roles `]` `>`
  }];
  let extraClassDeclaration = [{
    int64_t getProducers() const { return getWarpRoles()[0]; }
    int64_t getConsumers() const { return getWarpRoles()[1]; }
  }];
}

#endif // MOEC_DIALECTS_TILE_IR_TILEATTRS_TD
