/*===- TestKernels.c - A hand-written emulation object -----------*- C -*-===*\
|*                                                                          *|
|* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception                  *|
|*                                                                          *|
|* What moec's emulation objects look like (moec/emulator_abi.h), written  *|
|* by hand for the driver's tests: the ABI symbols and two kernels,        *|
|*   vector_add(const float *a, const float *b, float *c, int n)           *|
|*     c[i] = a[i] + b[i] for i = ctaid.x * ntid.x + tid.x < n             *|
|*   fill_map(const CUtensorMap map, uint64_t *out)                        *|
|*     thread 0 copies the 128-byte parameter to out (64-byte aligned)     *|
|* TEST_ABI_VERSION and TEST_IMAGE_HASH pick the object's ABI version and  *|
|* image hash, so that one file builds the good and the broken objects.    *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#include "TestImages.h"
#include "moec/emulator_abi.h"

#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT const uint32_t __moec_emu_abi_version = TEST_ABI_VERSION;
EXPORT const uint64_t __moec_emu_image_hash = TEST_IMAGE_HASH;
EXPORT void *__moec_emu_hooks[MOEC_EMU_HOOK_COUNT];

typedef uint32_t (*SregHook)(uint32_t, const char *);
typedef void (*AccessHook)(const void *, uint32_t, uint32_t, const char *);

static uint32_t sreg(uint32_t reg, const char *site) {
  return ((SregHook)__moec_emu_hooks[MOEC_EMU_HOOK_SREG])(reg, site);
}

static void access(const void *p, uint32_t bytes, uint32_t align, int write,
                   const char *site) {
  ((AccessHook)__moec_emu_hooks[MOEC_EMU_HOOK_ACCESS])(
      p, bytes, MOEC_EMU_ACCESS_FLAGS(1, !write, write, align), site);
}

static void vector_add(void **params) {
  const float *a = *(const float **)params[0];
  const float *b = *(const float **)params[1];
  float *c = *(float **)params[2];
  int n = *(const int *)params[3];
  uint32_t i =
      sreg(MOEC_EMU_SREG_CTAID_X, "vector_add: nvvm.read.ptx.sreg.ctaid.x #0") *
          sreg(MOEC_EMU_SREG_NTID_X,
               "vector_add: nvvm.read.ptx.sreg.ntid.x #1") +
      sreg(MOEC_EMU_SREG_TID_X, "vector_add: nvvm.read.ptx.sreg.tid.x #2");
  if ((int)i >= n)
    return;
  access(&a[i], 4, 4, 0, "vector_add: llvm.load #3");
  float x = a[i];
  access(&b[i], 4, 4, 0, "vector_add: llvm.load #4");
  float y = b[i];
  access(&c[i], 4, 4, 1, "vector_add: llvm.store #5");
  c[i] = x + y;
}

static void fill_map(void **params) {
  const void *map = params[0];
  uint64_t *out = *(uint64_t **)params[1];
  if (sreg(MOEC_EMU_SREG_TID_X, "fill_map: nvvm.read.ptx.sreg.tid.x #0") != 0)
    return;
  /* The driver must hand the map at its 64-byte alignment. */
  access(out, 8, 8, 1, "fill_map: llvm.store #1");
  out[0] = (uint64_t)(uintptr_t)map % 64;
  access(out + 1, 128, 8, 1, "fill_map: llvm.store #2");
  memcpy(out + 1, map, 128);
}

static const uint32_t vector_add_sizes[] = {8, 8, 8, 4};
static const uint32_t vector_add_aligns[] = {8, 8, 8, 4};
static const uint32_t fill_map_sizes[] = {128, 8};
static const uint32_t fill_map_aligns[] = {64, 8};

EXPORT const uint32_t __moec_emu_kernel_count = 2;
EXPORT const MoecEmuKernel __moec_emu_kernels[] = {
    {"vector_add", vector_add, 4, vector_add_sizes, vector_add_aligns, 256},
    {"fill_map", fill_map, 2, fill_map_sizes, fill_map_aligns, 0},
};
