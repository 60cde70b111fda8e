/* Helpers shared by the kernel examples: CUDA error reporting, a seeded
   random stream and the bf16 / e4m3 conversions their references use.
   Define EXAMPLE_NAME (the program's name for messages) before including. */

#ifndef MOEC_EXAMPLES_EXAMPLE_UTIL_H
#define MOEC_EXAMPLES_EXAMPLE_UTIL_H

#include <cuda.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Prints "<program>: <what> failed: <CUDA error>" and returns 1 on error. */
static int check(CUresult status, const char *what) {
  const char *name = NULL;
  if (status == CUDA_SUCCESS)
    return 0;
  cuGetErrorName(status, &name);
  fprintf(stderr, "%s: %s failed: %s\n", EXAMPLE_NAME, what, name ? name : "?");
  return 1;
}

static unsigned long long rng_state;
static double uniform(void) { /* xorshift64*, in [-1, 1) */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 2685821657736338717ULL) >> 11) /
             (double)(1ULL << 52) -
         1.0;
}

static unsigned short to_bf16(double value) { /* round to nearest even */
  float f = (float)value;
  unsigned int bits;
  memcpy(&bits, &f, 4);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return (unsigned short)(bits >> 16);
}

static double from_bf16(unsigned short half) {
  unsigned int bits = (unsigned int)half << 16;
  float value;
  memcpy(&value, &bits, 4);
  return value;
}

static double from_e4m3(unsigned char code) {
  int exponent = (code >> 3) & 15, mantissa = code & 7;
  double magnitude = exponent ? ldexp(1.0 + mantissa / 8.0, exponent - 7)
                              : ldexp(mantissa / 8.0, -6);
  return (code & 0x80) ? -magnitude : magnitude;
}

#endif /* MOEC_EXAMPLES_EXAMPLE_UTIL_H */
