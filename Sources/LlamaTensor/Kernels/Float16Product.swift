// The f16 matrix product on the C kernels (F16C's widening), for processors that have it.
// Explained in Documentation/13-Performance.md.

import LlamaKernels

/// `matrixProduct` for f16 weights through `llk_float16_product`: the processor widens
/// eight halves per instruction, where the portable Swift loops (`Float16Weights`) spend
/// about a dozen operations on each eight. Rows are split across threads as for the other
/// formats; each thread's share is one call.
enum Float16Product {
    static func run(_ weights: Tensor, _ x: SplitActivations, rows tokens: Int,
                    into out: UnsafeMutablePointer<Float>, pool: ThreadPool, instructionSet: InstructionSet) {
        let outFeatures = weights.shape[0], n = weights.shape[1]
        let base = weights.baseAddress, isa = instructionSet.kernelISA
        let xs = UnsafePointer(x.prepareNatural())
        pool.parallelFor(outFeatures, granularity: 4, chunksPerThread: tokens == 1 ? 1 : 4) { range in
            llk_float16_product(isa, base, n * 2, range.lowerBound, range.upperBound, n, xs, tokens, out, outFeatures)
        }
    }
}
