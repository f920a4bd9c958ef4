// The float-weight matrix product (bf16, f16, f32) on the C kernels, for processors that
// have AVX2 or AVX-512. Explained in Documentation/20-Performance.md.

import LlamaKernels

/// `matrixProduct` for bf16, f16 and f32 weights through `llk_float_product`: the same
/// arithmetic as the portable Swift loops (`TiledProduct.dotOne`), so the same bits, with
/// widening in one or two instructions (F16C for f16) and a prefill tile of rows × tokens
/// in wider registers than a baseline x86-64 build may use. Rows are split across threads
/// as for the other formats; each thread's share is one call.
enum FloatProduct {
    static func run(_ weights: Tensor, _ x: SplitActivations, rows tokens: Int,
                    into out: UnsafeMutablePointer<Float>, pool: ThreadPool, instructionSet: InstructionSet) {
        let outFeatures = weights.shape[0], n = weights.shape[1]
        let format: llk_float_format
        switch weights.dtype {
        case .bf16: format = LLK_BF16
        case .f16: format = LLK_F16
        default: format = LLK_F32
        }
        let base = weights.baseAddress, isa = instructionSet.kernelISA
        let rowBytes = n * weights.dtype.blockByteSize
        let xe = UnsafePointer(x.even), xo = UnsafePointer(x.odd), rowStride = x.rowStride
        // Prefill is long enough to split finer: threads take four chunks each in turn.
        pool.parallelFor(outFeatures, granularity: 4, chunksPerThread: tokens == 1 ? 1 : 4) { range in
            llk_float_product(isa, format, base, rowBytes, range.lowerBound, range.upperBound, n, xe, xo, rowStride,
                              tokens, out, outFeatures)
        }
    }
}
