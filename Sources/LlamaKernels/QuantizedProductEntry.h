// The entry point of a variant (included last by KernelsAVX2.c and
// KernelsAVX512.c): the product specialized per format, so each format's loops are
// compiled with its unpacking inlined. Variants with 512-bit loops (`LLK_WIDE`) take rows
// whose length is a multiple of 256 there.

void LLK_NAME(llk_quantized_product)(llk_format f, const void *weights, size_t row_bytes,
                                     size_t begin, size_t end, size_t n,
                                     const int8_t *x, size_t xstride, const float *xd, const float *xs, const int32_t *xc,
                                     size_t tokens, float *out, size_t out_stride) {
    const uint8_t *w = (const uint8_t *)weights;
#if LLK_WIDE
    if (n % 256 == 0) {
        switch (f) {
        case LLK_Q8_0: LLK_NAME(wide_product)(LLK_Q8_0, w, row_bytes, begin, end, n, x, xstride, xd, xs, xc, tokens, out, out_stride); break;
        case LLK_Q4_0: LLK_NAME(wide_product)(LLK_Q4_0, w, row_bytes, begin, end, n, x, xstride, xd, xs, xc, tokens, out, out_stride); break;
        case LLK_Q4_1: LLK_NAME(wide_product)(LLK_Q4_1, w, row_bytes, begin, end, n, x, xstride, xd, xs, xc, tokens, out, out_stride); break;
        case LLK_Q4_K: LLK_NAME(wide_product)(LLK_Q4_K, w, row_bytes, begin, end, n, x, xstride, xd, xs, xc, tokens, out, out_stride); break;
        case LLK_Q6_K: LLK_NAME(wide_product)(LLK_Q6_K, w, row_bytes, begin, end, n, x, xstride, xd, xs, xc, tokens, out, out_stride); break;
        case LLK_Q5_0: LLK_NAME(wide_product)(LLK_Q5_0, w, row_bytes, begin, end, n, x, xstride, xd, xs, xc, tokens, out, out_stride); break;
        case LLK_Q5_1: LLK_NAME(wide_product)(LLK_Q5_1, w, row_bytes, begin, end, n, x, xstride, xd, xs, xc, tokens, out, out_stride); break;
        }
        return;
    }
#else
    (void)xc;
#endif
    switch (f) {
    case LLK_Q8_0: LLK_NAME(product)(LLK_Q8_0, w, row_bytes, begin, end, n, x, xstride, xd, xs, tokens, out, out_stride); break;
    case LLK_Q4_0: LLK_NAME(product)(LLK_Q4_0, w, row_bytes, begin, end, n, x, xstride, xd, xs, tokens, out, out_stride); break;
    case LLK_Q4_1: LLK_NAME(product)(LLK_Q4_1, w, row_bytes, begin, end, n, x, xstride, xd, xs, tokens, out, out_stride); break;
    case LLK_Q4_K: LLK_NAME(product)(LLK_Q4_K, w, row_bytes, begin, end, n, x, xstride, xd, xs, tokens, out, out_stride); break;
    case LLK_Q6_K: LLK_NAME(product)(LLK_Q6_K, w, row_bytes, begin, end, n, x, xstride, xd, xs, tokens, out, out_stride); break;
    case LLK_Q5_0: LLK_NAME(product)(LLK_Q5_0, w, row_bytes, begin, end, n, x, xstride, xd, xs, tokens, out, out_stride); break;
    case LLK_Q5_1: LLK_NAME(product)(LLK_Q5_1, w, row_bytes, begin, end, n, x, xstride, xd, xs, tokens, out, out_stride); break;
    }
}
