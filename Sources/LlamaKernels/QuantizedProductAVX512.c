// The block-quantized matrix product for x86-64 with AVX-512 (F, BW, VL, VNNI). The same
// 256-bit loops as the AVX2 variant, with two differences that need AVX-512: `vpdpbusd`
// does a unit's byte products and their sums in one instruction, and thirty-two vector
// registers hold a larger prefill tile. The loops are in QuantizedProductBody.h.

#include "LlamaKernels.h"
#include "Variants.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)
#define LLK_VARIANT avx512
#define LLK_WIDE 1
#define LLK_VNNI 1
// 4 rows × 4 tokens: sixteen accumulators, four unpacked units and the activations fit
// thirty-two registers.
#define LLK_PREFILL_ROWS 2
#define LLK_PREFILL_TOKENS 4
#include "QuantizedProductBody.h"
// f16: 4 rows × 4 tokens.
#define LLK_F16_PREFILL_ROWS 4
#define LLK_F16_PREFILL_TOKENS 4
#include "Float16ProductBody.h"
#include "QuantizedProductWide.h"
#include "QuantizedProductEntry.h"
#pragma clang attribute pop
#endif
