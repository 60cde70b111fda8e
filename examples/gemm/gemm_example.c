/* An example consumer of a kernel from `moec emit-kernel gemm --m=? ...
   --name=example_gemm`: it loads the kernel, multiplies random operands
   (quantized to FP8 with the header's scale layout when the kernel is an
   FP8 one) and checks C against a double-precision reference on the same
   quantized inputs.

   usage: gemm_example [M] [seed]      (default M = 300, seed = 1)
   exit status 0 when the relative L2 error is within 2e-2 (FP8) or 5e-3
   (bf16) and no output element is left unwritten. */

#include "example_gemm.h"

#define EXAMPLE_NAME "gemm_example"
#include "example_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N EXAMPLE_GEMM_N
#define K EXAMPLE_GEMM_K
#define FP8 (EXAMPLE_GEMM_ELEMENT_BYTES == 1)
#define KB ((K + 127) / 128)
#define NB ((N + 127) / 128)

/* Nearest e4m3 code (ties to even), saturating at 448. */
static unsigned char to_e4m3(double value) {
  unsigned char best = 0;
  double best_error = INFINITY;
  int code;
  if (value > 448.0)
    value = 448.0;
  if (value < -448.0)
    value = -448.0;
  for (code = 0; code < 256; ++code) {
    double error;
    if ((code & 0x7F) == 0x7F) /* NaN */
      continue;
    error = fabs(from_e4m3((unsigned char)code) - value);
    if (error < best_error || (error == best_error && !(code & 1))) {
      best = (unsigned char)code;
      best_error = error;
    }
  }
  return best;
}

/* Quantizes a [rows][K] matrix in groups of group_rows x group_cols with
   scale = amax / 448; scales[row / group_rows][col / group_cols]. */
static void quantize(const double *x, int rows, int group_rows, int group_cols,
                     unsigned char *q, float *scales) {
  int groups_k = (K + group_cols - 1) / group_cols, r0, k0, r, k;
  for (r0 = 0; r0 < rows; r0 += group_rows)
    for (k0 = 0; k0 < K; k0 += group_cols) {
      double amax = 0.0;
      float scale;
      for (r = r0; r < rows && r < r0 + group_rows; ++r)
        for (k = k0; k < K && k < k0 + group_cols; ++k)
          amax = fmax(amax, fabs(x[(size_t)r * K + k]));
      scale = amax > 0.0 ? (float)(amax / 448.0) : 1.0f;
      scales[(r0 / group_rows) * groups_k + k0 / group_cols] = scale;
      for (r = r0; r < rows && r < r0 + group_rows; ++r)
        for (k = k0; k < K && k < k0 + group_cols; ++k)
          q[(size_t)r * K + k] = to_e4m3(x[(size_t)r * K + k] / scale);
    }
}

/* Operand element (row, k) as the kernel sees it, scale applied. */
static double element(const unsigned char *data, const float *scales, int row,
                      int k, int is_b) {
  if (!FP8)
    return from_bf16(((const unsigned short *)data)[(size_t)row * K + k]);
  if (EXAMPLE_GEMM_SCALES == 1)
    return from_e4m3(data[(size_t)row * K + k]) * scales[row];
  return from_e4m3(data[(size_t)row * K + k]) *
         scales[(is_b ? row / 128 : row) * KB + k / 128];
}

/* Random operand [rows][K] in the kernel's format, with its scales. */
static unsigned char *make_operand(int rows, int is_b, float **scales) {
  size_t count = (size_t)rows * K, i;
  double *x = malloc(count * sizeof(double));
  unsigned char *data = malloc(count * EXAMPLE_GEMM_ELEMENT_BYTES);
  for (i = 0; i < count; ++i)
    x[i] = uniform() * (1.0 + (double)(i % 7)); /* uneven magnitudes */
  *scales = NULL;
  if (!FP8) {
    for (i = 0; i < count; ++i)
      ((unsigned short *)data)[i] = to_bf16((float)x[i]);
  } else if (EXAMPLE_GEMM_SCALES == 1) {
    *scales = malloc((size_t)rows * sizeof(float));
    quantize(x, rows, 1, K, data, *scales);
  } else {
    *scales = malloc((size_t)(is_b ? NB : rows) * KB * sizeof(float));
    quantize(x, rows, is_b ? 128 : 1, 128, data, *scales);
  }
  free(x);
  return data;
}

static double reference(const unsigned char *a, const float *sa,
                        const unsigned char *b, const float *sb, int m, int n) {
  double sum = 0.0;
  int k;
  if (EXAMPLE_GEMM_SCALES == 2) { /* per 128-wide K block, as promoted */
    int kb;
    for (kb = 0; kb < KB; ++kb) {
      double block = 0.0;
      for (k = kb * 128; k < K && k < kb * 128 + 128; ++k)
        block +=
            from_e4m3(a[(size_t)m * K + k]) * from_e4m3(b[(size_t)n * K + k]);
      sum += block * sa[m * KB + kb] * sb[(n / 128) * KB + kb];
    }
  } else {
    for (k = 0; k < K; ++k)
      sum += element(a, sa, m, k, 0) * element(b, sb, n, k, 1);
  }
  return EXAMPLE_GEMM_SILU ? sum / (1.0 + exp(-sum)) : sum;
}

static int upload(const void *host, size_t bytes, CUdeviceptr *device) {
  *device = 0;
  if (!host || !bytes)
    return 0;
  return check(cuMemAlloc(device, bytes), "cuMemAlloc") ||
         check(cuMemcpyHtoD(*device, host, bytes), "cuMemcpyHtoD");
}

int main(int argc, char **argv) {
  int m = argc > 1 ? atoi(argv[1]) : 300, row, col;
  CUdevice device;
  CUcontext context;
  example_gemm_kernel kernel;
  CUdeviceptr da, db, dsa, dsb, dc;
  float *sa, *sb;
  unsigned char *a, *b;
  unsigned short *c;
  double error = 0.0, norm = 0.0, bound = FP8 ? 2e-2 : 5e-3;
  size_t c_bytes;
  rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ULL
                       : 0x9E3779B97F4A7C15ULL;
  if (m <= 0 || (EXAMPLE_GEMM_M >= 0 && m != EXAMPLE_GEMM_M)) {
    fprintf(stderr, "gemm_example: bad M %d\n", m);
    return 2;
  }
  a = make_operand(m, 0, &sa);
  b = make_operand(N, 1, &sb);
  c_bytes = (size_t)m * N * 2;
  c = malloc(c_bytes);
  if (check(cuInit(0), "cuInit") ||
      check(cuDeviceGet(&device, 0), "cuDeviceGet") ||
      check(cuDevicePrimaryCtxRetain(&context, device),
            "cuDevicePrimaryCtxRetain") ||
      check(cuCtxSetCurrent(context), "cuCtxSetCurrent") ||
      check(example_gemm_load(&kernel), "example_gemm_load"))
    return 1;
  if (upload(a, (size_t)m * K * EXAMPLE_GEMM_ELEMENT_BYTES, &da) ||
      upload(b, (size_t)N * K * EXAMPLE_GEMM_ELEMENT_BYTES, &db) ||
      upload(sa,
             !sa ? 0
                 : (EXAMPLE_GEMM_SCALES == 1 ? (size_t)m : (size_t)m * KB) * 4,
             &dsa) ||
      upload(sb,
             !sb ? 0
                 : (EXAMPLE_GEMM_SCALES == 1 ? (size_t)N : (size_t)NB * KB) * 4,
             &dsb) ||
      check(cuMemAlloc(&dc, c_bytes), "cuMemAlloc") ||
      check(cuMemsetD8(dc, 0xFF, c_bytes), "cuMemsetD8")) /* NaN poison */
    return 1;
  if (check(example_gemm_launch(&kernel, da, db, dsa, dsb, dc, m, 0),
            "launch") ||
      check(cuCtxSynchronize(), "kernel") ||
      check(cuMemcpyDtoH(c, dc, c_bytes), "cuMemcpyDtoH"))
    return 1;
  for (row = 0; row < m; ++row)
    for (col = 0; col < N; ++col) {
      double want = reference(a, sa, b, sb, row, col);
      double got = from_bf16(c[(size_t)row * N + col]);
      if (isnan(got)) {
        fprintf(stderr, "gemm_example: C[%d][%d] was not written\n", row, col);
        return 1;
      }
      error += (got - want) * (got - want);
      norm += want * want;
    }
  error = sqrt(error / (norm > 0.0 ? norm : 1.0));
  printf("example_gemm M=%d N=%d K=%d: relative L2 error %.3e (bound %.0e)\n",
         m, N, K, error, bound);
  return error <= bound ? 0 : 1;
}
