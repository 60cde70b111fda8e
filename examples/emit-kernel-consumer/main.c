/* A consumer of two kernels emitted by moec_emit_kernel: it multiplies
   random bf16 operands with consumer_gemm and checks C against a
   double-precision reference, then checks that misaligned pointers are
   refused (CUDA_ERROR_INVALID_VALUE, before any work reaches the device)
   by both launch functions.

   usage: emit_kernel_consumer [M]      (default M = 5)
   exit status 0 when every check passes. */

#include "consumer.h"
#include "consumer_gemm.h"
#include "consumer_moe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N CONSUMER_GEMM_N
#define K CONSUMER_GEMM_K

static int check(CUresult status, const char *what) {
  const char *name = NULL;
  if (status == CUDA_SUCCESS)
    return 0;
  cuGetErrorName(status, &name);
  fprintf(stderr, "emit_kernel_consumer: %s failed: %s\n", what,
          name ? name : "?");
  return 1;
}

/* Random bf16 values in [-1, 1), from a fixed seed. */
static unsigned short *random_bf16(size_t count, unsigned *state) {
  unsigned short *data = malloc(count * sizeof(unsigned short));
  size_t i;
  for (i = 0; i < count; ++i) {
    *state = *state * 1664525u + 1013904223u;
    data[i] = consumer_to_bf16((double)(*state >> 8) / (1 << 23) - 1.0);
  }
  return data;
}

/* Relative L2 error of c against the reference; -1 for an unwritten
   element (the output starts as NaN). */
static double relative_error(const unsigned short *a, const unsigned short *b,
                             const unsigned short *c, int m) {
  double *expected = malloc((size_t)m * N * sizeof(double));
  double error = 0.0, norm = 0.0;
  int i;
  consumer_reference(a, b, m, expected);
  for (i = 0; i < m * N; ++i) {
    double got = consumer_from_bf16(c[i]);
    if (isnan(got)) {
      free(expected);
      return -1.0;
    }
    error += (got - expected[i]) * (got - expected[i]);
    norm += expected[i] * expected[i];
  }
  free(expected);
  return sqrt(error / (norm > 0.0 ? norm : 1.0));
}

/* The GEMM must refuse a (16-byte) and c (4-byte) off by 2 bytes. */
static int gemm_refuses_misaligned(const consumer_gemm_kernel *kernel,
                                   CUdeviceptr a, CUdeviceptr b, CUdeviceptr c,
                                   int m) {
  CUresult bad_a = consumer_gemm_launch(kernel, a + 2, b, 0, 0, c, m, NULL);
  CUresult bad_c = consumer_gemm_launch(kernel, a, b, 0, 0, c + 2, m, NULL);
  if (bad_a != CUDA_ERROR_INVALID_VALUE || bad_c != CUDA_ERROR_INVALID_VALUE) {
    fprintf(stderr,
            "emit_kernel_consumer: misaligned a / c gave %d / %d, expected "
            "CUDA_ERROR_INVALID_VALUE (%d)\n",
            (int)bad_a, (int)bad_c, (int)CUDA_ERROR_INVALID_VALUE);
    return 1;
  }
  printf("consumer_gemm_launch refused a + 2 and c + 2 (alignment %d and %d)"
         "\n",
         CONSUMER_GEMM_ALIGN_A, CONSUMER_GEMM_ALIGN_C);
  return 0;
}

static int run_gemm(int m) {
  unsigned state = 12345u;
  unsigned short *a = random_bf16((size_t)m * K, &state);
  unsigned short *b = random_bf16((size_t)N * K, &state);
  size_t c_bytes = (size_t)m * N * 2;
  unsigned short *c = malloc(c_bytes);
  consumer_gemm_kernel kernel;
  CUdeviceptr da, db, dc;
  double error;
  if (check(consumer_gemm_load(&kernel), "consumer_gemm_load") ||
      check(cuMemAlloc(&da, (size_t)m * K * 2), "cuMemAlloc") ||
      check(cuMemAlloc(&db, (size_t)N * K * 2), "cuMemAlloc") ||
      check(cuMemAlloc(&dc, c_bytes), "cuMemAlloc") ||
      check(cuMemcpyHtoD(da, a, (size_t)m * K * 2), "cuMemcpyHtoD") ||
      check(cuMemcpyHtoD(db, b, (size_t)N * K * 2), "cuMemcpyHtoD") ||
      check(cuMemsetD16(dc, 0x7FC0, c_bytes / 2), "cuMemsetD16") ||
      gemm_refuses_misaligned(&kernel, da, db, dc, m) ||
      check(consumer_gemm_launch(&kernel, da, db, 0, 0, dc, m, NULL),
            "consumer_gemm_launch") ||
      check(cuCtxSynchronize(), "cuCtxSynchronize") ||
      check(cuMemcpyDtoH(c, dc, c_bytes), "cuMemcpyDtoH"))
    return 1;
  error = relative_error(a, b, c, m);
  printf("consumer_gemm: M=%d N=%d K=%d, relative L2 error %.2e (bound 5e-3)"
         "\n",
         m, N, K, error);
  if (error < 0.0)
    fprintf(stderr, "emit_kernel_consumer: an output element was not "
                    "written\n");
  cuMemFree(da);
  cuMemFree(db);
  cuMemFree(dc);
  consumer_gemm_unload(&kernel);
  free(a);
  free(b);
  free(c);
  return error < 0.0 || error > 5e-3;
}

int main(int argc, char **argv) {
  int m = argc > 1 ? atoi(argv[1]) : 5;
  CUdevice device;
  CUcontext context;
  if (m <= 0) {
    fprintf(stderr, "emit_kernel_consumer: bad M %d\n", m);
    return 2;
  }
  /* One image, whichever translation unit looks at it. */
  if (consumer_image_seen_by_reference() != consumer_gemm_image) {
    fprintf(stderr, "emit_kernel_consumer: the two translation units see "
                    "different copies of consumer_gemm_image\n");
    return 1;
  }
  printf("consumer_gemm_image: %zu bytes, one copy\n",
         consumer_gemm_image_size);
  if (check(cuInit(0), "cuInit") ||
      check(cuDeviceGet(&device, 0), "cuDeviceGet") ||
      check(cuDevicePrimaryCtxRetain(&context, device),
            "cuDevicePrimaryCtxRetain") ||
      check(cuCtxSetCurrent(context), "cuCtxSetCurrent"))
    return 1;
  if (run_gemm(m) || consumer_moe_refuses_misaligned())
    return 1;
  cuDevicePrimaryCtxRelease(device);
  printf("emit_kernel_consumer: all checks passed\n");
  return 0;
}
