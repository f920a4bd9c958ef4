// The f16 matrix product, written once and compiled once per instruction set (included by
// QuantizedProductAVX2.c and QuantizedProductAVX512.c after QuantizedProductBody.h, which
// defines the naming macros).
//
// F16C's `vcvtph2ps` widens eight halves in one instruction, exactly. Swift can reach it
// only in a build for that processor; elsewhere each half costs about a dozen integer and
// float operations (`Float16Weights.widen`), which makes f16 compute-bound far below the
// memory bandwidth.
//
// Each output element is Σ over blocks of eight columns of `acc = fma(w, x, acc)` in one
// eight-lane accumulator, the lanes summed in a fixed order, then the last `n % 8` columns
// added one at a time: the same operations in the same order in every tile.

/// R rows × T tokens of f16 weights times f32 activations (`x`, row after row, `n` each).
LLK_INLINE void LLK_NAME(f16_tile)(int R, int T, const uint8_t *w, size_t row_bytes, size_t n,
                                   const float *x, float *out, size_t out_stride) {
    enum { MAX_R = 4, MAX_T = 8 };
    __m256 acc[MAX_R][MAX_T];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) acc[r][t] = _mm256_setzero_ps();
    const size_t blocks = n / 8;
    for (size_t b = 0; b < blocks; b++) {
        __m256 wv[MAX_R];
        for (int r = 0; r < R; r++)
            wv[r] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + r * row_bytes + 16 * b)));
        for (int t = 0; t < T; t++) {
            __m256 xv = _mm256_loadu_ps(x + t * n + 8 * b);
            for (int r = 0; r < R; r++) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) {
            float s = LLK_NAME(total)(acc[r][t], 0, 0);
            for (size_t c = 8 * blocks; c < n; c++) s += LLK_NAME(half)(w + r * row_bytes + 2 * c) * x[t * n + c];
            out[t * out_stride + r] = s;
        }
}

void LLK_NAME(llk_float16_product)(const void *weights, size_t row_bytes, size_t begin, size_t end, size_t n,
                                   const float *x, size_t tokens, float *out, size_t out_stride) {
    const uint8_t *w = (const uint8_t *)weights;
    size_t r = begin;
    if (tokens == 1) {
        // One row at a time: one sequential stream per thread (see `product`).
        for (; r + 4 <= end; r += 4) LLK_NAME(f16_tile)(4, 1, w + r * row_bytes, row_bytes, n, x, out + r, out_stride);
        for (; r < end; r++) LLK_NAME(f16_tile)(1, 1, w + r * row_bytes, row_bytes, n, x, out + r, out_stride);
        return;
    }
    const int R = LLK_F16_PREFILL_ROWS, T = LLK_F16_PREFILL_TOKENS;
    for (; r + R <= end; r += R) {
        size_t t = 0;
        for (; t + T <= tokens; t += T)
            LLK_NAME(f16_tile)(R, T, w + r * row_bytes, row_bytes, n, x + t * n, out + t * out_stride + r, out_stride);
        for (; t < tokens; t++)
            LLK_NAME(f16_tile)(R, 1, w + r * row_bytes, row_bytes, n, x + t * n, out + t * out_stride + r, out_stride);
    }
    for (; r < end; r++)
        for (size_t t = 0; t < tokens; t++)
            LLK_NAME(f16_tile)(1, 1, w + r * row_bytes, row_bytes, n, x + t * n, out + t * out_stride + r, out_stride);
}
