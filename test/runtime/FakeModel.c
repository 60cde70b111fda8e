/*===- FakeModel.c - A tiny "model" shared object for runtime tests -------===*/
/*
 * Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
 * SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * Two entry points that follow the CPU calling convention of artifact.fbs
 * (void entry(void **args), memref descriptors, int64 scalars), so that the
 * runtime tests run a real shared object without the compiler. The model:
 *
 *   next(t) = table[(id[t] + S(t) + shift) % vocab]
 *
 * where S(t) is the sum of the ids cached at positions 0..pos[t] (so decode
 * must go through the KV cache), shift a weight tensor and table a tensor
 * read through the packed_weights binding. Logits are 1 at next(t), else 0.
 * Every descriptor is checked (sizes, strides, offsets, cache contents); on
 * any mismatch every logit is NaN, which the runtime reports.
 * FakeModelArtifact.h holds the bindings and the reference of this model.
 */

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} MemRef1;

typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} MemRef2;

enum { kMagic = 1234, kPositions = 12, kPositionBytes = kPositions * 8 };

/* The arena row of a token whose embed step found an error. */
static const int64_t kBadRow = -1;

static int plain(const MemRef1 *m, int64_t size) {
  return m->allocated == m->aligned && m->offset == 0 && m->strides[0] == 1 &&
         m->sizes[0] == size;
}

static int64_t load64(const void *base, int64_t index) {
  int64_t value;
  memcpy(&value, (const char *)base + 8 * index, 8);
  return value;
}

static void store64(void *base, int64_t index, int64_t value) {
  memcpy((char *)base + 8 * index, &value, 8);
}

/* args: input_token_ids, input_positions, kv_cache_keys(0),
   kv_cache_values(0), arena_buffer(0), num_tokens, immediate(1234).
   Caches each id (keys) and marks its position written (values = 1), and
   copies the ids into the arena. */
void moec_fake_embed(void **args) {
  const MemRef1 *ids = args[0], *positions = args[1], *keys = args[2],
                *values = args[3], *arena = args[4];
  int64_t tokens = *(const int64_t *)args[5];
  int ok = *(const int64_t *)args[6] == kMagic && plain(ids, tokens) &&
           plain(positions, tokens) && plain(keys, kPositionBytes) &&
           plain(values, kPositionBytes) && plain(arena, 8 * tokens);
  for (int64_t t = 0; t < tokens && ok; ++t) {
    int64_t pos = ((const int64_t *)positions->aligned)[t];
    if (pos < 0 || pos >= kPositions) {
      ok = 0;
      break;
    }
    store64(keys->aligned, pos, ((const int64_t *)ids->aligned)[t]);
    store64(values->aligned, pos, 1);
  }
  for (int64_t t = 0; t < tokens && arena->sizes[0] >= 8 * tokens; ++t)
    store64(arena->aligned, t,
            ok ? ((const int64_t *)ids->aligned)[t] : kBadRow);
}

/* Checks that positions 0..last are written and later ones are empty (so a
   reset must have zeroed the cache). */
static int cacheConsistent(const MemRef1 *values, int64_t last) {
  for (int64_t q = 0; q < kPositions; ++q)
    if (load64(values->aligned, q) != (q <= last ? 1 : 0))
      return 0;
  return 1;
}

/* args: arena_buffer(0), input_positions, kv_cache (at the keys),
   kv_cache_values(0), weight "shift", packed_weights (at "table"),
   output_logits, num_tokens. */
void moec_fake_head(void **args) {
  const MemRef1 *arena = args[0], *positions = args[1], *keys = args[2],
                *values = args[3], *shift = args[4], *table = args[5];
  const MemRef2 *logits = args[6];
  int64_t tokens = *(const int64_t *)args[7];
  int64_t vocab = logits->sizes[1];
  float *out = logits->aligned;
  int ok = plain(arena, 8 * tokens) && plain(positions, tokens) &&
           keys->sizes[0] >= kPositionBytes && plain(values, kPositionBytes) &&
           plain(shift, 8) && plain(table, 4 * vocab) &&
           logits->sizes[0] == tokens && logits->strides[0] == vocab &&
           logits->strides[1] == 1 && logits->offset == 0;
  const int64_t *pos = positions->aligned;
  ok = ok && cacheConsistent(values, pos[tokens - 1]);
  for (int64_t t = 0; t < tokens && ok; ++t) {
    int64_t id = load64(arena->aligned, t), sum = 0;
    if (id == kBadRow || pos[t] != pos[0] + t) {
      ok = 0;
      break;
    }
    for (int64_t q = 0; q <= pos[t]; ++q)
      sum += load64(keys->aligned, q);
    int64_t index = (id + sum + load64(shift->aligned, 0)) % vocab;
    int32_t next;
    memcpy(&next, (const char *)table->aligned + 4 * index, 4);
    for (int64_t v = 0; v < vocab; ++v)
      out[t * vocab + v] = v == next ? 1.0f : 0.0f;
  }
  if (!ok)
    for (int64_t i = 0; i < tokens * vocab; ++i)
      out[i] = NAN;
}

/* The ABI record the runtime checks the artifact's metadata against
   (runtime/CpuAbi.h), matching fakeModelContents: vocabulary 11, 4 tokens,
   arena 64 + 8 per token, 256 KV-cache bytes, 52 packed bytes, the layout
   hash of "shift" [0, +8) and "table" [8, +44), and both entries. */
const uint64_t moec_cpu_abi_v1[29] = {
    0x3149424143454f4dull, 29, 11, 4, 64, 8, 256, 52, 0xf9f1141e37b65721ull,
    2,
    /* moec_fake_embed: ids, positions, keys, values, arena, num_tokens,
       immediate */
    0x3736440f2c73a519ull, 7, 4, 5, 2, 3, 0, 7, 9,
    /* moec_fake_head: arena, positions, kv_cache, values, weight,
       packed_weights, logits, num_tokens */
    0x3a0a3fff9ec15e26ull, 8, 0, 5, 11, 3, 1, 10, 6, 7};
