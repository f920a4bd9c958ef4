// Prefill's matrix-matrix product: rows in blocks that share each group of tokens'
// activations, and the tile chosen by register file.
// Explained in Documentation/19-Making-It-Fast.md.

extension TiledProduct {
    /// Prefill: rows in `range` times `tokens` activation rows, written to
    /// `out[t * outStride + r]`.
    ///
    /// The tile fits the portable build's registers. SSE2 has sixteen 4-wide registers, so
    /// each `SIMD8` accumulator takes two: a multi-row tile's accumulators would spill, and
    /// one row × four tokens (eight registers of accumulators, none spilled) is about 20%
    /// faster per core than one that spills. (Processors with AVX2 or AVX-512 run the C
    /// kernels instead, with larger tiles; see `FloatProduct`.)
    ///
    /// Around the tile, rows go in blocks that share each group of tokens: for every group,
    /// all the block's rows, then the next group. A group's activations (four tokens of
    /// 2,048 floats are 32 KiB; the 128-token prompt's are 1 MiB, all of L2) are then read
    /// from L2 once per block and served from L1 to the rest of it, instead of being read
    /// again for every row, which raises the prefill kernels' share of the compute roof by
    /// a fifth to a third. The block stays well inside L2: four to sixteen rows are alike in
    /// the default build, while 64 rows of `w2` fill L2 with weights and are slower.
    static func prefillRows(_ range: Range<Int>, base: UnsafeRawPointer, rowBytes: Int, n: Int,
                            _ x: SplitActivations, tokens: Int,
                            out: UnsafeMutablePointer<Float>, outStride: Int) {
        var r = range.lowerBound
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
}
