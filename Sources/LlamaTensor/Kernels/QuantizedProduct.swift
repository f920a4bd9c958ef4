// The matrix products for block-quantized weights (Q8_0, Q4_0, Q4_1): integer dot
// products per block of 32, scaled and summed in f32. Explained in
// Documentation/21-Quantization-and-GGUF.md.

import LlamaKernels

/// The kernels behind `matrixProduct` for the block formats, specialized per format.
///
/// The activations are quantized too (`SplitActivations.prepareQuantized`), so the inner
/// product of a block is a sum of 32 products of small integers, which is exact:
///
/// ```
/// out = Σ_blocks  (d_weight · d_activation) · Σ_{i<32} q_weight[i] · q_activation[i]
///               + m_weight · s_activation            (formats with an offset: Q4_1)
/// ```
///
/// where `s_activation` is the block's sum of quantized activations (llama.cpp's Q8_1
/// pairing). A format only says where its levels, scale and offset are (`BlockFormat`);
/// the walk, the tiles and the threading here are shared.
///
/// Why integers: widening a byte to `Float` costs more instructions than the multiply it
/// feeds, and on a baseline x86-64 build (SSE2 only) that widening would make the kernel
/// compute-bound far below the memory bandwidth. SSE2 has one instruction that multiplies
/// eight pairs of 16-bit lanes and adds neighbouring products into four 32-bit lanes
/// (`pmaddwd`; AVX2 does sixteen pairs, AVX-512 VNNI adds them to an accumulator too,
/// `vpdpwssd`). Interleaving a zero byte below each weight byte turns 16 bytes into 16
/// lanes of `256 · level` (one unpack for eight), and the activation levels are stored as
/// `Int16` in the matching order, so with SSE2 a block takes two loads, four unpacks, four
/// multiply-adds and three adds, then one conversion to `Float`, one multiply by the two
/// scales and one add (`IntegerDot.levelSum`, `accumulate`); with AVX2 half of that. The factor 256
/// is divided out of the activation scales in advance.
///
/// Every output element is computed with the same operations in the same order whatever
/// the tile, the thread count or the batch, so, as with the bf16 kernels, prefill and
/// decode agree bit for bit.
enum QuantizedProduct<Format: BlockFormat> {
    static var rowTile: Int { 2 }
    static var tokenTile: Int { 2 }

    static func run(_ weights: Tensor, _ x: SplitActivations, rows tokens: Int,
                    into out: UnsafeMutablePointer<Float>, pool: ThreadPool, walk: DecodeWalk,
                    instructionSet: InstructionSet) {
        let outFeatures = weights.shape[0], n = weights.shape[1]
        let blocks = n / 32  // units of 32 weights, each with its scale (and offset)
        let rowBytes = n / (32 * Format.unitsPerBlock) * Format.blockByteSize
        let base = weights.baseAddress
        x.prepareQuantized(pool: pool)
        if instructionSet != .portable {
            runCompiled(instructionSet, base: base, rowBytes: rowBytes, outFeatures: outFeatures, n: n,
                        x, tokens: tokens, into: out, pool: pool)
            return
        }
        let xq = UnsafePointer(x.quantized)
        let xd = ActivationScales(d: UnsafePointer(x.quantizedScales), s: UnsafePointer(x.quantizedSums))
        pool.parallelFor(outFeatures, granularity: rowTile) { range in
            var r = range.lowerBound
            if tokens == 1 {
                decodeRows(range, base: base, rowBytes: rowBytes, blocks: blocks, xq, xd, out: out, walk: walk)
                return
            }
            while r + rowTile <= range.upperBound {
                let w = base + r * rowBytes
                var t = 0
                while t + tokenTile <= tokens {
                    tile2x2(w, rowBytes: rowBytes, blocks: blocks,
                            xq + t * n, xd + t * blocks, n: n,
                            out: out + t * outFeatures + r, outStride: outFeatures)
                    t += tokenTile
                }
                while t < tokens {
                    for i in 0..<rowTile {
                        out[t * outFeatures + r + i] = dotOne(w + i * rowBytes, blocks: blocks,
                                                              xq + t * n, xd + t * blocks)
                    }
                    t += 1
                }
                r += rowTile
            }
            while r < range.upperBound {
                for t in 0..<tokens {
                    out[t * outFeatures + r] = dotOne(base + r * rowBytes, blocks: blocks,
                                                      xq + t * n, xd + t * blocks)
                }
                r += 1
            }
        }
    }

    /// The C variant for `instructionSet` (see `InstructionSet`): the same arithmetic per
    /// unit (an exact integer sum, then both scales in one fused multiply-add into eight
    /// lanes), each thread's share of rows in one call. Prefill splits finer, as
    /// `TiledProduct.run` does.
    static func runCompiled(_ instructionSet: InstructionSet, base: UnsafeRawPointer, rowBytes: Int,
                            outFeatures: Int, n: Int, _ x: SplitActivations, tokens: Int,
                            into out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let isa = instructionSet.kernelISA, format = Format.kernelFormat
        let xq = UnsafePointer(x.quantizedBytes), xd = UnsafePointer(x.quantizedScales)
        let xs = UnsafePointer(x.quantizedSums), xc = UnsafePointer(x.quantizedCorrections)
        pool.parallelFor(outFeatures, granularity: 4, chunksPerThread: tokens == 1 ? 1 : 4) { range in
            llk_quantized_product(isa, format, base, rowBytes, range.lowerBound, range.upperBound, n,
                                  xq, x.quantizedStride, xd, xs, xc, tokens, out, outFeatures)
        }
    }

    /// Four lanes (SSE2's width): a block's eight sums are folded once before converting.
    typealias Accumulator = SIMD4<Float>

    /// One output element's running sums: the scaled block sums in lanes, and the offset
    /// terms `m · s` (zero and unused for symmetric formats).
    struct Sums {
        var lanes = Accumulator()
        var offsets: Float = 0
    }

    /// Where the block holding unit `b` (32 weights) of a row starts, in bytes.
    @inline(__always)
    static func blockOffset(_ b: Int) -> Int {
        (b / Format.unitsPerBlock) &* Format.blockByteSize
    }

    /// `acc += Float(Σ levels · activation levels) · d_weight · (d_activation / 256)` (and
    /// `m_weight · s_activation` with an offset) for unit `b` of a row, whose block starts
    /// at `block` and whose activation levels are at `x`: the integer sum, then the
    /// floating-point steps.
    @inline(__always)
    static func accumulate(_ acc: inout Sums, _ block: UnsafeRawPointer, _ x: UnsafePointer<Int16>,
                           _ activations: ActivationScales, _ b: Int) {
        let unit = b % Format.unitsPerBlock
        let sum = Format.unitSum(block, unit: unit, x)
        let scale = Format.unitScale(block, unit: unit) * activations.d[b]
        acc.lanes += SIMD4<Float>(sum.lowHalf &+ sum.highHalf) * scale
        if Format.hasOffset { acc.offsets += Format.unitOffset(block, unit: unit) * activations.s[b] }
    }

    /// The sum of the accumulator's lanes, always in the same order (halves first), then
    /// the offset terms.
    @inline(__always)
    static func total(_ v: Sums) -> Float {
        let q = v.lanes
        let h = q.lowHalf + q.highHalf
        return Format.hasOffset ? (h[0] + h[1]) + v.offsets : h[0] + h[1]
    }

    /// Decode: rows in `range`, one token. The quantized activations (2 bytes each, 16 KiB
    /// for 8,192 columns) stay in the L1 cache while the weights stream past. Rows go one at
    /// a time, except where `walk` reads a share in parts side by side (see `DecodeWalk`):
    /// then `fourRows` takes row `i` of each quarter together.
    @inline(never)
    static func decodeRows(_ range: Range<Int>, base: UnsafeRawPointer, rowBytes: Int, blocks: Int,
                           _ xq: UnsafePointer<Int16>, _ xd: ActivationScales,
                           out: UnsafeMutablePointer<Float>, walk: DecodeWalk) {
        var r = range.lowerBound
        if walk.quantizedInQuarters && range.count >= walk.minimumRowsForParts {
            let part = range.count / 4
            for i in r..<(r + part) {
                fourRows(base + i * rowBytes, rowStride: part * rowBytes, blocks: blocks, xq, xd,
                         out: out + i, outStride: part)
            }
            r += 4 * part
        }
        while r < range.upperBound {
            out[r] = dotOne(base + r * rowBytes, blocks: blocks, xq, xd)
            r += 1
        }
    }

    /// Four rows `rowStride` bytes apart, block by block: four streams through memory.
    /// Each row's sum is built exactly as `dotOne` builds it.
    @inline(never)
    static func fourRows(_ w: UnsafeRawPointer, rowStride: Int, blocks: Int,
                         _ xq: UnsafePointer<Int16>, _ xd: ActivationScales,
                         out: UnsafeMutablePointer<Float>, outStride: Int) {
        let w0 = w, w1 = w + rowStride, w2 = w + 2 * rowStride, w3 = w + 3 * rowStride
        var a0 = Sums(), a1 = Sums(), a2 = Sums(), a3 = Sums()
        for b in 0..<blocks {
            let offset = blockOffset(b), x = xq + b &* 32
            accumulate(&a0, w0 + offset, x, xd, b)
            accumulate(&a1, w1 + offset, x, xd, b)
            accumulate(&a2, w2 + offset, x, xd, b)
            accumulate(&a3, w3 + offset, x, xd, b)
        }
        out[0] = total(a0)
        out[outStride] = total(a1)
        out[2 * outStride] = total(a2)
        out[3 * outStride] = total(a3)
    }

    /// The reference arithmetic for one output element; the tiles repeat it exactly.
    @inline(__always)
    static func dotOne(_ w: UnsafeRawPointer, blocks: Int, _ xq: UnsafePointer<Int16>,
                       _ xd: ActivationScales) -> Float {
        var acc = Sums()
        for b in 0..<blocks {
            accumulate(&acc, w + blockOffset(b), xq + b &* 32, xd, b)
        }
        return total(acc)
    }

    /// Prefill with SSE2: two weight rows times two tokens: each weight block is unpacked
    /// once for two tokens and each activation block loaded once for two rows. Larger tiles
    /// need more than SSE's sixteen registers (a block is four registers of weights), and
    /// the spills cost more than the unpacking they save.
    @inline(never)
    static func tile2x2(_ w: UnsafeRawPointer, rowBytes: Int, blocks: Int,
                        _ xq: UnsafePointer<Int16>, _ xd: ActivationScales, n: Int,
                        out: UnsafeMutablePointer<Float>, outStride: Int) {
        let xq1 = xq + n, xd1 = xd + blocks
        var a00 = Sums(), a01 = Sums()
        var a10 = Sums(), a11 = Sums()
        for b in 0..<blocks {
            let k0 = w + blockOffset(b), k1 = k0 + rowBytes, xOffset = b &* 32
            accumulate(&a00, k0, xq + xOffset, xd, b)
            accumulate(&a01, k0, xq1 + xOffset, xd1, b)
            accumulate(&a10, k1, xq + xOffset, xd, b)
            accumulate(&a11, k1, xq1 + xOffset, xd1, b)
        }
        out[0] = total(a00); out[outStride] = total(a01)
        out[1] = total(a10); out[outStride + 1] = total(a11)
    }
}

/// The per-block numbers of quantized activations: scales divided by 256 (`d`) and sums of
/// the quantized values (`s`), advanced together from one row or block to the next.
struct ActivationScales {
    let d: UnsafePointer<Float>
    let s: UnsafePointer<Float>

    @inline(__always)
    static func + (scales: ActivationScales, blocks: Int) -> ActivationScales {
        ActivationScales(d: scales.d + blocks, s: scales.s + blocks)
    }
}

/// The integer arithmetic of the block kernels, shared by every format.
enum IntegerDot {
    /// 256 times the exact integer dot product of 32 weight levels with one block of
    /// activation levels (`xq`, 64-byte aligned, in `times256`'s order, see
    /// `SplitActivations.quantized`), as eight partial sums.
    ///
    /// Bounds: a lane adds 4 products of at most 256 · 128 · 127 in magnitude, under 2^24,
    /// and every sum is a multiple of 256, so it is exact in `Int32` and again in `Float`.
    @inline(__always)
    static func levelSum(_ levels: SIMD32<Int8>, _ xq: UnsafePointer<Int16>) -> SIMD8<Int32> {
        // doc: q8-block-sum
        let (w0, w1) = times256(levels)
        let x = UnsafeRawPointer(xq)
        return pairedProducts(w0, x.load(as: SIMD16<Int16>.self))
            &+ pairedProducts(w1, x.load(fromByteOffset: 32, as: SIMD16<Int16>.self))
        // doc: end
    }

    /// Thirty-two signed bytes as two vectors of sixteen `Int16` lanes of `256 · byte`: each
    /// byte becomes the high half of a lane whose low half is zero. The first vector holds
    /// bytes 0-7 and 16-23, the second 8-15 and 24-31: the order in which `punpcklbw` and
    /// `punpckhbw` interleave within each 16-byte half of a 32-byte AVX2 register, so the
    /// same code is one instruction per vector there and two with SSE2. (Written as a sign
    /// extension and a shift, the same lanes led the compiler to split and re-interleave
    /// them around the multiply-adds, three times the instructions.)
    @inline(__always)
    static func times256(_ b: SIMD32<Int8>) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let first = SIMD32<Int8>(0, b[0], 0, b[1], 0, b[2], 0, b[3], 0, b[4], 0, b[5], 0, b[6], 0, b[7],
                                 0, b[16], 0, b[17], 0, b[18], 0, b[19], 0, b[20], 0, b[21], 0, b[22], 0, b[23])
        let second = SIMD32<Int8>(0, b[8], 0, b[9], 0, b[10], 0, b[11], 0, b[12], 0, b[13], 0, b[14], 0, b[15],
                                  0, b[24], 0, b[25], 0, b[26], 0, b[27], 0, b[28], 0, b[29], 0, b[30], 0, b[31])
        return (unsafeBitCast(first, to: SIMD16<Int16>.self), unsafeBitCast(second, to: SIMD16<Int16>.self))
    }

    /// `a[2i] · b[2i] + a[2i+1] · b[2i+1]` for i in 0..<8, in 32 bits: exactly `pmaddwd`
    /// (two with SSE2, one with AVX2, fused into the accumulation with AVX-512 VNNI).
    /// Written as a widening multiply of all lanes and a sum of the even and odd products,
    /// the form the compiler recognizes however the operands are shared between tiles (a
    /// lane-by-lane loop is recognized only when every operand has one use). The widening
    /// is a lane loop because `SIMD16<Int32>(truncatingIfNeeded:)` is not inlined.
    @inline(__always)
    static func pairedProducts(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
        let products = widen(a) &* widen(b)
        return products.evenHalf &+ products.oddHalf
    }

    @inline(__always)
    static func widen(_ a: SIMD16<Int16>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        for i in 0..<16 { r[i] = Int32(a[i]) }
        return r
    }
}

extension BlockFormat {
    /// The C kernels' name for this format (`llk_format`).
    static var kernelFormat: llk_format {
        switch dtype {
        case .q4_0: return LLK_Q4_0
        case .q4_1: return LLK_Q4_1
        case .q4_K: return LLK_Q4_K
        case .q6_K: return LLK_Q6_K
        case .q5_0: return LLK_Q5_0
        case .q5_1: return LLK_Q5_1
        default: return LLK_Q8_0
        }
    }
}
