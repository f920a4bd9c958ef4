// The tiles of `TiledProduct`: a few weight rows times a few tokens each, and `finish`,
// which ends every output element in the same order.
// Explained in Documentation/05-Tensors-and-Kernels.md.

extension TiledProduct {
    /// Four rows times eight tokens for AVX-512 builds (`-DSWIFTLLAMA_AVX512`, see
    /// `prefillRows`): each `SIMD16` accumulator holds one row's `SIMD8` lanes for two
    /// tokens side by side, so every lane does exactly what `dotOne` does, on 512-bit
    /// registers. A row's block of weights is widened once for all eight tokens; a pair of
    /// tokens' activations comes in one 64-byte load from the paired copy
    /// (`SplitActivations.pairedEven`), which `run` prepares. Sixteen accumulators, eight
    /// activation registers and one widened row fit AVX-512's 32 registers (the loop has
    /// no stack accesses), and a 128-token prompt is sixteen whole groups.
    ///
    /// Pairing tokens rather than rows needs no insert to put two rows' weights side by side
    /// and no broadcast per token. Fewer rows or more tokens per tile (2 × 12, say) let the
    /// activations outgrow L1; more rows leave too few registers for the tokens.
    @inline(__always)
    static func tile4x8(_ w: UnsafeRawPointer, rowBytes: Int, n: Int, _ x: SplitActivations,
                        token: Int, out: UnsafeMutablePointer<Float>, outStride: Int) {
        // Pair k is tokens token + 2k (low lanes) and token + 2k + 1 (high lanes).
        let stride = x.pairStride
        let pe0 = x.pairedEven + (token / 2) * stride, po0 = x.pairedOdd + (token / 2) * stride
        let pe1 = pe0 + stride, po1 = po0 + stride
        let pe2 = pe1 + stride, po2 = po1 + stride
        let pe3 = pe2 + stride, po3 = po2 + stride
        let w0 = w, w1 = w + rowBytes, w2 = w + 2 * rowBytes, w3 = w + 3 * rowBytes
        var a00 = SIMD16<Float>(), a01 = SIMD16<Float>(), a02 = SIMD16<Float>(), a03 = SIMD16<Float>()
        var a10 = SIMD16<Float>(), a11 = SIMD16<Float>(), a12 = SIMD16<Float>(), a13 = SIMD16<Float>()
        var a20 = SIMD16<Float>(), a21 = SIMD16<Float>(), a22 = SIMD16<Float>(), a23 = SIMD16<Float>()
        var a30 = SIMD16<Float>(), a31 = SIMD16<Float>(), a32 = SIMD16<Float>(), a33 = SIMD16<Float>()
        for b in 0..<(n / 16) {
            let e0 = load16(pe0, b), o0 = load16(po0, b)
            let e1 = load16(pe1, b), o1 = load16(po1, b)
            let e2 = load16(pe2, b), o2 = load16(po2, b)
            let e3 = load16(pe3, b), o3 = load16(po3, b)
            let p0 = Format.widenPairsTwice(w0, block: b)
            a00 += pairProduct(p0.even, e0, p0.odd, o0)
            a01 += pairProduct(p0.even, e1, p0.odd, o1)
            a02 += pairProduct(p0.even, e2, p0.odd, o2)
            a03 += pairProduct(p0.even, e3, p0.odd, o3)
            let p1 = Format.widenPairsTwice(w1, block: b)
            a10 += pairProduct(p1.even, e0, p1.odd, o0)
            a11 += pairProduct(p1.even, e1, p1.odd, o1)
            a12 += pairProduct(p1.even, e2, p1.odd, o2)
            a13 += pairProduct(p1.even, e3, p1.odd, o3)
            let p2 = Format.widenPairsTwice(w2, block: b)
            a20 += pairProduct(p2.even, e0, p2.odd, o0)
            a21 += pairProduct(p2.even, e1, p2.odd, o1)
            a22 += pairProduct(p2.even, e2, p2.odd, o2)
            a23 += pairProduct(p2.even, e3, p2.odd, o3)
            let p3 = Format.widenPairsTwice(w3, block: b)
            a30 += pairProduct(p3.even, e0, p3.odd, o0)
            a31 += pairProduct(p3.even, e1, p3.odd, o1)
            a32 += pairProduct(p3.even, e2, p3.odd, o2)
            a33 += pairProduct(p3.even, e3, p3.odd, o3)
        }
        let h = x.halfWidth
        func store(_ acc: SIMD16<Float>, row: Int, pair: Int) {
            let r = w + row * rowBytes, t = token + 2 * pair
            let xe = x.even + t * h, xo = x.odd + t * h
            out[2 * pair * outStride + row] = finish(acc.lowHalf, r, n: n, xe: xe, xo: xo)
            out[(2 * pair + 1) * outStride + row] = finish(acc.highHalf, r, n: n, xe: xe + h, xo: xo + h)
        }
        store(a00, row: 0, pair: 0); store(a01, row: 0, pair: 1); store(a02, row: 0, pair: 2); store(a03, row: 0, pair: 3)
        store(a10, row: 1, pair: 0); store(a11, row: 1, pair: 1); store(a12, row: 1, pair: 2); store(a13, row: 1, pair: 3)
        store(a20, row: 2, pair: 0); store(a21, row: 2, pair: 1); store(a22, row: 2, pair: 2); store(a23, row: 2, pair: 3)
        store(a30, row: 3, pair: 0); store(a31, row: 3, pair: 1); store(a32, row: 3, pair: 2); store(a33, row: 3, pair: 3)
    }

    /// One row times four tokens: the SSE2 prefill tile (see `prefillRows`).
    @inline(__always)
    static func tile1x4(_ w: UnsafeRawPointer, n: Int, _ x: SplitActivations, token: Int,
                        out: UnsafeMutablePointer<Float>, outStride: Int) {
        let h = x.halfWidth
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
    /// decode's rows longer than `streamRowLimit`, the parts of a share read side by side
    /// where `DecodeWalk.sideBySideInRegisters` (rows a part apart), and prefill's tokens
    /// left over after the last whole group of two in FMA builds (see `blockRows`).
    /// Not inlined: inlined into its caller, LLVM
    /// split its vectors into halves and spilled accumulators to the stack, and the loop runs
    /// at two thirds of the speed. A call per four rows costs nothing.
    @inline(never)
    static func tile4x1(_ w: UnsafeRawPointer, rowBytes: Int, n: Int, _ x: SplitActivations,
                        token: Int, out: UnsafeMutablePointer<Float>, outStride: Int = 1) {
        let xe = x.even + token * x.halfWidth, xo = x.odd + token * x.halfWidth
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

    /// Four rows times two tokens: the prefill tile of FMA builds without AVX-512 (see
    /// `prefillRows`). Eight accumulators, two widened weight vectors and four activation
    /// vectors: fourteen of the sixteen ymm registers, so nothing goes to the stack.
    @inline(__always)
    static func tile4x2(_ w: UnsafeRawPointer, rowBytes: Int, n: Int, _ x: SplitActivations,
                        token: Int, out: UnsafeMutablePointer<Float>, outStride: Int) {
        let h = x.halfWidth
        let xe0 = x.even + token * h, xo0 = x.odd + token * h
        let xe1 = xe0 + h, xo1 = xo0 + h
        let w0 = w, w1 = w + rowBytes, w2 = w + 2 * rowBytes, w3 = w + 3 * rowBytes
        var a00 = SIMD8<Float>(), a01 = SIMD8<Float>()
        var a10 = SIMD8<Float>(), a11 = SIMD8<Float>()
        var a20 = SIMD8<Float>(), a21 = SIMD8<Float>()
        var a30 = SIMD8<Float>(), a31 = SIMD8<Float>()
        // The loop has a second exit, on the weight pointer, that ends it exactly when the
        // count does. It is there for LLVM: with `-target-cpu znver3` it unrolls a loop with
        // one exit twice, schedules the two copies into each other and spills accumulators;
        // a loop with two exits it leaves alone, and this one then has no stack accesses
        // (about 1.2 × the unrolled loop's rate). An exit on `b` itself does not work: LLVM
        // folds it into the loop's own condition.
        let blocks = n / 16
        let blockBytes = 16 * Format.byteSize
        let lastBlock = w0 + (blocks - 1) * blockBytes
        var b = 0
        while b < blocks {
            // Widen each weight group once and use it for both tokens.
            let e0 = load8(xe0, b), o0 = load8(xo0, b)
            let e1 = load8(xe1, b), o1 = load8(xo1, b)
            let p0 = Format.widenPairs(w0, block: b)
            a00 += pairProduct(p0.even, e0, p0.odd, o0)
            a01 += pairProduct(p0.even, e1, p0.odd, o1)
            let p1 = Format.widenPairs(w1, block: b)
            a10 += pairProduct(p1.even, e0, p1.odd, o0)
            a11 += pairProduct(p1.even, e1, p1.odd, o1)
            let p2 = Format.widenPairs(w2, block: b)
            a20 += pairProduct(p2.even, e0, p2.odd, o0)
            a21 += pairProduct(p2.even, e1, p2.odd, o1)
            let p3 = Format.widenPairs(w3, block: b)
            a30 += pairProduct(p3.even, e0, p3.odd, o0)
            a31 += pairProduct(p3.even, e1, p3.odd, o1)
            if w0 + b &* blockBytes == lastBlock { break }
            b += 1
        }
        out[0] = finish(a00, w0, n: n, xe: xe0, xo: xo0)
        out[1] = finish(a10, w1, n: n, xe: xe0, xo: xo0)
        out[2] = finish(a20, w2, n: n, xe: xe0, xo: xo0)
        out[3] = finish(a30, w3, n: n, xe: xe0, xo: xo0)
        let out1 = out + outStride
        out1[0] = finish(a01, w0, n: n, xe: xe1, xo: xo1)
        out1[1] = finish(a11, w1, n: n, xe: xe1, xo: xo1)
        out1[2] = finish(a21, w2, n: n, xe: xe1, xo: xo1)
        out1[3] = finish(a31, w3, n: n, xe: xe1, xo: xo1)
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
