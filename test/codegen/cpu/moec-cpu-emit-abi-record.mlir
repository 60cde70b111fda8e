// RUN: moec-opt %s --moec-cpu-emit-runtime-entry | FileCheck %s
// RUN: moec-opt %s --moec-cpu-emit-runtime-entry="function=moec_pack_weights entry=moec_cpu_pack" | FileCheck %s --check-prefix=PACK
//
// With `moec.cpu_abi` (and `moec.cpu_arena`) on the module, the forward
// entry comes with the ABI record the runtime checks the artifact's metadata
// against (runtime/CpuAbi.h): magic "MOECABI1", 18 words, vocabulary 128,
// max tokens 32, arena 4096 + 256 per token, 8192 KV-cache bytes, 1024
// packed bytes, the FNV-1a layout hash of "w" [0, +1024), one entry
// (FNV-1a of "moec_cpu_forward") with 6 arguments: packed_weights (10),
// kv_cache (11), input_token_ids (4), input_positions (5), output_logits (6)
// and arena_buffer (0). The packing entry gets no record.

// CHECK: llvm.mlir.global external constant @moec_cpu_abi_v1(dense<[3551442629227269965, 18, 128, 32, 4096, 256, 8192, 1024, [[HASH:-?[0-9]+]], 1, [[NAME:-?[0-9]+]], 6, 10, 11, 4, 5, 6, 0]> : tensor<18xi64>) {addr_space = 0 : i32, alignment = 8 : i64} : !llvm.array<18 x i64>
// PACK-NOT: moec_cpu_abi_v1
module attributes {
  moec.cpu_abi = {entry = "moec_forward", alignment = 64 : i64,
                  packed_size = 1024 : i64, vocab_size = 128 : i64,
                  kv_cache_bytes = 8192 : i64, kv_caches = [], pack = {},
                  weights = [{name = "w", offset = 0 : i64, bytes = 1024 : i64}]},
  moec.cpu_arena = {argument = 5 : i64, alignment = 64 : i64,
                    max_tokens = 32 : i64,
                    size = array<i64: 4096, 256>, buffers = []}} {
  llvm.func @_mlir_ciface_moec_forward(%a: !llvm.ptr, %b: !llvm.ptr,
      %c: !llvm.ptr, %d: !llvm.ptr, %e: !llvm.ptr, %f: !llvm.ptr) {
    llvm.return
  }
  llvm.func @_mlir_ciface_moec_pack_weights(%a: !llvm.ptr, %b: !llvm.ptr) {
    llvm.return
  }
}
