// The block-quantized matrix product, written once and compiled once per instruction set:
// KernelsAVX2.c and KernelsAVX512.c include this file after choosing the
// target features (a `#pragma clang attribute` over the whole file), the name suffix
// (`LLK_VARIANT`), the integer dot product (`LLK_VNNI`) and the prefill tile
// (`LLK_PREFILL_ROWS` × `LLK_PREFILL_TOKENS`).
//
// The arithmetic is that of `QuantizedProduct` in LlamaTensor: per unit of 32 weights, an
// exact integer dot product of the weight levels with the activation levels, converted to
// float and multiplied by both scales into an eight-lane accumulator; offsets (Q4_1, Q5_1, Q4_K)
// times the activations' sums added in a separate float; the lanes summed in a fixed order
// at the end. Only the instructions differ: `vpmaddubsw` multiplies unsigned bytes by
// signed bytes and adds neighbours into 16 bits (AVX2), `vpdpbusd` does four at a time into
// 32 bits (AVX-512 VNNI). Neither is reachable from Swift without building the whole
// package for that processor.

#include <immintrin.h>
#include <string.h>

#define LLK_CAT2(a, b) a##_##b
#define LLK_CAT(a, b) LLK_CAT2(a, b)
#define LLK_NAME(name) LLK_CAT(name, LLK_VARIANT)
#ifndef LLK_DECODE_ROWS
#define LLK_DECODE_ROWS 1
#endif
#define LLK_INLINE static inline __attribute__((always_inline))

/// Σ of four neighbouring products of unsigned bytes `u` (at most 127 here) with signed
/// bytes `s`, in eight 32-bit lanes. Exact: with AVX2 the 16-bit pair sums are at most
/// 2 · 128 · 127 < 2^15, so `vpmaddubsw` never saturates.
LLK_INLINE __m256i LLK_NAME(dot_u8)(__m256i u, __m256i s) {
#if LLK_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

/// The same for signed weight levels `w`: |w| times `s` with w's sign (`vpsignb`).
LLK_INLINE __m256i LLK_NAME(dot_s8)(__m256i w, __m256i s) {
    return LLK_NAME(dot_u8)(_mm256_sign_epi8(w, w), _mm256_sign_epi8(s, w));
}

/// IEEE half-precision bits as a float (F16C; exact).
LLK_INLINE float LLK_NAME(half)(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/// Sixteen bytes of nibbles as 32 levels 0...15 in ggml's order: low nibbles are elements
/// 0-15, high nibbles 16-31.
LLK_INLINE __m256i LLK_NAME(nibbles)(const uint8_t *p) {
    __m128i b = _mm_loadu_si128((const __m128i *)p);
    __m128i mask = _mm_set1_epi8(0x0F);
    __m128i low = _mm_and_si128(b, mask), high = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
    return _mm256_set_m128i(high, low);
}

/// One unit of 32 weights, unpacked: its levels, the factor that turns its integer dot
/// product into a float (`scale`), its offset (0 for symmetric formats), and for Q6_K the
/// 16-bit scales of its two halves.
typedef struct {
    __m256i q;
    float scale;
    float offset;
    __m256i halves;
} LLK_NAME(unit);

LLK_INLINE int LLK_NAME(units_per_block)(llk_format f) {
    return (f == LLK_Q4_K || f == LLK_Q6_K) ? 8 : 1;
}

LLK_INLINE size_t LLK_NAME(block_bytes)(llk_format f) {
    switch (f) {
    case LLK_Q8_0: return 34;
    case LLK_Q4_0: return 18;
    case LLK_Q4_1: return 20;
    case LLK_Q4_K: return 144;
    case LLK_Q6_K: return 210;
    case LLK_Q5_0: return 22;
    case LLK_Q5_1: return 24;
    }
    return 0;
}

LLK_INLINE int LLK_NAME(has_offset)(llk_format f) { return f == LLK_Q4_1 || f == LLK_Q4_K || f == LLK_Q5_1; }

/// Bit 4 of Q5's 32 levels: 0x10 in byte i where bit i of the little-endian word at `p` is
/// set. Each byte picks the word's byte i / 8, keeps bit i % 8, and compares.
LLK_INLINE __m256i LLK_NAME(fifth_bits)(const uint8_t *p) {
    uint32_t word;
    memcpy(&word, p, 4);
    const __m256i pick = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)word), pick);
    __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

/// Unit `u` of the block at `b`, as `BlockFormat`'s `unitSum`, `unitScale` and
/// `unitOffset` describe it.
LLK_INLINE LLK_NAME(unit) LLK_NAME(load_unit)(llk_format f, const uint8_t *b, int u) {
    LLK_NAME(unit) r;
    r.offset = 0;
    r.halves = _mm256_setzero_si256();
    switch (f) {
    case LLK_Q8_0:  // d | 32 int8 levels
        r.q = _mm256_loadu_si256((const __m256i *)(b + 2));
        r.scale = LLK_NAME(half)(b);
        break;
    case LLK_Q4_0:  // d | 16 bytes of nibbles; weight = d · (q − 8)
        r.q = _mm256_sub_epi8(LLK_NAME(nibbles)(b + 2), _mm256_set1_epi8(8));
        r.scale = LLK_NAME(half)(b);
        break;
    case LLK_Q4_1:  // d | m | 16 bytes of nibbles; weight = d · q + m
        r.q = LLK_NAME(nibbles)(b + 4);
        r.scale = LLK_NAME(half)(b);
        r.offset = LLK_NAME(half)(b + 2);
        break;
    case LLK_Q5_0:  // d | 4 bytes of fifth bits | 16 bytes of nibbles; weight = d · (q − 16)
        r.q = _mm256_sub_epi8(_mm256_or_si256(LLK_NAME(nibbles)(b + 6), LLK_NAME(fifth_bits)(b + 2)),
                              _mm256_set1_epi8(16));
        r.scale = LLK_NAME(half)(b);
        break;
    case LLK_Q5_1:  // d | m | 4 bytes of fifth bits | 16 bytes of nibbles; weight = d · q + m
        r.q = _mm256_or_si256(LLK_NAME(nibbles)(b + 8), LLK_NAME(fifth_bits)(b + 4));
        r.scale = LLK_NAME(half)(b);
        r.offset = LLK_NAME(half)(b + 2);
        break;
    case LLK_Q4_K: {  // d | dmin | 12 bytes of 6-bit scales and mins | 128 bytes of nibbles
        const uint8_t *s = b + 4;
        int sc, m;
        if (u < 4) {
            sc = s[u] & 63;
            m = s[u + 4] & 63;
        } else {
            sc = (s[u + 4] & 0x0F) | ((s[u - 4] >> 2) & 0x30);
            m = (s[u + 4] >> 4) | ((s[u] >> 2) & 0x30);
        }
        __m256i bytes = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * (u / 2)));
        if (u % 2) bytes = _mm256_srli_epi16(bytes, 4);
        r.q = _mm256_and_si256(bytes, _mm256_set1_epi8(0x0F));
        r.scale = LLK_NAME(half)(b) * (float)sc;
        r.offset = -(LLK_NAME(half)(b + 2) * (float)m);
        break;
    }
    case LLK_Q6_K: {  // ql[128] | qh[64] | 16 int8 scales | d; weight = d · scale · (q − 32)
        int h = u / 4, k = u % 4;
        __m256i low = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32 * (k % 2)));
        __m256i high = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
        if (k >= 2) low = _mm256_srli_epi16(low, 4);
        low = _mm256_and_si256(low, _mm256_set1_epi8(0x0F));
        // Bits 2k and 2k+1 of qh, moved to bits 4 and 5.
        switch (k) {
        case 0: high = _mm256_slli_epi16(high, 4); break;
        case 1: high = _mm256_slli_epi16(high, 2); break;
        case 2: break;
        default: high = _mm256_srli_epi16(high, 2); break;
        }
        high = _mm256_and_si256(high, _mm256_set1_epi8(0x30));
        r.q = _mm256_sub_epi8(_mm256_or_si256(low, high), _mm256_set1_epi8(32));
        const int8_t *scales = (const int8_t *)(b + 192 + 2 * u);
        r.halves = _mm256_set_m128i(_mm_set1_epi16(scales[1]), _mm_set1_epi16(scales[0]));
        r.scale = LLK_NAME(half)(b + 208);
        break;
    }
    }
    return r;
}

/// The unit's exact integer dot product with 32 activation levels `x`, in eight lanes.
/// Bounds: Q8_0, Q4_0 and Q5_0 go through `dot_s8`, Q4_1, Q4_K and Q5_1 (levels 0...31)
/// through `dot_u8`. Q6_K multiplies the 16-bit pair sums (at most 2 · 32 · 127) by its halves'
/// scales (at most 128 in magnitude) with `vpmaddwd`: under 2^22 per lane.
LLK_INLINE __m256i LLK_NAME(unit_dot)(llk_format f, const LLK_NAME(unit) *w, __m256i x) {
    switch (f) {
    case LLK_Q4_1:
    case LLK_Q4_K:
    case LLK_Q5_1:
        return LLK_NAME(dot_u8)(w->q, x);
    case LLK_Q6_K: {
        __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(w->q, w->q), _mm256_sign_epi8(x, w->q));
        return _mm256_madd_epi16(pairs, w->halves);
    }
    default:
        return LLK_NAME(dot_s8)(w->q, x);
    }
}

/// The accumulator's lanes summed in a fixed order (halves, then halves again), then the
/// offsets: the order `QuantizedProduct.total` uses.
LLK_INLINE float LLK_NAME(total)(__m256 acc, float offsets, int with_offset) {
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    __m128 h = _mm_add_ps(q, _mm_movehl_ps(q, q));
    float s = _mm_cvtss_f32(h) + _mm_cvtss_f32(_mm_shuffle_ps(h, h, 1));
    return with_offset ? s + offsets : s;
}

/// R rows × T tokens, each output element exactly as the 1 × 1 tile computes it. R and T
/// are constants where this is inlined, so the arrays live in registers.
LLK_INLINE void LLK_NAME(tile)(llk_format f, int R, int T,
                               const uint8_t *w, size_t row_bytes, size_t blocks, size_t n,
                               const int8_t *x, size_t xstride, const float *xd, const float *xs,
                               float *out, size_t out_stride) {
    enum { MAX_R = 4, MAX_T = 8 };
    const int upb = LLK_NAME(units_per_block)(f);
    const size_t bb = LLK_NAME(block_bytes)(f), units = n / 32;
    __m256 acc[MAX_R][MAX_T];
    float off[MAX_R][MAX_T];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) {
            acc[r][t] = _mm256_setzero_ps();
            off[r][t] = 0;
        }
    for (size_t blk = 0; blk < blocks; blk++) {
        for (int u = 0; u < upb; u++) {
            const size_t unit = blk * (size_t)upb + (size_t)u;
            LLK_NAME(unit) wu[MAX_R];
            for (int r = 0; r < R; r++) wu[r] = LLK_NAME(load_unit)(f, w + r * row_bytes + blk * bb, u);
            for (int t = 0; t < T; t++) {
                __m256i xv = _mm256_loadu_si256((const __m256i *)(x + t * xstride + 32 * unit));
                // The activation scale times 256 (exact): `xd` holds it divided by 256.
                float dx = xd[t * units + unit] * 256.0f;
                for (int r = 0; r < R; r++) {
                    __m256i sum = LLK_NAME(unit_dot)(f, &wu[r], xv);
                    acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_set1_ps(wu[r].scale * dx), acc[r][t]);
                    if (LLK_NAME(has_offset)(f)) off[r][t] += wu[r].offset * xs[t * units + unit];
                }
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++)
            out[t * out_stride + r] = LLK_NAME(total)(acc[r][t], off[r][t], LLK_NAME(has_offset)(f));
}

/// Rows `begin ..< end` times every token: decode (one token) LLK_DECODE_ROWS rows at a
/// time (one: a single sequential stream, since short rows side by side are each a page or
/// two that the prefetchers never get going on); prefill in tiles of LLK_PREFILL_ROWS ×
/// LLK_PREFILL_TOKENS; what is left over one element at a time.
LLK_INLINE void LLK_NAME(product)(llk_format f, const uint8_t *w, size_t row_bytes,
                                  size_t begin, size_t end, size_t n,
                                  const int8_t *x, size_t xstride, const float *xd, const float *xs,
                                  size_t tokens, float *out, size_t out_stride) {
    const size_t blocks = n / (32 * (size_t)LLK_NAME(units_per_block)(f)), units = n / 32;
    size_t r = begin;
    if (tokens == 1) {
        for (; r + LLK_DECODE_ROWS <= end; r += LLK_DECODE_ROWS)
            LLK_NAME(tile)(f, LLK_DECODE_ROWS, 1, w + r * row_bytes, row_bytes, blocks, n, x, xstride, xd, xs, out + r, out_stride);
        for (; r < end; r++)
            LLK_NAME(tile)(f, 1, 1, w + r * row_bytes, row_bytes, blocks, n, x, xstride, xd, xs, out + r, out_stride);
        return;
    }
    const int R = LLK_PREFILL_ROWS, T = LLK_PREFILL_TOKENS;
    for (; r + R <= end; r += R) {
        size_t t = 0;
        for (; t + T <= tokens; t += T)
            LLK_NAME(tile)(f, R, T, w + r * row_bytes, row_bytes, blocks, n,
                           x + t * xstride, xstride, xd + t * units, xs + t * units, out + t * out_stride + r, out_stride);
        for (; t < tokens; t++)
            LLK_NAME(tile)(f, R, 1, w + r * row_bytes, row_bytes, blocks, n,
                           x + t * xstride, xstride, xd + t * units, xs + t * units, out + t * out_stride + r, out_stride);
    }
    for (; r < end; r++)
        for (size_t t = 0; t < tokens; t++)
            LLK_NAME(tile)(f, 1, 1, w + r * row_bytes, row_bytes, blocks, n,
                           x + t * xstride, xstride, xd + t * units, xs + t * units, out + t * out_stride + r, out_stride);
}
