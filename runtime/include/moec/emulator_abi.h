/*===- emulator_abi.h - The contract of a Hopper emulation object -*- C -*-===*\
|*                                                                            *|
|* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception                    *|
|*                                                                            *|
|*===----------------------------------------------------------------------===*|
|*                                                                            *|
|* moec compiles each sm_90a kernel module twice: to PTX/cubin for the GPU   *|
|* and, from the same NVVM-level module, to a host shared object (the        *|
|* "emulation object") in which every NVVM operation is a call through a     *|
|* hook table that the emulator fills in. This header is that contract,      *|
|* shared by the compiler (codegen/hopper/emulation) and the emulator        *|
|* (runtime/emulator), like the artifact schema.                             *|
|*                                                                            *|
|* An emulation object defines these symbols (C linkage, default visibility):*|
|*   const uint32_t  __moec_emu_abi_version;      MOEC_EMU_ABI_VERSION       *|
|*   const uint64_t  __moec_emu_image_hash;       moecEmuImageHash(image)    *|
|*   void           *__moec_emu_hooks[MOEC_EMU_HOOK_COUNT];  filled at load  *|
|*   const uint32_t  __moec_emu_kernel_count;                                *|
|*   const MoecEmuKernel __moec_emu_kernels[__moec_emu_kernel_count];        *|
|*                                                                            *|
|* Its file is named NAME.<16 hex digits of the image hash>.emu.so and lies  *|
|* beside the cubin, so a driver given only the image finds it by hash.      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MOEC_EMULATOR_ABI_H
#define MOEC_EMULATOR_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOEC_EMU_ABI_VERSION 1u

/* Shared memory window of one CTA as the kernel sees it: shared::cta
 * addresses are offsets into a 4 GiB-aligned host region, so a shared
 * pointer truncated to 32 bits (as wgmma descriptors do) is its
 * shared-window address. Dynamic shared memory starts after the 1 KiB the
 * driver reserves per CTA on sm_90. */
#define MOEC_EMU_SMEM_RESERVED_BYTES 1024u

/* One kernel of the object. `launch` runs the kernel body for the calling
 * emulated thread; `params` is cuLaunchKernel's kernelParams (one pointer
 * per parameter, each pointing at param_sizes[i] bytes). */
typedef struct MoecEmuKernel {
  const char *name;
  void (*launch)(void **params);
  uint32_t param_count;
  const uint32_t *param_sizes;  /* bytes the driver copies per parameter */
  const uint32_t *param_aligns; /* their alignment (64 for CUtensorMap) */
  uint32_t max_threads;         /* nvvm.maxntid product; 0 when absent */
} MoecEmuKernel;

/* FNV-1a, 64 bits, of the image bytes (cubin or PTX text). */
static inline uint64_t moecEmuImageHash(const void *image, size_t bytes) {
  const unsigned char *p = (const unsigned char *)image;
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < bytes; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* Every hook's last argument is `site`: a NUL-terminated string naming the
 * kernel, the NVVM operation and its position ("gemm_k: nvvm.mbarrier.
 * try_wait.parity #3"), used in diagnostics. */
enum MoecEmuHook {
  /* uint32_t (uint32_t reg, site): a special register (MoecEmuSreg). */
  MOEC_EMU_HOOK_SREG = 0,
  /* void (uint32_t barrier, uint32_t threads, site): bar.sync; threads 0 =
   * every thread of the CTA. */
  MOEC_EMU_HOOK_BARRIER,
  /* uint32_t (uint32_t kind, uint32_t mask, uint32_t value, uint32_t
   * offset, uint32_t mask_and_clamp, uint32_t *valid, site): shfl.sync;
   * kind is MoecEmuShflKind, `valid` may be null. */
  MOEC_EMU_HOOK_SHFL,
  /* uint32_t (uint32_t membermask, site): elect.sync, 1 for the leader. */
  MOEC_EMU_HOOK_ELECT,
  /* void (uint32_t registers, uint32_t increase, site): setmaxnreg. */
  MOEC_EMU_HOOK_SETMAXNREG,
  /* void (void *mbarrier, uint32_t count, site): mbarrier.init. */
  MOEC_EMU_HOOK_MBARRIER_INIT,
  /* uint64_t (void *mbarrier, uint32_t count, site): mbarrier.arrive;
   * returns the state token (the phase before the arrive). */
  MOEC_EMU_HOOK_MBARRIER_ARRIVE,
  /* uint64_t (void *mbarrier, uint32_t tx_bytes, site):
   * mbarrier.arrive.expect_tx (expect-tx, then arrive with count 1). */
  MOEC_EMU_HOOK_MBARRIER_ARRIVE_EXPECT_TX,
  /* void (void *mbarrier, uint32_t parity, site): blocks until the phase
   * with that parity has completed (nvvm.mbarrier.try_wait.parity loops). */
  MOEC_EMU_HOOK_MBARRIER_WAIT_PARITY,
  /* void (uint32_t kind, site): a fence (MoecEmuFence). */
  MOEC_EMU_HOOK_FENCE,
  /* void (void *dst, const void *tensor_map, const int32_t *coords,
   * uint32_t rank, void *mbarrier, site): cp.async.bulk.tensor.Nd
   * .shared::cluster.global.tile.mbarrier::complete_tx::bytes. */
  MOEC_EMU_HOOK_TMA_LOAD,
  /* void (site): wgmma.fence.sync.aligned. */
  MOEC_EMU_HOOK_WGMMA_FENCE,
  /* void (site): wgmma.commit_group.sync.aligned. */
  MOEC_EMU_HOOK_WGMMA_COMMIT,
  /* void (uint32_t pending, site): wgmma.wait_group.sync.aligned. */
  MOEC_EMU_HOOK_WGMMA_WAIT,
  /* void (float *accumulator, uint64_t desc_a, uint64_t desc_b, uint32_t
   * config, site): wgmma.mma_async (shared x shared); `accumulator` holds
   * the thread's N/2 f32 fragment registers, read and overwritten.
   * `config` is MOEC_EMU_WGMMA_CONFIG(...). */
  MOEC_EMU_HOOK_WGMMA,
  /* uint32_t (float a, float b, uint32_t config, site): cvt.rn.satfinite
   * {e4m3x2,e5m2x2}.f32 (+ .relu): `a` converted into bits 15:8, `b` into
   * bits 7:0. config: MoecEmuType of the result | MOEC_EMU_CVT_RELU. */
  MOEC_EMU_HOOK_CVT_F32X2_TO_F8X2,
  /* void (const void *address, uint32_t bytes, uint32_t flags, site): every
   * load, store and atomic on global or shared memory, before it happens.
   * flags: MOEC_EMU_ACCESS_*. */
  MOEC_EMU_HOOK_ACCESS,
  /* void *(site): the calling CTA's dynamic shared memory (the address of
   * the kernel's extern shared array: window base + 1024). */
  MOEC_EMU_HOOK_DYNAMIC_SMEM,
  MOEC_EMU_HOOK_COUNT
};

enum MoecEmuSreg {
  MOEC_EMU_SREG_TID_X = 0,
  MOEC_EMU_SREG_TID_Y,
  MOEC_EMU_SREG_TID_Z,
  MOEC_EMU_SREG_NTID_X,
  MOEC_EMU_SREG_NTID_Y,
  MOEC_EMU_SREG_NTID_Z,
  MOEC_EMU_SREG_CTAID_X,
  MOEC_EMU_SREG_CTAID_Y,
  MOEC_EMU_SREG_CTAID_Z,
  MOEC_EMU_SREG_NCTAID_X,
  MOEC_EMU_SREG_NCTAID_Y,
  MOEC_EMU_SREG_NCTAID_Z,
  MOEC_EMU_SREG_LANEID,
  MOEC_EMU_SREG_WARPID,
  MOEC_EMU_SREG_COUNT
};

enum MoecEmuShflKind {
  MOEC_EMU_SHFL_BFLY = 0,
  MOEC_EMU_SHFL_UP = 1,
  MOEC_EMU_SHFL_DOWN = 2,
  MOEC_EMU_SHFL_IDX = 3
};

enum MoecEmuFence {
  MOEC_EMU_FENCE_MBARRIER_INIT = 0, /* fence.mbarrier_init.release.cluster */
  MOEC_EMU_FENCE_PROXY_ASYNC = 1,   /* fence.proxy.async{,.shared::cta} */
  MOEC_EMU_FENCE_ACQ_REL = 2        /* fence.{sc,acq_rel}.* and membar */
};

/* Element types of wgmma operands and FP8 conversions. */
enum MoecEmuType {
  MOEC_EMU_TYPE_BF16 = 1,
  MOEC_EMU_TYPE_F16 = 2,
  MOEC_EMU_TYPE_TF32 = 3,
  MOEC_EMU_TYPE_E4M3 = 4,
  MOEC_EMU_TYPE_E5M2 = 5,
  MOEC_EMU_TYPE_S8 = 6,
  MOEC_EMU_TYPE_U8 = 7,
  MOEC_EMU_TYPE_F32 = 8
};

#define MOEC_EMU_CVT_RELU (1u << 8)

/* wgmma.mma_async config word (m is always 64):
 *   bits 0-8 n (8..256), bits 9-14 k (8, 16 or 32), bits 16-19 type of A,
 *   bits 20-23 type of B (MoecEmuType), bit 24 scale-d (1: D = A*B + D,
 *   0: D = A*B), bit 25 negate A, bit 26 negate B, bit 27 A transposed
 *   (MN-major), bit 28 B transposed (MN-major). Accumulators are f32. */
#define MOEC_EMU_WGMMA_CONFIG(n, k, ta, tb, scaleD, negA, negB, transA,        \
                              transB)                                          \
  ((uint32_t)(n) | ((uint32_t)(k) << 9) | ((uint32_t)(ta) << 16) |             \
   ((uint32_t)(tb) << 20) | ((uint32_t)(scaleD) << 24) |                       \
   ((uint32_t)(negA) << 25) | ((uint32_t)(negB) << 26) |                       \
   ((uint32_t)(transA) << 27) | ((uint32_t)(transB) << 28))
#define MOEC_EMU_WGMMA_N(c) ((c)&0x1ffu)
#define MOEC_EMU_WGMMA_K(c) (((c) >> 9) & 0x3fu)
#define MOEC_EMU_WGMMA_TYPE_A(c) (((c) >> 16) & 0xfu)
#define MOEC_EMU_WGMMA_TYPE_B(c) (((c) >> 20) & 0xfu)
#define MOEC_EMU_WGMMA_SCALE_D(c) (((c) >> 24) & 1u)
#define MOEC_EMU_WGMMA_NEG_A(c) (((c) >> 25) & 1u)
#define MOEC_EMU_WGMMA_NEG_B(c) (((c) >> 26) & 1u)
#define MOEC_EMU_WGMMA_TRANS_A(c) (((c) >> 27) & 1u)
#define MOEC_EMU_WGMMA_TRANS_B(c) (((c) >> 28) & 1u)

/* Access flags: bits 0-3 the LLVM address space of the pointer (1 global,
 * 3 shared, 0 generic), bit 4 read, bit 5 write (both: atomic), bits 8-15
 * the alignment the access requires, in bytes (its `alignment` attribute or
 * the natural alignment of its type). */
#define MOEC_EMU_ACCESS_READ (1u << 4)
#define MOEC_EMU_ACCESS_WRITE (1u << 5)
#define MOEC_EMU_ACCESS_FLAGS(space, read, write, align)                       \
  ((uint32_t)(space) | ((read) ? MOEC_EMU_ACCESS_READ : 0u) |                  \
   ((write) ? MOEC_EMU_ACCESS_WRITE : 0u) | ((uint32_t)(align) << 8))
#define MOEC_EMU_ACCESS_SPACE(f) ((f)&0xfu)
#define MOEC_EMU_ACCESS_ALIGN(f) (((f) >> 8) & 0xffu)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MOEC_EMULATOR_ABI_H */
