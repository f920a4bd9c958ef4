// Which variants this processor runs, and the calls into them.

#include "LlamaKernels.h"
#include "Variants.h"

unsigned llk_supported_isas(void) {
    unsigned isas = 1u << LLK_ISA_PORTABLE;
#if defined(__x86_64__)
    // __builtin_cpu_supports also checks that the operating system saves the wider
    // registers (XCR0), so a feature reported here can be used.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        isas |= 1u << LLK_ISA_AVX2;
    if ((isas & (1u << LLK_ISA_AVX2)) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
        isas |= 1u << LLK_ISA_AVX512;
#endif
    return isas;
}

void llk_quantized_product(llk_isa isa, llk_format format,
                           const void *weights, size_t row_bytes,
                           size_t row_begin, size_t row_end, size_t n,
                           const int8_t *x, size_t x_stride, const float *x_scale_over_256, const float *x_sum,
                           const int32_t *x_corrections,
                           size_t tokens, float *out, size_t out_stride) {
#if defined(__x86_64__)
    switch (isa) {
    case LLK_ISA_AVX2:
        llk_quantized_product_avx2(format, weights, row_bytes, row_begin, row_end, n,
                                   x, x_stride, x_scale_over_256, x_sum, x_corrections, tokens, out, out_stride);
        break;
    case LLK_ISA_AVX512:
        llk_quantized_product_avx512(format, weights, row_bytes, row_begin, row_end, n,
                                     x, x_stride, x_scale_over_256, x_sum, x_corrections, tokens, out, out_stride);
        break;
    default:
        break;
    }
#else
    (void)isa; (void)format; (void)weights; (void)row_bytes; (void)row_begin; (void)row_end; (void)n;
    (void)x; (void)x_scale_over_256; (void)x_sum; (void)x_corrections; (void)tokens; (void)out; (void)out_stride;
#endif
}

void llk_float_product(llk_isa isa, llk_float_format format, const void *weights, size_t row_bytes,
                       size_t row_begin, size_t row_end, size_t n,
                       const float *x_even, const float *x_odd, size_t row_stride,
                       size_t tokens, float *out, size_t out_stride) {
#if defined(__x86_64__)
    switch (isa) {
    case LLK_ISA_AVX2:
        llk_float_product_avx2(format, weights, row_bytes, row_begin, row_end, n, x_even, x_odd, row_stride,
                               tokens, out, out_stride);
        break;
    case LLK_ISA_AVX512:
        llk_float_product_avx512(format, weights, row_bytes, row_begin, row_end, n, x_even, x_odd, row_stride,
                                 tokens, out, out_stride);
        break;
    default:
        break;
    }
#else
    (void)isa; (void)format; (void)weights; (void)row_bytes; (void)row_begin; (void)row_end; (void)n;
    (void)x_even; (void)x_odd; (void)row_stride; (void)tokens; (void)out; (void)out_stride;
#endif
}

float llk_multiply_add_chains(llk_isa isa, size_t iterations, float seed, unsigned *lanes) {
#if defined(__x86_64__)
    switch (isa) {
    case LLK_ISA_AVX2: *lanes = 8; return llk_multiply_add_chains_avx2(iterations, seed);
    case LLK_ISA_AVX512: *lanes = 16; return llk_multiply_add_chains_avx512(iterations, seed);
    default: break;
    }
#else
    (void)isa; (void)iterations; (void)seed;
#endif
    *lanes = 0;
    return 0;
}
