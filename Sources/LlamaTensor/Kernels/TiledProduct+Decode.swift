// Decode's matrix-vector product: how one token's rows are walked, one, two or four
// at a time. Explained in Documentation/19-Making-It-Fast.md.

extension TiledProduct {
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
    ///   share of at least `walk.minimumRowsForParts` rows is cut into `walk.sideBySideParts`
    ///   equal parts walked side by side: several long sequential streams keep more memory
    ///   requests in flight than one. With the `four-in-registers` walk the four parts go
    ///   through `tile4x1`, sums in registers (`walk.sideBySideInRegisters`), otherwise
    ///   through `streamRows`. Smaller shares go one row at a time.
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
            } else if n <= singleRowLimit && range.count >= walk.minimumRowsForParts {
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
        let xe = x.even + token * x.rowStride, xo = x.odd + token * x.rowStride
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
}
