/* The second translation unit: it includes both kernel headers, as main.c
   does, so the linked program shows that the headers only declare (one
   image per kernel, defined by its NAME.c). */

#include "consumer.h"
#include "consumer_gemm.h"
#include "consumer_moe.h"

#include <stdio.h>
#include <string.h>

unsigned short consumer_to_bf16(double value) { /* round to nearest even */
  float f = (float)value;
  unsigned int bits;
  memcpy(&bits, &f, 4);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return (unsigned short)(bits >> 16);
}

double consumer_from_bf16(unsigned short half) {
  unsigned int bits = (unsigned int)half << 16;
  float value;
  memcpy(&value, &bits, 4);
  return value;
}

void consumer_reference(const unsigned short *a, const unsigned short *b, int m,
                        double *c) {
  int row, col, k;
  for (row = 0; row < m; ++row)
    for (col = 0; col < CONSUMER_GEMM_N; ++col) {
      double sum = 0.0;
      for (k = 0; k < CONSUMER_GEMM_K; ++k)
        sum += consumer_from_bf16(a[row * CONSUMER_GEMM_K + k]) *
               consumer_from_bf16(b[col * CONSUMER_GEMM_K + k]);
      c[row * CONSUMER_GEMM_N + col] = sum;
    }
}

const unsigned char *consumer_image_seen_by_reference(void) {
  return consumer_gemm_image;
}

/* Launches the MoE layer with one pointer `offset` bytes off its required
   alignment; every other pointer aligned. */
static CUresult launch_with(int which, unsigned offset) {
  consumer_moe_kernel kernel;
  CUdeviceptr p[13];
  int i;
  memset(&kernel, 0, sizeof(kernel));
  for (i = 0; i < 13; ++i)
    p[i] = (CUdeviceptr)0x100000 * (CUdeviceptr)(i + 1);
  p[which] += offset;
  return consumer_moe_launch(&kernel, p[0], p[1], p[2], p[3], p[4], p[5], p[6],
                             p[7], p[8], p[9], p[10], p[11], 4, p[12], NULL);
}

int consumer_moe_refuses_misaligned(void) {
  /* The launch's pointers in order and the alignment the header gives. */
  static const struct {
    const char *name;
    unsigned alignment;
  } pointers[13] = {{"x", CONSUMER_MOE_ALIGN_X},
                    {"router", CONSUMER_MOE_ALIGN_ROUTER},
                    {"w13", CONSUMER_MOE_ALIGN_W13},
                    {"w13_scale", CONSUMER_MOE_ALIGN_W13_SCALE},
                    {"w2", CONSUMER_MOE_ALIGN_W2},
                    {"w2_scale", CONSUMER_MOE_ALIGN_W2_SCALE},
                    {"shared_w13", CONSUMER_MOE_ALIGN_SHARED_W13},
                    {"shared_w13_scale", CONSUMER_MOE_ALIGN_SHARED_W13_SCALE},
                    {"shared_w2", CONSUMER_MOE_ALIGN_SHARED_W2},
                    {"shared_w2_scale", CONSUMER_MOE_ALIGN_SHARED_W2_SCALE},
                    {"residual", CONSUMER_MOE_ALIGN_RESIDUAL},
                    {"out", CONSUMER_MOE_ALIGN_OUT},
                    {"workspace", CONSUMER_MOE_ALIGN_WORKSPACE}};
  int i, failures = 0;
  for (i = 0; i < 13; ++i) {
    CUresult status = launch_with(i, pointers[i].alignment / 2);
    if (status != CUDA_ERROR_INVALID_VALUE) {
      fprintf(stderr,
              "emit_kernel_consumer: consumer_moe_launch took %s off by %u "
              "bytes (status %d)\n",
              pointers[i].name, pointers[i].alignment / 2, (int)status);
      ++failures;
    }
  }
  if (!failures)
    printf("consumer_moe_launch refused each of its 13 pointers misaligned "
           "(workspace for 4 tokens: %zu bytes)\n",
           consumer_moe_workspace_bytes(4));
  return failures;
}
