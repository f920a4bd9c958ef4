// Prefill's matrix-matrix product: rows in blocks that share each group of tokens'
// activations, and the tile chosen by register file.
// Explained in Documentation/05-Tensors-and-Kernels.md.

extension TiledProduct {
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
}
