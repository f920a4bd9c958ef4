// The multiply-add rate of a variant, for `llama-bench`'s compute roof (included by
// KernelsAVX2.c and KernelsAVX512.c after QuantizedProductBody.h): twelve independent
// chains of `a = a · m + c` on the variant's widest registers, each a separate multiply
// and add as the float kernels do them (FloatProductBody.h), enough chains to cover both
// latencies on every pipe.

#pragma clang fp contract(off)

/// Runs `iterations` steps of the twelve chains and returns their sum (so the work
/// cannot be dropped); each step is 12 × LLK_ROOF_LANES multiply-adds.
float LLK_NAME(llk_multiply_add_chains)(size_t iterations, float seed) {
#if LLK_WIDE
    typedef __m512 vec;
#define LLK_ROOF_SET(x) _mm512_set1_ps(x)
#define LLK_ROOF_STEP(a) a = _mm512_add_ps(_mm512_mul_ps(a, m), c)
#define LLK_ROOF_ADD(a, b) _mm512_add_ps(a, b)
#else
    typedef __m256 vec;
#define LLK_ROOF_SET(x) _mm256_set1_ps(x)
#define LLK_ROOF_STEP(a) a = _mm256_add_ps(_mm256_mul_ps(a, m), c)
#define LLK_ROOF_ADD(a, b) _mm256_add_ps(a, b)
#endif
    const vec m = LLK_ROOF_SET(0.999999f), c = LLK_ROOF_SET(1e-7f);
    vec a0 = LLK_ROOF_SET(seed), a1 = LLK_ROOF_SET(seed + 1), a2 = LLK_ROOF_SET(seed + 2), a3 = LLK_ROOF_SET(seed + 3);
    vec a4 = LLK_ROOF_SET(seed + 4), a5 = LLK_ROOF_SET(seed + 5), a6 = LLK_ROOF_SET(seed + 6), a7 = LLK_ROOF_SET(seed + 7);
    vec a8 = LLK_ROOF_SET(seed + 8), a9 = LLK_ROOF_SET(seed + 9), a10 = LLK_ROOF_SET(seed + 10), a11 = LLK_ROOF_SET(seed + 11);
    for (size_t i = 0; i < iterations; i++) {
        LLK_ROOF_STEP(a0); LLK_ROOF_STEP(a1); LLK_ROOF_STEP(a2); LLK_ROOF_STEP(a3);
        LLK_ROOF_STEP(a4); LLK_ROOF_STEP(a5); LLK_ROOF_STEP(a6); LLK_ROOF_STEP(a7);
        LLK_ROOF_STEP(a8); LLK_ROOF_STEP(a9); LLK_ROOF_STEP(a10); LLK_ROOF_STEP(a11);
    }
    vec s = LLK_ROOF_ADD(LLK_ROOF_ADD(LLK_ROOF_ADD(a0, a1), LLK_ROOF_ADD(a2, a3)), LLK_ROOF_ADD(LLK_ROOF_ADD(a4, a5), LLK_ROOF_ADD(a6, a7)));
    s = LLK_ROOF_ADD(s, LLK_ROOF_ADD(LLK_ROOF_ADD(a8, a9), LLK_ROOF_ADD(a10, a11)));
    float lanes[LLK_ROOF_LANES];
    memcpy(lanes, &s, sizeof lanes);
    float total = 0;
    for (int i = 0; i < LLK_ROOF_LANES; i++) total += lanes[i];
    return total;
#undef LLK_ROOF_SET
#undef LLK_ROOF_STEP
#undef LLK_ROOF_ADD
}

#pragma clang fp contract(on)
