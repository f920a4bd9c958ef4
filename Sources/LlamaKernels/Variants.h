// The per-variant entry points that Dispatch.c chooses between (internal to this target).

#ifndef LLAMA_KERNELS_VARIANTS_H
#define LLAMA_KERNELS_VARIANTS_H

#include "LlamaKernels.h"

#if defined(__x86_64__)
void llk_quantized_product_avx2(llk_format f, const void *weights, size_t row_bytes,
                                size_t begin, size_t end, size_t n,
                                const int8_t *x, size_t x_stride, const float *xd, const float *xs, const int32_t *xc,
                                size_t tokens, float *out, size_t out_stride);
void llk_quantized_product_avx512(llk_format f, const void *weights, size_t row_bytes,
                                  size_t begin, size_t end, size_t n,
                                  const int8_t *x, size_t x_stride, const float *xd, const float *xs, const int32_t *xc,
                                  size_t tokens, float *out, size_t out_stride);
void llk_float_product_avx2(llk_float_format f, const void *weights, size_t row_bytes, size_t begin, size_t end, size_t n,
                              const float *xe, const float *xo, size_t row_stride, size_t tokens, float *out, size_t out_stride);
void llk_float_product_avx512(llk_float_format f, const void *weights, size_t row_bytes, size_t begin, size_t end, size_t n,
                                const float *xe, const float *xo, size_t row_stride, size_t tokens, float *out, size_t out_stride);
float llk_multiply_add_chains_avx2(size_t iterations, float seed);
float llk_multiply_add_chains_avx512(size_t iterations, float seed);
#endif

#endif
