// The block-quantized matrix product on 512-bit registers, for the AVX-512 variant
// (included by KernelsAVX512.c after QuantizedProductBody.h). Rows whose length is
// a multiple of 256 go through here; other rows through the 256-bit loops of the body.
//
// The 256-bit loops spend about seventeen instructions on each unit of 32 weights, and for
// 4-bit formats that, not memory, limits decode. Here two units share each instruction, and
// the work per unit that does not need to be per unit is done per group of eight:
//
// - The weight levels of two units fill one register. The integer product is `vpdpbusd`,
//   which multiplies unsigned bytes by signed ones, so signed levels are stored shifted by
//   k (Q8_0: w + 128; Q4_0: the nibble itself, k = 8; Q5_0: k = 16; Q6_K: k = 32) and the dot product
//   starts from −k · Σx instead of 0: `SplitActivations.quantizedCorrections` holds −Σx of
//   every sixteen activations, spread to the lanes where each sixteen's sum begins
//   (`spread_corrections`), and a shift by log2 k makes the correction. The result is the
//   exact integer Σ (w − k) · x, as before.
// - Each unit's scale times the activations' scale is one lane of an eight-lane product
//   made once per group (eight halves widened at once, times eight activation scales), and
//   spread over the unit's lanes with one permutation.
// - Offsets (Q4_1, Q5_1, Q4_K) are eight lanes of `m · s` per group, summed at the end.
//
// Every output element is computed with the same operations in the same order whether its
// token is alone (decode) or one of many (prefill), so the two agree bit for bit.

#define LLK_WIDE_DECODE_ROWS 1
#define LLK_WIDE_TOKENS 4

/// Rows per prefill tile: four where the format's tile fits the 32 registers (formats with
/// one scale per unit and nothing else), two where offsets or Q6_K's sixteen-weight scales
/// add live registers and four rows would spill them to memory.
LLK_INLINE int LLK_NAME(wide_rows)(llk_format f) {
    return f == LLK_Q8_0 || f == LLK_Q4_0 || f == LLK_Q5_0 ? 4 : 2;
}

/// The byte shift k of signed levels as stored (see above), as log2 k; 0 for unsigned
/// formats, which need no correction.
LLK_INLINE int LLK_NAME(wide_shift)(llk_format f) {
    switch (f) {
    case LLK_Q8_0: return 7;
    case LLK_Q4_0: return 3;
    case LLK_Q6_K: return 5;
    case LLK_Q5_0: return 4;
    default: return 0;
    }
}

/// Eight f16 values `stride` bytes apart as floats. Gathered in a register, lane by lane:
/// stored to memory one by one and loaded as a vector, they would wait for the stores
/// (a store-to-load forwarding stall on every group).
LLK_INLINE __m256 LLK_NAME(eight_halves)(const uint8_t *p, size_t stride) {
    uint16_t h[8];
    for (int i = 0; i < 8; i++) memcpy(&h[i], p + i * stride, 2);
    __m128i v = _mm_cvtsi32_si128(h[0]);
    v = _mm_insert_epi16(v, h[1], 1);
    v = _mm_insert_epi16(v, h[2], 2);
    v = _mm_insert_epi16(v, h[3], 3);
    v = _mm_insert_epi16(v, h[4], 4);
    v = _mm_insert_epi16(v, h[5], 5);
    v = _mm_insert_epi16(v, h[6], 6);
    v = _mm_insert_epi16(v, h[7], 7);
    return _mm256_cvtph_ps(v);
}

/// The eight unit scales of the group at `g` (units `d` for single-unit formats, `d · sc_j`
/// for Q4_K, `d` for every unit of Q6_K, whose sixteen-weight scales are integers applied
/// in `wide_levels`' product), times 256; and for formats with an offset the eight offsets.
LLK_INLINE __m256 LLK_NAME(group_scales)(llk_format f, const uint8_t *g, __m256 *offsets) {
    const size_t bb = LLK_NAME(block_bytes)(f);
    const __m256 k256 = _mm256_set1_ps(256.0f);
    switch (f) {
    case LLK_Q4_1:
    case LLK_Q5_1:
        *offsets = LLK_NAME(eight_halves)(g + 2, bb);
        return _mm256_mul_ps(LLK_NAME(eight_halves)(g, bb), k256);
    case LLK_Q4_K: {
        // The eight 6-bit scales and mins as bytes: scales of units 0-3 are the low six bits
        // of bytes 0-3 and their mins those of bytes 4-7; units 4-7 take their low four bits
        // from bytes 8-11 and their top two from the top of bytes 0-3 (scales) and 4-7 (mins).
        uint32_t u[4];
        memcpy(u, g + 4, 12);
        const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, low2 = 0x03030303;
        u[3] = ((u[2] >> 4) & low4) | (((u[1] >> 6) & low2) << 4);
        const uint32_t firstMins = u[1] & low6;
        u[1] = (u[2] & low4) | (((u[0] >> 6) & low2) << 4);
        u[2] = firstMins;
        u[0] &= low6;
        __m256 sc = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)&u[0])));
        __m256 m = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)&u[2])));
        const float d = LLK_NAME(half)(g), dmin = LLK_NAME(half)(g + 2);
        // −(dmin · m_j) and d · sc_j, as the 256-bit loops compute them.
        *offsets = _mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(_mm256_set1_ps(dmin), m));
        return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(d), sc), k256);
    }
    case LLK_Q6_K:
        return _mm256_mul_ps(_mm256_set1_ps(LLK_NAME(half)(g + 208)), k256);
    default:
        return _mm256_mul_ps(LLK_NAME(eight_halves)(g, bb), k256);
    }
}

/// The levels of units 2p and 2p + 1 of the group at `g` as unsigned bytes (signed formats
/// shifted by k, see above), in the activations' order; for Q6_K also the sixteen-weight
/// scales of the four halves, one per four lanes of the product.
LLK_INLINE __m512i LLK_NAME(wide_levels)(llk_format f, const uint8_t *g, int p, __m512i *scales) {
    const size_t bb = LLK_NAME(block_bytes)(f);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    switch (f) {
    case LLK_Q8_0: {
        const uint8_t *b = g + 2 * p * bb;
        __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(b + 2))),
                                       _mm256_loadu_si256((const __m256i *)(b + bb + 2)), 1);
        return _mm512_xor_si512(q, _mm512_set1_epi8((char)0x80));
    }
    case LLK_Q4_0:
    case LLK_Q4_1:
    case LLK_Q5_0:
    case LLK_Q5_1: {
        const size_t at = f == LLK_Q4_0 ? 2 : f == LLK_Q4_1 ? 4 : f == LLK_Q5_0 ? 6 : 8;
        const uint8_t *b = g + 2 * p * bb;
        // [block 0's 16 bytes, block 1's] copied to [b0, b0, b1, b1]; the second copy of
        // each shifted by four gives the high nibbles.
        __m256i two = _mm256_loadu2_m128i((const __m128i *)(b + bb + at), (const __m128i *)(b + at));
        __m512i q = _mm512_permutexvar_epi64(_mm512_set_epi64(3, 2, 3, 2, 1, 0, 1, 0), _mm512_castsi256_si512(two));
        q = _mm512_srlv_epi16(q, _mm512_set_epi64(0x0004000400040004LL, 0x0004000400040004LL, 0, 0,
                                                  0x0004000400040004LL, 0x0004000400040004LL, 0, 0));
        q = _mm512_and_si512(q, low4);
        if (f == LLK_Q5_0 || f == LLK_Q5_1) {
            // The fifth bits of both blocks, bit i of the mask for byte i: the levels are
            // block 0's 32 then block 1's, in element order.
            uint32_t first, second;
            memcpy(&first, b + at - 4, 4);
            memcpy(&second, b + bb + at - 4, 4);
            const __mmask64 fifth = (__mmask64)first | ((__mmask64)second << 32);
            q = _mm512_or_si512(q, _mm512_maskz_mov_epi8(fifth, _mm512_set1_epi8(0x10)));
        }
        return q;
    }
    case LLK_Q4_K: {
        // Units 2p and 2p + 1 are the low and high nibbles of the same 32 bytes.
        __m512i q = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(g + 16 + 32 * p)));
        q = _mm512_srlv_epi16(q, _mm512_set_epi64(0x0004000400040004LL, 0x0004000400040004LL,
                                                  0x0004000400040004LL, 0x0004000400040004LL, 0, 0, 0, 0));
        return _mm512_and_si512(q, low4);
    }
    case LLK_Q6_K: {
        // Units 4h + 2o and 4h + 2o + 1 (h = p / 2, o = p % 2): low (o = 0) or high nibbles of
        // ql bytes 64h ..< 64h + 64, with bits 4o, 4o + 1 (first unit) and 4o + 2, 4o + 3
        // (second) of qh bytes 32h ..< 32h + 32 on top.
        const int h = p / 2, o = p % 2;
        __m512i ql = _mm512_loadu_si512((const void *)(g + 64 * h));
        if (o) ql = _mm512_srli_epi16(ql, 4);
        ql = _mm512_and_si512(ql, low4);
        __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(g + 128 + 32 * h)));
        const __m512i halves = _mm512_set_epi64(0x0002000200020002LL, 0x0002000200020002LL,
                                                0x0002000200020002LL, 0x0002000200020002LL, 0, 0, 0, 0);
        if (o) qh = _mm512_srlv_epi16(qh, halves);
        else qh = _mm512_sllv_epi16(qh, _mm512_sub_epi16(_mm512_set1_epi16(4), halves));
        qh = _mm512_and_si512(qh, _mm512_set1_epi8(0x30));
        // Scale bytes 4p ..< 4p + 4, each repeated over the four lanes of its sixteen weights.
        __m128i sc = _mm_loadu_si128((const __m128i *)(g + 192));
        __m128i pick = _mm_add_epi8(_mm_set1_epi8((char)(4 * p)),
                                    _mm_set_epi8(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0));
        *scales = _mm512_cvtepi8_epi32(_mm_shuffle_epi8(sc, pick));
        return _mm512_or_si512(ql, qh);
    }
    }
    return _mm512_setzero_si512();
}

/// The corrections of sixty-four activations (four sixteens, one int32 each) in the lanes
/// where each sixteen's dot product begins: lanes 0, 4, 8 and 12, the others zero. Stored
/// one per sixteen, they take a quarter of the room they would take lane for lane, which
/// keeps a long row's activations and corrections in the first-level cache beside the
/// weights streaming through it.
LLK_INLINE __m512i LLK_NAME(spread_corrections)(const int32_t *c) {
    return _mm512_maskz_permutexvar_epi32((__mmask16)0x1111, _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0),
                                          _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)c)));
}

/// R rows × T tokens (R ≤ 4, T ≤ 8) over whole rows, group by group; each output element
/// computed exactly as in the 1 × 1 tile.
LLK_INLINE void LLK_NAME(wide_tile)(llk_format f, int R, int T, const uint8_t *w, size_t row_bytes, size_t n,
                                    const int8_t *x, size_t xstride, const float *xd, const float *xs, const int32_t *xc,
                                    float *out, size_t out_stride) {
    const int shift = LLK_NAME(wide_shift)(f), withOffset = LLK_NAME(has_offset)(f);
    const size_t groupBytes = 8 * LLK_NAME(block_bytes)(f) / (size_t)LLK_NAME(units_per_block)(f);
    const size_t groups = n / 256, units = n / 32;
    __m512 acc[4][8];
    __m256 off[4][8];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) {
            acc[r][t] = _mm512_setzero_ps();
            off[r][t] = _mm256_setzero_ps();
        }
    const __m512i upper = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    for (size_t gi = 0; gi < groups; gi++) {
        __m256 unitScale[4][8];
        for (int r = 0; r < R; r++) {
            __m256 offsets = _mm256_setzero_ps();
            const __m256 scales = LLK_NAME(group_scales)(f, w + r * row_bytes + gi * groupBytes, &offsets);
            for (int t = 0; t < T; t++) {
                unitScale[r][t] = _mm256_mul_ps(scales, _mm256_loadu_ps(xd + t * units + 8 * gi));
                if (withOffset) off[r][t] = _mm256_fmadd_ps(offsets, _mm256_loadu_ps(xs + t * units + 8 * gi), off[r][t]);
            }
        }
        for (int p = 0; p < 4; p++) {
            __m512i q[4], sixteen[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
            for (int r = 0; r < R; r++) q[r] = LLK_NAME(wide_levels)(f, w + r * row_bytes + gi * groupBytes, p, &sixteen[r]);
            const __m512i spread = _mm512_add_epi32(_mm512_set1_epi32(2 * p), upper);
            const size_t at = 256 * gi + 64 * (size_t)p;
            for (int t = 0; t < T; t++) {
                const __m512i xv = _mm512_loadu_si512((const void *)(x + t * xstride + at));
                __m512i start = _mm512_setzero_si512();
                if (shift) start = _mm512_slli_epi32(LLK_NAME(spread_corrections)(xc + t * (xstride / 16) + at / 16), shift);
                for (int r = 0; r < R; r++) {
                    __m512i sum = _mm512_dpbusd_epi32(start, q[r], xv);
                    if (f == LLK_Q6_K) sum = _mm512_mullo_epi32(sum, sixteen[r]);
                    const __m512 s = _mm512_permutexvar_ps(spread, _mm512_castps256_ps512(unitScale[r][t]));
                    acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), s, acc[r][t]);
                }
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) {
            const __m512 a = acc[r][t];
            const __m256 folded = _mm256_add_ps(_mm512_castps512_ps256(a),
                                                _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
            const float offset = withOffset ? LLK_NAME(total)(off[r][t], 0, 0) : 0;
            out[t * out_stride + r] = LLK_NAME(total)(folded, offset, withOffset);
        }
}

/// Rows `begin ..< end` on 512-bit registers: decode LLK_WIDE_DECODE_ROWS rows at a time,
/// prefill `wide_rows` rows × LLK_WIDE_TOKENS tokens (the rows' levels unpacked once for
/// them, each token's activations loaded once for the rows); what is left over one row or
/// one token at a time.
LLK_INLINE void LLK_NAME(wide_product)(llk_format f, const uint8_t *w, size_t row_bytes,
                                       size_t begin, size_t end, size_t n,
                                       const int8_t *x, size_t xstride, const float *xd, const float *xs, const int32_t *xc,
                                       size_t tokens, float *out, size_t out_stride) {
    const size_t units = n / 32;
    size_t r = begin;
    if (tokens == 1) {
        for (; r + LLK_WIDE_DECODE_ROWS <= end; r += LLK_WIDE_DECODE_ROWS)
            LLK_NAME(wide_tile)(f, LLK_WIDE_DECODE_ROWS, 1, w + r * row_bytes, row_bytes, n, x, xstride, xd, xs, xc, out + r, out_stride);
        for (; r < end; r++)
            LLK_NAME(wide_tile)(f, 1, 1, w + r * row_bytes, row_bytes, n, x, xstride, xd, xs, xc, out + r, out_stride);
        return;
    }
    const int R = LLK_NAME(wide_rows)(f), T = LLK_WIDE_TOKENS;
    for (; r + R <= end; r += R) {
        size_t t = 0;
        for (; t + T <= tokens; t += T)
            LLK_NAME(wide_tile)(f, R, T, w + r * row_bytes, row_bytes, n, x + t * xstride, xstride, xd + t * units, xs + t * units,
                                xc + t * (xstride / 16), out + t * out_stride + r, out_stride);
        for (; t < tokens; t++)
            LLK_NAME(wide_tile)(f, R, 1, w + r * row_bytes, row_bytes, n, x + t * xstride, xstride, xd + t * units, xs + t * units,
                                xc + t * (xstride / 16), out + t * out_stride + r, out_stride);
    }
    for (; r < end; r++)
        for (size_t t = 0; t < tokens; t++)
            LLK_NAME(wide_tile)(f, 1, 1, w + r * row_bytes, row_bytes, n, x + t * xstride, xstride, xd + t * units, xs + t * units,
                                xc + t * (xstride / 16), out + t * out_stride + r, out_stride);
}
