// The kernels for x86-64 with AVX-512 (F, BW, VL, VNNI): the block-quantized product on
// 512-bit registers for rows of whole groups of 256 (QuantizedProductWide.h), with
// `vpdpbusd` doing a unit's byte products and their sums in one instruction; the 256-bit
// loops of QuantizedProductBody.h for other rows; the float product (FloatProductBody.h) on
// 512-bit registers. Thirty-two vector registers hold larger tiles than AVX2's sixteen.

#include "LlamaKernels.h"
#include "Variants.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)
#define LLK_VARIANT avx512
#define LLK_WIDE 1
#define LLK_VNNI 1
// Block formats in the 256-bit loops, 2 rows × 4 tokens (rows of whole groups of 256 take
// the 512-bit loops, QuantizedProductWide.h); float formats 4 rows × 8 tokens, two tokens per
// 512-bit register: sixteen accumulators, eight widened weight registers and the activations fit
// thirty-two registers.
#define LLK_PREFILL_ROWS 2
#define LLK_PREFILL_TOKENS 4
#include "QuantizedProductBody.h"
#define LLK_FLOAT_PREFILL_ROWS 4
#define LLK_FLOAT_PREFILL_TOKENS 8
#include "FloatProductBody.h"
#include "QuantizedProductWide.h"
#include "QuantizedProductEntry.h"
#define LLK_ROOF_LANES 16
#include "ComputeRoofBody.h"
#pragma clang attribute pop
#endif
