/* What the consumer's two translation units share besides the kernel
   headers: reference.c's CPU reference and its MoE layer checks. */

#ifndef EMIT_KERNEL_CONSUMER_H
#define EMIT_KERNEL_CONSUMER_H

#include <stddef.h>

unsigned short consumer_to_bf16(double value);
double consumer_from_bf16(unsigned short bits);

/* c[m][N] = a[m][K] . b[N][K]^T in double precision (bf16 operands). */
void consumer_reference(const unsigned short *a, const unsigned short *b, int m,
                        double *c);

/* The address of consumer_gemm_image as reference.c sees it. */
const unsigned char *consumer_image_seen_by_reference(void);

/* 0 when consumer_moe_launch refuses each misaligned pointer with
   CUDA_ERROR_INVALID_VALUE before it uses the (unloaded) kernel. */
int consumer_moe_refuses_misaligned(void);

#endif /* EMIT_KERNEL_CONSUMER_H */
