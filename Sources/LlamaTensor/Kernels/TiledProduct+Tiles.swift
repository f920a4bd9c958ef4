// The tiles of `TiledProduct`: a few weight rows times a few tokens each, and `finish`,
// which ends every output element in the same order.
// Explained in Documentation/19-Making-It-Fast.md.

extension TiledProduct {
    /// One row times four tokens: the prefill tile (see `prefillRows`).
    @inline(__always)
    static func tile1x4(_ w: UnsafeRawPointer, n: Int, _ x: SplitActivations, token: Int,
                        out: UnsafeMutablePointer<Float>, outStride: Int) {
        let h = x.rowStride
        let xe0 = x.even + token * h, xo0 = x.odd + token * h
        let xe1 = xe0 + h, xo1 = xo0 + h
        let xe2 = xe1 + h, xo2 = xo1 + h
        let xe3 = xe2 + h, xo3 = xo2 + h
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<(n / 16) {
            let p = Format.widenPairs(w, block: b)
            a0 += pairProduct(p.even, load8(xe0, b), p.odd, load8(xo0, b))
            a1 += pairProduct(p.even, load8(xe1, b), p.odd, load8(xo1, b))
            a2 += pairProduct(p.even, load8(xe2, b), p.odd, load8(xo2, b))
            a3 += pairProduct(p.even, load8(xe3, b), p.odd, load8(xo3, b))
        }
        out[0] = finish(a0, w, n: n, xe: xe0, xo: xo0)
        out[outStride] = finish(a1, w, n: n, xe: xe1, xo: xo1)
        out[2 * outStride] = finish(a2, w, n: n, xe: xe2, xo: xo2)
        out[3 * outStride] = finish(a3, w, n: n, xe: xe3, xo: xo3)
    }

    /// Four rows `rowBytes` apart times one token, row `i`'s result to `out[i * outStride]`:
    /// decode's rows longer than `streamRowLimit`, and the parts of a share read side by side
    /// where `DecodeWalk.sideBySideInRegisters` (rows a part apart).
    /// Not inlined: inlined into its caller, LLVM
    /// split its vectors into halves and spilled accumulators to the stack, and the loop runs
    /// at two thirds of the speed. A call per four rows costs nothing.
    @inline(never)
    static func tile4x1(_ w: UnsafeRawPointer, rowBytes: Int, n: Int, _ x: SplitActivations,
                        token: Int, out: UnsafeMutablePointer<Float>, outStride: Int = 1) {
        let xe = x.even + token * x.rowStride, xo = x.odd + token * x.rowStride
        let w0 = w, w1 = w + rowBytes, w2 = w + 2 * rowBytes, w3 = w + 3 * rowBytes
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<(n / 16) {
            let e = load8(xe, b), o = load8(xo, b)
            let p0 = Format.widenPairs(w0, block: b)
            a0 += pairProduct(p0.even, e, p0.odd, o)
            let p1 = Format.widenPairs(w1, block: b)
            a1 += pairProduct(p1.even, e, p1.odd, o)
            let p2 = Format.widenPairs(w2, block: b)
            a2 += pairProduct(p2.even, e, p2.odd, o)
            let p3 = Format.widenPairs(w3, block: b)
            a3 += pairProduct(p3.even, e, p3.odd, o)
        }
        out[0] = finish(a0, w0, n: n, xe: xe, xo: xo)
        out[outStride] = finish(a1, w1, n: n, xe: xe, xo: xo)
        out[2 * outStride] = finish(a2, w2, n: n, xe: xe, xo: xo)
        out[3 * outStride] = finish(a3, w3, n: n, xe: xe, xo: xo)
    }

    /// Horizontal sum of the accumulator, then the pairs after the last full block of 16
    /// and a final odd element, in order.
    @inline(__always)
    static func finish(_ acc: SIMD8<Float>, _ w: UnsafeRawPointer, n: Int,
                       xe: UnsafePointer<Float>, xo: UnsafePointer<Float>) -> Float {
        var s = horizontalSum(acc)
        var p = (n / 16) * 8
        while p < n / 2 {
            s += Format.element(w, 2 * p) * xe[p]
            s += Format.element(w, 2 * p + 1) * xo[p]
            p += 1
        }
        if n % 2 == 1 {
            s += Format.element(w, n - 1) * xe[n / 2]
        }
        return s
    }
}
