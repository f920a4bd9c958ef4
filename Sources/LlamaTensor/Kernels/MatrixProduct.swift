// Weight matrix times activations: the matrix-vector product of decode and the
// matrix-matrix product of prefill. Explained in Documentation/05-Tensors-and-Kernels.md.

/// `out[r] = Σ_c weights[r, c] · x[c]`: one decode step's linear layer.
///
/// - Parameters:
///   - weights: `[outFeatures, inFeatures]`, bf16, f16, f32 or a block format (q8_0, q4_0, q4_1, q4_K, q6_K), row-major (PyTorch's
///     `nn.Linear.weight` layout).
///   - x: Activations with `x.width == inFeatures`; row 0 is used.
///   - out: `outFeatures` floats.
///   - pool: Splits the rows of `weights` across threads.
/// - Complexity: O(outFeatures × inFeatures); reads every weight once, allocates nothing.
///   Memory-bound: its speed is the memory bandwidth divided by the weight bytes.
public func matrixVectorProduct(_ weights: Tensor, _ x: SplitActivations,
                                into out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    matrixProduct(weights, x, rows: 1, into: out, pool: pool)
}

/// `out[t, r] = Σ_c weights[r, c] · x[t, c]` for `rows` activation rows: prefill's linear
/// layers, one weight read for many tokens.
///
/// Each output element is computed with the same sequence of operations whatever the tile,
/// the thread count or the number of rows, so the result of a token is bit-identical to
/// what `matrixVectorProduct` gives for it alone. That keeps prefill and decode in exact
/// agreement, and the output independent of the thread count.
///
/// - Parameters:
///   - weights: `[outFeatures, inFeatures]`, bf16, f16, f32 or a block format (q8_0, q4_0, q4_1, q4_K, q6_K) (see `QuantizedProduct`:
///     the activations are then quantized to 8 bits per block of 32, as llama.cpp does).
///   - x: `rows` loaded activation rows of width `inFeatures`.
///   - rows: How many rows of `x` to multiply (at most `x.rowCount`).
///   - out: `rows × outFeatures` floats, row-major.
///   - pool: Splits the rows of `weights` across threads.
/// - Complexity: O(rows × outFeatures × inFeatures), no allocation.
public func matrixProduct(_ weights: Tensor, _ x: SplitActivations, rows: Int,
                          into out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    matrixProduct(weights, x, rows: rows, into: out, pool: pool, walk: .current)
}

/// `matrixProduct` with decode's walk chosen by the caller (tests run every walk).
func matrixProduct(_ weights: Tensor, _ x: SplitActivations, rows: Int,
                   into out: UnsafeMutablePointer<Float>, pool: ThreadPool, walk: DecodeWalk) {
    precondition(weights.shape.rank == 2, "weights must be 2-D, found \(weights.shape)")
    precondition(weights.shape[1] == x.width, "weights \(weights.shape) times activations of width \(x.width)")
    precondition(rows <= x.rowCount, "\(rows) rows requested, \(x.rowCount) loaded")
    switch weights.dtype {
    case .bf16: TiledProduct<BFloat16Weights>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    case .f16: TiledProduct<Float16Weights>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    case .f32: TiledProduct<Float32Weights>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    case .q8_0: QuantizedProduct<Q8_0>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    case .q4_0: QuantizedProduct<Q4_0>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    case .q4_1: QuantizedProduct<Q4_1>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    case .q4_K: QuantizedProduct<Q4_K>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    case .q6_K: QuantizedProduct<Q6_K>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    }
}

/// The kernels behind `matrixProduct`, specialized per weight format.
///
/// Every output element is computed the same way (see `dotOne`): per block of 16 weights,
/// the products with the even and the odd activations are added together first, then to
/// one `SIMD8` accumulator. The accumulator's dependency chain is then one addition per
/// block, short enough that a single row keeps up with memory.
///
/// Decode (one token) walks one, two or four weight rows at a time (see `decodeRows` and
/// `streamRows`). Prefill's tile depends on the registers the build
/// may use (see `prefillRows`): 1 row × 4 tokens for SSE2, 4 rows × 2 tokens with FMA
/// (AVX2), 4 rows × 8 tokens with AVX-512.
enum TiledProduct<Format: WeightFormat> {
    static var rowTile: Int { 4 }
    /// Rows and tokens of `tile4x8`, the AVX-512 prefill tile.
    static var pairedTile: (rows: Int, tokens: Int) { (4, 8) }
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
        #if SWIFTLLAMA_AVX512
        if tokens >= pairedTile.tokens && outFeatures >= pairedTile.rows { x.preparePairs() }
        #endif
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
        let xe = x.even + token * x.halfWidth, xo = x.odd + token * x.halfWidth
        var acc = SIMD8<Float>()
        for b in 0..<(n / 16) {
            let p = Format.widenPairs(w, block: b)
            acc += pairProduct(p.even, load8(xe, b), p.odd, load8(xo, b))
        }
        return finish(acc, w, n: n, xe: xe, xo: xo)
        // doc: end
    }

    /// Decode: rows in `range`, one token, walked as `walk` says (see `DecodeWalk`). Most
    /// rows go through `streamRows` or `tile4x1`, which walk a few rows side by side and
    /// load each block of activations once for all of them.
    ///
    /// - Rows of 4,097 to 8,192 columns (the 1B and 3B models' `w2`) go four adjacent rows
    ///   at a time. One at a time, each row would push its 32 KiB of activations out of a
    ///   48 KiB L1 cache and read at about a third of the bandwidth; four share every
    ///   activation load. With the two-stream walk they go through `streamRows` (about 0.85
    ///   of the bandwidth), with the four-stream walks through `tile4x1` (see `DecodeWalk`).
    /// - Longer rows (the 8B model's `w2`, 14,336 columns: 56 KiB of activations, more than
    ///   L1 holds at all) go four at a time through `tile4x1`, sums in registers, which
    ///   reads them about 1.5 × as fast as `streamRows`.
    /// - Shorter rows keep their activations (16 KiB at most) in L1 beside the weights. A
    ///   share of at least `walk.sideBySideMinimum` rows is cut into `walk.sideBySideParts`
    ///   equal parts walked side by side: several long sequential streams keep more memory
    ///   requests in flight than one (on AMD Zen 4 the default build's 1B decode is a few
    ///   percent faster with two; on Intel, a fifth to a half faster with four). On AMD Zen 3 the
    ///   four parts go through `tile4x1`, sums in registers (`walk.sideBySideInRegisters`),
    ///   elsewhere through `streamRows`. Smaller shares go one row at a time.
    ///
    /// Not used: four adjacent short rows (each row is then a single 4 KiB page, and the
    /// prefetchers never get going on it), and halves or quarters only a few megabytes apart
    /// (their speed depends on the distance, by up to three times).
    static func decodeRows(_ range: Range<Int>, base: UnsafeRawPointer, rowBytes: Int, n: Int,
                           _ x: SplitActivations, out: UnsafeMutablePointer<Float>, walk: DecodeWalk) {
        var r = range.lowerBound
        let fourInRegisters = n > streamRowLimit || (n > singleRowLimit && walk.mediumRowsInRegisters)
        if fourInRegisters {
            while r + 4 <= range.upperBound {
                tile4x1(base + r * rowBytes, rowBytes: rowBytes, n: n, x, token: 0, out: out + r)
                r += 4
            }
        }
        // The running sums live on the stack, not in registers: see `streamRows`. Four is
        // the most rows any walk streams side by side.
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 4) { sums in
            guard let sums = sums.baseAddress else { return }
            if n > singleRowLimit && !fourInRegisters {
                while r + 4 <= range.upperBound {
                    streamRows(4, base + r * rowBytes, rowStride: rowBytes, n: n, x, token: 0,
                               sums: sums, out: out + r, outStride: 1)
                    r += 4
                }
            } else if n <= singleRowLimit && range.count >= walk.sideBySideMinimum {
                let parts = walk.sideBySideParts, part = range.count / parts
                if walk.sideBySideInRegisters && parts == 4 {
                    for i in r..<(r + part) {
                        tile4x1(base + i * rowBytes, rowBytes: part * rowBytes, n: n, x, token: 0,
                                out: out + i, outStride: part)
                    }
                } else {
                    for i in r..<(r + part) {
                        streamRows(parts, base + i * rowBytes, rowStride: part * rowBytes, n: n, x, token: 0,
                                   sums: sums, out: out + i, outStride: part)
                    }
                }
                r += parts * part
            }
        }
        while r < range.upperBound {
            out[r] = dotOne(base + r * rowBytes, n: n, x, token: 0)
            r += 1
        }
    }

    /// `count` rows, `rowStride` bytes apart, times one token; row `i`'s result goes to
    /// `out[i * outStride]`. Per step, two blocks of activations (one 64-byte line of bf16
    /// weights per row) are loaded once and used for every row in turn, each row's running
    /// sum kept in `sums`.
    ///
    /// Each row adds its blocks in order, exactly as `dotOne` does, so the result is
    /// bit-identical. The shape is empirical. For the 1B model's `w2` (8,192 columns) in the
    /// default build on AMD Zen 4, a whole weight line per row per step with the sums in
    /// memory (they stay in L1) reads nearly twice as fast as four sums in registers
    /// (`tile4x1`, whose loop has no spills), and two blocks per step with the sums in
    /// registers spills. Why storing and reloading the sums is faster is not fully
    /// understood; it changes the order and spacing in which the four rows' lines are
    /// requested, and that is what the memory system responds to. In FMA builds the forms
    /// read alike. Not inlined, and `count` is not a constant, so the optimizer keeps the
    /// loop over rows instead of unrolling it.
    @inline(never)
    static func streamRows(_ count: Int, _ w: UnsafeRawPointer, rowStride: Int, n: Int,
                           _ x: SplitActivations, token: Int, sums: UnsafeMutablePointer<SIMD8<Float>>,
                           out: UnsafeMutablePointer<Float>, outStride: Int) {
        let xe = x.even + token * x.halfWidth, xo = x.odd + token * x.halfWidth
        for i in 0..<count { sums[i] = SIMD8() }
        let blocks = n / 16
        var b = 0
        while b + 2 <= blocks {
            let e0 = load8(xe, b), o0 = load8(xo, b), e1 = load8(xe, b + 1), o1 = load8(xo, b + 1)
            var row = w
            for i in 0..<count {
                let p = Format.widenPairs(row, block: b), q = Format.widenPairs(row, block: b + 1)
                var acc = sums[i]
                acc += pairProduct(p.even, e0, p.odd, o0)
                acc += pairProduct(q.even, e1, q.odd, o1)
                sums[i] = acc
                row += rowStride
            }
            b += 2
        }
        if b < blocks {
            let e0 = load8(xe, b), o0 = load8(xo, b)
            for i in 0..<count {
                let p = Format.widenPairs(w + i * rowStride, block: b)
                sums[i] += pairProduct(p.even, e0, p.odd, o0)
            }
        }
        for i in 0..<count {
            out[i * outStride] = finish(sums[i], w + i * rowStride, n: n, xe: xe, xo: xo)
        }
    }

    /// Prefill: rows in `range` times `tokens` activation rows, written to
    /// `out[t * outStride + r]`.
    ///
    /// The tile is chosen by register file. SSE2 (the default build) has sixteen 4-wide
    /// registers, so each `SIMD8` accumulator takes two: a multi-row tile's accumulators
    /// would spill, and one row × four tokens (eight registers of accumulators, none
    /// spilled) is about 20% faster per core than one that spills. Builds with FMA (`-DSWIFTLLAMA_FMA`, which needs a `-target-cpu`
    /// with AVX2 or later) hold a `SIMD8` in one register, and there four rows × two tokens
    /// (`tile4x2`) share each widened weight group between two tokens and each activation
    /// load among four rows. A third token (4 × 3) would need twelve accumulators beside four
    /// widened pairs and six activation vectors (and, in LLVM's schedule, a register for
    /// each pair's sum): more than AVX2's sixteen ymm registers, so it would spill on every
    /// block; 4 × 2 does not (see also the loop's second exit in `tile4x2`).
    /// Builds that also pass `-DSWIFTLLAMA_AVX512` (with a `-target-cpu` that has AVX-512,
    /// such as `znver4`) run four rows × eight tokens on 512-bit registers (`tile4x8`).
    ///
    /// Around the tile, rows go in blocks that share each group of tokens: for every group,
    /// all the block's rows, then the next group. A group's activations (four tokens of
    /// 2,048 floats are 32 KiB; the 128-token prompt's are 1 MiB, all of L2) are then read
    /// from L2 once per block and served from L1 to the rest of it, instead of being read
    /// again for every row, which raises the prefill kernels' share of the compute roof by
    /// a fifth to a third. The block stays well inside L2: four to sixteen rows are alike in
    /// the default build, while 64 rows of `w2` fill L2 with weights and are slower. The
    /// AVX-512 build's four-row tiles go 32 rows per block.
    static func prefillRows(_ range: Range<Int>, base: UnsafeRawPointer, rowBytes: Int, n: Int,
                            _ x: SplitActivations, tokens: Int,
                            out: UnsafeMutablePointer<Float>, outStride: Int) {
        var r = range.lowerBound
        #if SWIFTLLAMA_AVX512
        blockRows(&r, height: pairedTile.rows, width: pairedTile.tokens, tiles: 8, range, base: base,
                  rowBytes: rowBytes, n: n, x, tokens: tokens, out: out, outStride: outStride) { w, t, o in
            tile4x8(w, rowBytes: rowBytes, n: n, x, token: t, out: o, outStride: outStride)
        }
        #endif
        #if SWIFTLLAMA_FMA
        blockRows(&r, height: 4, width: 2, tiles: 4, range, base: base, rowBytes: rowBytes, n: n, x,
                  tokens: tokens, out: out, outStride: outStride) { w, t, o in
            tile4x2(w, rowBytes: rowBytes, n: n, x, token: t, out: o, outStride: outStride)
        }
        #endif
        // Rows in blocks of eight, each group of four tokens' activations read once per
        // block (see above).
        while r < range.upperBound {
            let blockEnd = min(r + 8, range.upperBound)
            var t = 0
            while t + 4 <= tokens {
                for row in r..<blockEnd {
                    tile1x4(base + row * rowBytes, n: n, x, token: t, out: out + t * outStride + row,
                            outStride: outStride)
                }
                t += 4
            }
            while t < tokens {
                for row in r..<blockEnd {
                    out[t * outStride + row] = dotOne(base + row * rowBytes, n: n, x, token: t)
                }
                t += 1
            }
            r = blockEnd
        }
    }

    /// From row `r`, while `height` rows fit in `range`, in blocks of up to `tiles` tiles:
    /// `tile` (rows `r ..< r + height` times `width` tokens) for each whole group of `width`
    /// tokens and each tile of the block, then the remaining tokens one at a time, four rows
    /// per `tile4x1`. Leaves `r` after the last whole tile. `height` is a multiple of four.
    @inline(__always)
    static func blockRows(_ r: inout Int, height: Int, width: Int, tiles: Int, _ range: Range<Int>,
                          base: UnsafeRawPointer, rowBytes: Int, n: Int,
                          _ x: SplitActivations, tokens: Int,
                          out: UnsafeMutablePointer<Float>, outStride: Int,
                          tile: (_ w: UnsafeRawPointer, _ token: Int, _ out: UnsafeMutablePointer<Float>) -> Void) {
        while r + height <= range.upperBound {
            // Up to `tiles` tiles' rows share each group of tokens' activations.
            let blockEnd = r + min(tiles, (range.upperBound - r) / height) * height
            var t = 0
            while t + width <= tokens {
                for row in stride(from: r, to: blockEnd, by: height) {
                    tile(base + row * rowBytes, t, out + t * outStride + row)
                }
                t += width
            }
            while t < tokens {
                for four in stride(from: r, to: blockEnd, by: 4) {
                    tile4x1(base + four * rowBytes, rowBytes: rowBytes, n: n, x, token: t,
                            out: out + t * outStride + four)
                }
                t += 1
            }
            r = blockEnd
        }
    }

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

/// `even · xEven + odd · xOdd`, the step every kernel adds to its accumulator.
///
/// Built with `-Xswiftc -DSWIFTLLAMA_FMA` (together with a `-target-cpu` that has FMA,
/// see README.md), the second product is fused into the addition: one rounding less, and
/// one instruction less, which prefill feels. Without FMA hardware `addingProduct` is a
/// library call per lane, hundreds of times slower, so it is never the default.
///
/// The pair's sum gets its own register, and only then joins the accumulator, so each
/// accumulator waits for one addition per block (3 cycles) rather than two chained fused
/// multiply-adds (8): that keeps the one-row decode kernel fast enough to follow memory.
@inline(__always)
func pairProduct(_ even: SIMD8<Float>, _ xEven: SIMD8<Float>,
                 _ odd: SIMD8<Float>, _ xOdd: SIMD8<Float>) -> SIMD8<Float> {
    #if SWIFTLLAMA_FMA
    return (even * xEven).addingProduct(odd, xOdd)
    #else
    return even * xEven + odd * xOdd
    #endif
}

/// `pairProduct` on two tokens' lanes at once (see `TiledProduct.tile4x8`): the same
/// operations lane by lane.
@inline(__always)
func pairProduct(_ even: SIMD16<Float>, _ xEven: SIMD16<Float>,
                 _ odd: SIMD16<Float>, _ xOdd: SIMD16<Float>) -> SIMD16<Float> {
    #if SWIFTLLAMA_FMA
    return (even * xEven).addingProduct(odd, xOdd)
    #else
    return even * xEven + odd * xOdd
    #endif
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>, _ block: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + block &* 8).loadUnaligned(as: SIMD8<Float>.self)
}

/// Block `block` of a paired activation copy: two tokens' eight activations side by side
/// (see `SplitActivations.pairedEven`).
@inline(__always)
func load16(_ p: UnsafePointer<Float>, _ block: Int) -> SIMD16<Float> {
    UnsafeRawPointer(p + block &* 16).loadUnaligned(as: SIMD16<Float>.self)
}

/// The sum of the lanes, always in the same order (halves first), so every kernel that
/// uses it rounds the same way.
@inline(__always)
func horizontalSum(_ v: SIMD8<Float>) -> Float {
    let h = v.lowHalf + v.highHalf
    let q = h.lowHalf + h.highHalf
    return q[0] + q[1]
}
