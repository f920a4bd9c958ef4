// The kernels for x86-64 with AVX2, FMA and F16C: the block-quantized product
// (QuantizedProductBody.h) and the float product (FloatProductBody.h) on 256-bit registers.

#include "LlamaKernels.h"
#include "Variants.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#define LLK_VARIANT avx2
#define LLK_WIDE 0
#define LLK_VNNI 0
// Block formats, 2 rows × 4 tokens: eight accumulators, two unpacked units and the activations fit
// AVX2's sixteen vector registers.
#define LLK_PREFILL_ROWS 2
#define LLK_PREFILL_TOKENS 4
#include "QuantizedProductBody.h"
#define LLK_FLOAT_PREFILL_ROWS 2
#define LLK_FLOAT_PREFILL_TOKENS 4
#include "FloatProductBody.h"
#include "QuantizedProductEntry.h"
#define LLK_ROOF_LANES 8
#include "ComputeRoofBody.h"
#pragma clang attribute pop
#endif
