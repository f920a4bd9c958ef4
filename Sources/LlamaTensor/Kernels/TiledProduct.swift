// The float-weight kernels behind `matrixProduct` (bf16, f16, f32): the tile sizes and
// the reference arithmetic of one output element that every kernel repeats.
// Explained in Documentation/19-Making-It-Fast.md.

/// The kernels behind `matrixProduct`, specialized per weight format.
///
/// Every output element is computed the same way (see `dotOne`): per block of 16 weights,
/// the products with the even and the odd activations are added together first, then to
/// one `SIMD8` accumulator. The accumulator's dependency chain is then one addition per
/// block, short enough that a single row keeps up with memory.
///
/// Decode (one token) walks one, two or four weight rows at a time (see `decodeRows` and
/// `streamRows`). Prefill's tile is 1 row × 4 tokens, what SSE2's registers hold (see
/// `prefillRows`). These are the portable kernels: processors with AVX2 or AVX-512 run
/// the same arithmetic in C (`FloatProduct`).
enum TiledProduct<Format: WeightFormat> {
    static var rowTile: Int { 4 }
    /// The widest rows decode takes one at a time (see `decodeRows`).
    static var singleRowLimit: Int { 4096 }
    /// The widest rows decode takes four at a time through `streamRows`; wider ones go
    /// through `tile4x1` (see `decodeRows`).
    static var streamRowLimit: Int { 8192 }
    static func run(_ weights: Tensor, _ x: SplitActivations, rows tokens: Int,
                    into out: UnsafeMutablePointer<Float>, pool: ThreadPool, walk: DecodeWalk) {
        let outFeatures = weights.shape[0], n = weights.shape[1]
        let base = weights.baseAddress
        let rowBytes = n * Format.byteSize
        // Prefill is long enough to split finer: threads take four chunks each in turn
        // (see `ThreadPool.parallelFor`).
        let chunksPerThread = tokens == 1 ? 1 : 4
        pool.parallelFor(outFeatures, granularity: rowTile, chunksPerThread: chunksPerThread) { range in
            if tokens == 1 {
                decodeRows(range, base: base, rowBytes: rowBytes, n: n, x, out: out, walk: walk)
                return
            }
            prefillRows(range, base: base, rowBytes: rowBytes, n: n, x, tokens: tokens,
                        out: out, outStride: outFeatures)
        }
    }

    /// The reference arithmetic for one output element; every kernel repeats it exactly:
    /// per block of 16 weights, `acc += weights[even] · xEven + weights[odd] · xOdd`; then
    /// the horizontal sum, and the leftover pairs and a last odd element added in order.
    @inline(__always)
    static func dotOne(_ w: UnsafeRawPointer, n: Int, _ x: SplitActivations, token: Int) -> Float {
        // doc: dot-one
        let xe = x.even + token * x.rowStride, xo = x.odd + token * x.rowStride
        var acc = SIMD8<Float>()
        for b in 0..<(n / 16) {
            let p = Format.widenPairs(w, block: b)
            acc += pairProduct(p.even, load8(xe, b), p.odd, load8(xo, b))
        }
        return finish(acc, w, n: n, xe: xe, xo: xo)
        // doc: end
    }
}
