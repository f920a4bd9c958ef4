// The instruction-set-specific inner loops of SwiftLlama, chosen at run time.
//
// Swift 6.3 cannot compile one function for AVX2 and another for AVX-512 in the same
// module: target features are per build. C can (`__attribute__((target(...)))`), so the
// loops that gain most from wide integer instructions live here, compiled once per
// instruction set, and `LlamaTensor` calls the variant the processor supports. Everything
// around them (threading, the walk over rows, quantizing activations, the model) stays in
// Swift, and the Swift kernels remain the portable path.
// Explained in Documentation/20-Performance.md and Documentation/21-Quantization-and-GGUF.md.

#ifndef LLAMA_KERNELS_H
#define LLAMA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An instruction-set variant of the kernels.
typedef enum {
    /// The Swift kernels: no C loop is called.
    LLK_ISA_PORTABLE = 0,
    /// x86-64 with AVX2, FMA and F16C (Intel Haswell and AMD Zen onwards).
    LLK_ISA_AVX2 = 1,
    /// x86-64 with AVX-512 F, BW, VL and VNNI (Intel Ice Lake and AMD Zen 4 onwards).
    LLK_ISA_AVX512 = 2,
} llk_isa;

/// A block-quantized weight format (GGML's layout, see `BlockFormat` in LlamaTensor).
typedef enum {
    LLK_Q8_0 = 0,
    LLK_Q4_0 = 1,
    LLK_Q4_1 = 2,
    LLK_Q4_K = 3,
    LLK_Q6_K = 4,
    LLK_Q5_0 = 5,
    LLK_Q5_1 = 6,
} llk_format;

/// The variants this processor and operating system can run, as a bit mask of
/// `1 << llk_isa` (`LLK_ISA_PORTABLE` is always set).
unsigned llk_supported_isas(void);

/// Rows `row_begin ..< row_end` of a block-quantized matrix times `tokens` rows of
/// quantized activations:
///
///     out[t * out_stride + r] = Σ_units  float(Σ_{i<32} w_level[i] · x_level[i]) · (w_d · x_d)
///                             + Σ_units  w_m · x_s        (formats with an offset)
///
/// - `weights`: the matrix, `row_bytes` bytes per row, `n` weights per row (a multiple of
///   the format's block size).
/// - `x`: `tokens` rows of `n` signed levels in -127...127, one byte each, rows `x_stride`
///   bytes apart (a multiple of 4 at least `n`; see `SplitActivations.quantizedStride`).
/// - `x_scale_over_256`: per unit of 32 activations, its scale divided by 256 (the layout
///   of `SplitActivations.quantizedScales`), `n / 32` per token.
/// - `x_sum`: per unit, its scale times the sum of its levels, `n / 32` per token.
/// - `x_corrections`: `x_stride / 16` per token: for each sixteen levels, minus their sum
///   (the layout of `SplitActivations.quantizedCorrections`).
///
/// Every output element is computed with the same operations in the same order whatever
/// the tile that holds it, so one token alone (decode) and the same token among many
/// (prefill) give bit-identical results. Does nothing for `LLK_ISA_PORTABLE` or a variant
/// this build lacks; callers check `llk_supported_isas` first.
void llk_quantized_product(llk_isa isa, llk_format format,
                           const void *weights, size_t row_bytes,
                           size_t row_begin, size_t row_end, size_t n,
                           const int8_t *x, size_t x_stride, const float *x_scale_over_256, const float *x_sum,
                           const int32_t *x_corrections,
                           size_t tokens, float *out, size_t out_stride);

/// A float weight format.
typedef enum {
    LLK_BF16 = 0,
    LLK_F16 = 1,
    LLK_F32 = 2,
} llk_float_format;

/// Rows `row_begin ..< row_end` of a bf16, f16 or f32 matrix (`row_bytes` bytes and `n`
/// weights per row) times `tokens` rows of f32 activations split into even- and
/// odd-indexed halves (`x_even`, `x_odd`; tokens `row_stride` floats apart, the layout of
/// `SplitActivations`): `out[t * out_stride + r] = Σ_c w[r, c] · x[t, c]`, computed exactly
/// as the portable Swift kernels compute it (see FloatProductBody.h). Does nothing for
/// `LLK_ISA_PORTABLE` or a variant this build lacks.
void llk_float_product(llk_isa isa, llk_float_format format, const void *weights, size_t row_bytes,
                       size_t row_begin, size_t row_end, size_t n,
                       const float *x_even, const float *x_odd, size_t row_stride,
                       size_t tokens, float *out, size_t out_stride);

/// Twelve independent chains of `a = a · m + c` (a multiply and an add, as the float
/// kernels do them) for `iterations` steps on the variant's widest registers, for measuring
/// its multiply-add rate; `*lanes` is set to the lanes per register (0 for
/// `LLK_ISA_PORTABLE` or a variant this build lacks, which runs nothing). Returns the
/// chains' sum so the work cannot be dropped.
float llk_multiply_add_chains(llk_isa isa, size_t iterations, float seed, unsigned *lanes);

#ifdef __cplusplus
}
#endif

#endif
