// The matrix product for float weights (bf16, f16, f32), written once and compiled once per
// instruction set (included by KernelsAVX2.c and KernelsAVX512.c after
// QuantizedProductBody.h, which defines the naming macros).
//
// The arithmetic is exactly that of the portable Swift kernels (`TiledProduct.dotOne`):
// per block of sixteen weights, the even-indexed weights times the even activations plus the
// odd-indexed weights times the odd activations (`SplitActivations`), each product rounded,
// then added to one eight-lane accumulator; the lanes summed halves first; the leftover
// columns added one at a time. So every variant gives the same bits as the Swift loops, and
// decode (which keeps the Swift walks, already at the memory bandwidth) agrees with prefill
// here bit for bit. What the instruction set changes is the cost: widening is one or two
// instructions (bf16 is the top half of an f32; F16C's `vcvtph2ps` widens halves exactly),
// and the registers hold a tile of rows × tokens that reuses each widened weight.

// Products and sums stay separate roundings, as in Swift: no fused multiply-add.
#pragma clang fp contract(off)

/// Weights 16·block ..< 16·block + 16 of the row at `row` as (even, odd) lanes, as
/// `WeightFormat.widenPairs` gives them.
LLK_INLINE void LLK_NAME(widen_pairs)(llk_float_format f, const uint8_t *row, size_t block, __m256 *even, __m256 *odd) {
    switch (f) {
    case LLK_BF16: {
        // Lane i holds element 2i in its low half and 2i + 1 in its high half.
        __m256i bits = _mm256_loadu_si256((const __m256i *)(row + 32 * block));
        *even = _mm256_castsi256_ps(_mm256_slli_epi32(bits, 16));
        *odd = _mm256_castsi256_ps(_mm256_and_si256(bits, _mm256_set1_epi32((int)0xFFFF0000u)));
        break;
    }
    case LLK_F16: {
        __m256i bits = _mm256_loadu_si256((const __m256i *)(row + 32 * block));
#if LLK_WIDE
        // AVX-512 narrows 32-bit lanes to their low 16 bits in one instruction.
        *even = _mm256_cvtph_ps(_mm256_cvtepi32_epi16(bits));
        *odd = _mm256_cvtph_ps(_mm256_cvtepi32_epi16(_mm256_srli_epi32(bits, 16)));
#else
        __m256i low = _mm256_and_si256(bits, _mm256_set1_epi32(0xFFFF)), high = _mm256_srli_epi32(bits, 16);
        // [even 0-3, odd 0-3 | even 4-7, odd 4-7] as 16-bit lanes, then the middle quarters swapped.
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(low, high), 0xD8);
        *even = _mm256_cvtph_ps(_mm256_castsi256_si128(packed));
        *odd = _mm256_cvtph_ps(_mm256_extracti128_si256(packed, 1));
#endif
        break;
    }
    default: {
        const float *p = (const float *)(row + 64 * block);
        __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
        *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
        *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
        break;
    }
    }
}

/// Weight `index` of the row at `row` as a float.
LLK_INLINE float LLK_NAME(float_element)(llk_float_format f, const uint8_t *row, size_t index) {
    switch (f) {
    case LLK_BF16: {
        uint16_t b;
        memcpy(&b, row + 2 * index, 2);
        uint32_t bits = (uint32_t)b << 16;
        float v;
        memcpy(&v, &bits, 4);
        return v;
    }
    case LLK_F16:
        return LLK_NAME(half)(row + 2 * index);
    default: {
        float v;
        memcpy(&v, row + 4 * index, 4);
        return v;
    }
    }
}

/// `TiledProduct.finish`: the lanes, then the leftover pairs and a last odd element.
LLK_INLINE float LLK_NAME(float_finish)(llk_float_format f, __m256 acc, const uint8_t *row, size_t n,
                                        const float *xe, const float *xo) {
    float s = LLK_NAME(total)(acc, 0, 0);
    for (size_t p = (n / 16) * 8; p < n / 2; p++) {
        s += LLK_NAME(float_element)(f, row, 2 * p) * xe[p];
        s += LLK_NAME(float_element)(f, row, 2 * p + 1) * xo[p];
    }
    if (n % 2 == 1) s += LLK_NAME(float_element)(f, row, n - 1) * xe[n / 2];
    return s;
}

/// R rows × T tokens (at most 4 × 4): each row's weights widened once per block for all T
/// tokens, each output element exactly as `TiledProduct.dotOne` computes it. `xe` and `xo`
/// are the tile's first token's halves; tokens are `row_stride` floats apart.
LLK_INLINE void LLK_NAME(float_tile)(llk_float_format f, int R, int T, const uint8_t *w, size_t row_bytes, size_t n,
                                     const float *xe, const float *xo, size_t row_stride,
                                     float *out, size_t out_stride) {
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) acc[r][t] = _mm256_setzero_ps();
    const size_t blocks = n / 16;
    for (size_t b = 0; b < blocks; b++) {
        __m256 we[4], wo[4];
        for (int r = 0; r < R; r++) LLK_NAME(widen_pairs)(f, w + r * row_bytes, b, &we[r], &wo[r]);
        for (int t = 0; t < T; t++) {
            const __m256 e = _mm256_loadu_ps(xe + t * row_stride + 8 * b), o = _mm256_loadu_ps(xo + t * row_stride + 8 * b);
            for (int r = 0; r < R; r++)
                acc[r][t] = _mm256_add_ps(acc[r][t], _mm256_add_ps(_mm256_mul_ps(we[r], e), _mm256_mul_ps(wo[r], o)));
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++)
            out[t * out_stride + r] = LLK_NAME(float_finish)(f, acc[r][t], w + r * row_bytes, n,
                                                             xe + t * row_stride, xo + t * row_stride);
}

#if LLK_WIDE
/// `widen_pairs` with each result in both halves of a 512-bit register, for two tokens at
/// once.
LLK_INLINE void LLK_NAME(widen_pairs_twice)(llk_float_format f, const uint8_t *row, size_t block, __m512 *even, __m512 *odd) {
    switch (f) {
    case LLK_BF16: {
        __m512i bits = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(row + 32 * block)));
        *even = _mm512_castsi512_ps(_mm512_slli_epi32(bits, 16));
        *odd = _mm512_castsi512_ps(_mm512_and_si512(bits, _mm512_set1_epi32((int)0xFFFF0000u)));
        break;
    }
    case LLK_F16: {
        __m256i bits = _mm256_loadu_si256((const __m256i *)(row + 32 * block));
        __m256i low = _mm256_and_si256(bits, _mm256_set1_epi32(0xFFFF)), high = _mm256_srli_epi32(bits, 16);
        __m256i packed = _mm256_packus_epi32(low, high);  // [even 0-3, odd 0-3 | even 4-7, odd 4-7]
        // Quarters 0 and 2 (the even halves) twice, then 1 and 3 (the odd) twice.
        *even = _mm512_cvtph_ps(_mm256_permute4x64_epi64(packed, 0x88));
        *odd = _mm512_cvtph_ps(_mm256_permute4x64_epi64(packed, 0xDD));
        break;
    }
    default: {
        __m256 e, o;
        LLK_NAME(widen_pairs)(f, row, block, &e, &o);
        *even = _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_castps_pd(e)));
        *odd = _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_castps_pd(o)));
        break;
    }
    }
}

/// R rows × 2P tokens (at most 4 × 8) with tokens 2p and 2p + 1 side by side in one 512-bit
/// register: every lane computes what the 256-bit tile computes for its token, so the
/// results are the same bits.
LLK_INLINE void LLK_NAME(float_tile_paired)(llk_float_format f, int R, int P, const uint8_t *w, size_t row_bytes,
                                            size_t n, const float *xe, const float *xo, size_t row_stride,
                                            float *out, size_t out_stride) {
    __m512 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int p = 0; p < P; p++) acc[r][p] = _mm512_setzero_ps();
    const size_t blocks = n / 16;
    for (size_t b = 0; b < blocks; b++) {
        __m512 we[4], wo[4];
        for (int r = 0; r < R; r++) LLK_NAME(widen_pairs_twice)(f, w + r * row_bytes, b, &we[r], &wo[r]);
        for (int p = 0; p < P; p++) {
            const float *e0 = xe + 2 * p * row_stride + 8 * b, *o0 = xo + 2 * p * row_stride + 8 * b;
            const __m512 e = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(e0))),
                                                                 _mm256_castps_pd(_mm256_loadu_ps(e0 + row_stride)), 1));
            const __m512 o = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(o0))),
                                                                 _mm256_castps_pd(_mm256_loadu_ps(o0 + row_stride)), 1));
            for (int r = 0; r < R; r++)
                acc[r][p] = _mm512_add_ps(acc[r][p], _mm512_add_ps(_mm512_mul_ps(we[r], e), _mm512_mul_ps(wo[r], o)));
        }
    }
    for (int r = 0; r < R; r++)
        for (int p = 0; p < P; p++)
            for (int k = 0; k < 2; k++) {
                const __m512d lanes = _mm512_castps_pd(acc[r][p]);
                const __m256 half = _mm256_castpd_ps(k ? _mm512_extractf64x4_pd(lanes, 1) : _mm512_castpd512_pd256(lanes));
                const size_t t = 2 * (size_t)p + (size_t)k;
                out[t * out_stride + r] = LLK_NAME(float_finish)(f, half, w + r * row_bytes, n,
                                                                 xe + t * row_stride, xo + t * row_stride);
            }
}
#endif

/// Rows `begin ..< end` times `tokens` tokens: tiles of LLK_FLOAT_PREFILL_ROWS ×
/// LLK_FLOAT_PREFILL_TOKENS, what is left over one row or one token at a time.
LLK_INLINE void LLK_NAME(float_product)(llk_float_format f, const uint8_t *w, size_t row_bytes,
                                        size_t begin, size_t end, size_t n,
                                        const float *xe, const float *xo, size_t row_stride,
                                        size_t tokens, float *out, size_t out_stride) {
    const int R = LLK_FLOAT_PREFILL_ROWS, T = LLK_FLOAT_PREFILL_TOKENS;
    size_t r = begin;
    for (; r + R <= end; r += R) {
        size_t t = 0;
#if LLK_WIDE
        for (; t + T <= tokens; t += T)
            LLK_NAME(float_tile_paired)(f, R, T / 2, w + r * row_bytes, row_bytes, n, xe + t * row_stride,
                                        xo + t * row_stride, row_stride, out + t * out_stride + r, out_stride);
#else
        for (; t + T <= tokens; t += T)
            LLK_NAME(float_tile)(f, R, T, w + r * row_bytes, row_bytes, n, xe + t * row_stride, xo + t * row_stride,
                                 row_stride, out + t * out_stride + r, out_stride);
#endif
        for (; t < tokens; t++)
            LLK_NAME(float_tile)(f, R, 1, w + r * row_bytes, row_bytes, n, xe + t * row_stride, xo + t * row_stride,
                                 row_stride, out + t * out_stride + r, out_stride);
    }
    for (; r < end; r++)
        for (size_t t = 0; t < tokens; t++)
            LLK_NAME(float_tile)(f, 1, 1, w + r * row_bytes, row_bytes, n, xe + t * row_stride, xo + t * row_stride,
                                 row_stride, out + t * out_stride + r, out_stride);
}

/// Decode: rows `begin ..< end` for one token, the two halves of the range side by side
/// (two streams through memory and two accumulator chains, the walk the Swift loops use).
LLK_INLINE void LLK_NAME(float_decode)(llk_float_format f, const uint8_t *w, size_t row_bytes,
                                       size_t begin, size_t end, size_t n,
                                       const float *xe, const float *xo, float *out) {
    const size_t half = (end - begin) / 2;
    for (size_t i = 0; i < half; i++) {
        const uint8_t *a = w + (begin + i) * row_bytes, *b = w + (begin + half + i) * row_bytes;
        __m256 accA = _mm256_setzero_ps(), accB = _mm256_setzero_ps();
        for (size_t k = 0; k < n / 16; k++) {
            const __m256 e = _mm256_loadu_ps(xe + 8 * k), o = _mm256_loadu_ps(xo + 8 * k);
            __m256 ae, ao, be, bo;
            LLK_NAME(widen_pairs)(f, a, k, &ae, &ao);
            LLK_NAME(widen_pairs)(f, b, k, &be, &bo);
            accA = _mm256_add_ps(accA, _mm256_add_ps(_mm256_mul_ps(ae, e), _mm256_mul_ps(ao, o)));
            accB = _mm256_add_ps(accB, _mm256_add_ps(_mm256_mul_ps(be, e), _mm256_mul_ps(bo, o)));
        }
        out[begin + i] = LLK_NAME(float_finish)(f, accA, a, n, xe, xo);
        out[begin + half + i] = LLK_NAME(float_finish)(f, accB, b, n, xe, xo);
    }
    for (size_t r = begin + 2 * half; r < end; r++)
        LLK_NAME(float_tile)(f, 1, 1, w + r * row_bytes, row_bytes, n, xe, xo, 0, out + r, 0);
}

/// The entry point of this variant: specialized per format.
void LLK_NAME(llk_float_product)(llk_float_format f, const void *weights, size_t row_bytes, size_t begin, size_t end,
                                 size_t n, const float *xe, const float *xo, size_t row_stride,
                                 size_t tokens, float *out, size_t out_stride) {
    const uint8_t *w = (const uint8_t *)weights;
    switch (f) {
    case LLK_BF16:
        if (tokens == 1) LLK_NAME(float_decode)(LLK_BF16, w, row_bytes, begin, end, n, xe, xo, out);
        else LLK_NAME(float_product)(LLK_BF16, w, row_bytes, begin, end, n, xe, xo, row_stride, tokens, out, out_stride);
        break;
    case LLK_F16:
        if (tokens == 1) LLK_NAME(float_decode)(LLK_F16, w, row_bytes, begin, end, n, xe, xo, out);
        else LLK_NAME(float_product)(LLK_F16, w, row_bytes, begin, end, n, xe, xo, row_stride, tokens, out, out_stride);
        break;
    case LLK_F32:
        if (tokens == 1) LLK_NAME(float_decode)(LLK_F32, w, row_bytes, begin, end, n, xe, xo, out);
        else LLK_NAME(float_product)(LLK_F32, w, row_bytes, begin, end, n, xe, xo, row_stride, tokens, out, out_stride);
        break;
    }
}

#pragma clang fp contract(on)
