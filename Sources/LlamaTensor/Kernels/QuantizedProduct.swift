// The matrix products for Q8_0 weights: integer dot products per block of 32, scaled and
// summed in f32. Explained in Documentation/17-Quantization-and-GGUF.md.

/// The kernels behind `matrixProduct` for `q8_0` weights.
///
/// The activations are quantized too (`SplitActivations.prepareQuantized`), so the inner
/// product of a block is a sum of 32 products of small integers, which is exact:
///
/// ```
/// out = Σ_blocks  (d_weight · d_activation) · Σ_{i<32} q_weight[i] · q_activation[i]
/// ```
///
/// Why integers: widening a byte to `Float` costs more instructions than the multiply it
/// feeds, and on a baseline x86-64 build (SSE2 only) that widening would make the kernel
/// compute-bound far below the memory bandwidth. SSE2 has one instruction that multiplies
/// eight pairs of 16-bit lanes and adds neighbouring products into four 32-bit lanes
/// (`pmaddwd`; AVX-512 VNNI even adds them to an accumulator, `vpdpwssd`). Interleaving a
/// zero byte below each weight byte turns 16 bytes into 16 lanes of `256 · level` (one
/// unpack for eight), and the activation levels are stored as `Int16` in the same order, so
/// a block takes two loads, four unpacks, four multiply-adds and three adds, then one
/// conversion to `Float`, one multiply by the two scales and one add (`blockSum`,
/// `accumulate`). The factor 256 is divided out of the activation scales in advance.
///
/// Every output element is computed with the same operations in the same order whatever
/// the tile, the thread count or the batch, so, as with the bf16 kernels, prefill and
/// decode agree bit for bit.
enum Q8Product {
    static var rowTile: Int { 2 }
    static var tokenTile: Int { 2 }

    static func run(_ weights: Tensor, _ x: SplitActivations, rows tokens: Int,
                    into out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let outFeatures = weights.shape[0], n = weights.shape[1]
        let blocks = n / Q8_0.blockSize
        let rowBytes = blocks * Q8_0.blockByteSize
        let base = weights.baseAddress
        x.prepareQuantized()
        let xq = UnsafePointer(x.quantized), xd = UnsafePointer(x.quantizedScales)
        pool.parallelFor(outFeatures, granularity: rowTile) { range in
            var r = range.lowerBound
            if tokens == 1 {
                decodeRows(range, base: base, rowBytes: rowBytes, blocks: blocks, xq, xd, out: out)
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

    /// 256 times the exact integer dot product of one weight block (at `block`: scale, then
    /// 32 bytes) with one block of activation levels (`xq`, 64-byte aligned), as four
    /// partial sums.
    ///
    /// Bounds: a lane adds 8 products of at most 256 · 128 · 127 in magnitude, under 2^25,
    /// and every sum is a multiple of 256, so it is exact in `Int32` and again in `Float`.
    @inline(__always)
    static func blockSum(_ block: UnsafeRawPointer, _ xq: UnsafePointer<Int16>) -> SIMD4<Int32> {
        // doc: q8-block-sum
        let (w0, w1) = times256(block.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self))
        let (w2, w3) = times256(block.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self))
        let x = UnsafeRawPointer(xq)
        let s01 = pairedProducts(w0, x.load(as: SIMD8<Int16>.self))
            &+ pairedProducts(w1, x.load(fromByteOffset: 16, as: SIMD8<Int16>.self))
        let s23 = pairedProducts(w2, x.load(fromByteOffset: 32, as: SIMD8<Int16>.self))
            &+ pairedProducts(w3, x.load(fromByteOffset: 48, as: SIMD8<Int16>.self))
        return s01 &+ s23
        // doc: end
    }

    /// Sixteen signed bytes as sixteen `Int16` lanes of `256 · byte`: each byte becomes the
    /// high half of a lane whose low half is zero. Written as a byte shuffle with zeros,
    /// which the compiler emits as `punpcklbw`/`punpckhbw`. (Written as a sign extension and
    /// a shift, the same lanes lead the compiler to split and re-interleave them around the
    /// multiply-adds, three times the instructions.)
    @inline(__always)
    static func times256(_ b: SIMD16<Int8>) -> (low: SIMD8<Int16>, high: SIMD8<Int16>) {
        let low = SIMD16<Int8>(0, b[0], 0, b[1], 0, b[2], 0, b[3], 0, b[4], 0, b[5], 0, b[6], 0, b[7])
        let high = SIMD16<Int8>(0, b[8], 0, b[9], 0, b[10], 0, b[11], 0, b[12], 0, b[13], 0, b[14], 0, b[15])
        return (unsafeBitCast(low, to: SIMD8<Int16>.self), unsafeBitCast(high, to: SIMD8<Int16>.self))
    }

    /// `a[2i] · b[2i] + a[2i+1] · b[2i+1]` for i in 0..<4, in 32 bits: exactly `pmaddwd`.
    /// Written as a widening multiply of all eight lanes and a sum of the even and odd
    /// products, the form the compiler recognizes however the operands are shared between
    /// tiles (a lane-by-lane loop is recognized only when every operand has one use).
    @inline(__always)
    static func pairedProducts(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD4<Int32> {
        let products = SIMD8<Int32>(truncatingIfNeeded: a) &* SIMD8<Int32>(truncatingIfNeeded: b)
        return products.evenHalf &+ products.oddHalf
    }

    /// `acc += Float(sum) · d_weight · (d_activation / 256)`: the one floating-point step
    /// per block.
    @inline(__always)
    static func accumulate(_ acc: inout SIMD4<Float>, _ sum: SIMD4<Int32>,
                           _ block: UnsafeRawPointer, _ activationScale: Float) {
        acc += SIMD4<Float>(sum) * (Q8_0.scale(of: block) * activationScale)
    }

    /// Decode: rows in `range`, one token, one row at a time. The quantized activations
    /// (2 bytes each, 16 KiB for 8,192 columns) stay in the L1 cache while the weights
    /// stream past.
    @inline(never)
    static func decodeRows(_ range: Range<Int>, base: UnsafeRawPointer, rowBytes: Int, blocks: Int,
                           _ xq: UnsafePointer<Int16>, _ xd: UnsafePointer<Float>,
                           out: UnsafeMutablePointer<Float>) {
        for r in range {
            out[r] = dotOne(base + r * rowBytes, blocks: blocks, xq, xd)
        }
    }

    /// The reference arithmetic for one output element; the tiles repeat it exactly.
    @inline(__always)
    static func dotOne(_ w: UnsafeRawPointer, blocks: Int, _ xq: UnsafePointer<Int16>,
                       _ xd: UnsafePointer<Float>) -> Float {
        var acc = SIMD4<Float>()
        for b in 0..<blocks {
            let block = w + b &* Q8_0.blockByteSize
            accumulate(&acc, blockSum(block, xq + b &* Q8_0.blockSize), block, xd[b])
        }
        return sum4(acc)
    }

    /// Prefill: two weight rows times two tokens: each weight block is unpacked once for
    /// two tokens and each activation block loaded once for two rows. Larger tiles need
    /// more than SSE's sixteen registers (a block is four registers of weights), and the
    /// spills cost more than the unpacking they save.
    @inline(never)
    static func tile2x2(_ w: UnsafeRawPointer, rowBytes: Int, blocks: Int,
                        _ xq: UnsafePointer<Int16>, _ xd: UnsafePointer<Float>, n: Int,
                        out: UnsafeMutablePointer<Float>, outStride: Int) {
        let xq1 = xq + n, xd1 = xd + blocks
        var a00 = SIMD4<Float>(), a01 = SIMD4<Float>()
        var a10 = SIMD4<Float>(), a11 = SIMD4<Float>()
        for b in 0..<blocks {
            let k0 = w + b &* Q8_0.blockByteSize, k1 = k0 + rowBytes, xOffset = b &* Q8_0.blockSize
            accumulate(&a00, blockSum(k0, xq + xOffset), k0, xd[b])
            accumulate(&a01, blockSum(k0, xq1 + xOffset), k0, xd1[b])
            accumulate(&a10, blockSum(k1, xq + xOffset), k1, xd[b])
            accumulate(&a11, blockSum(k1, xq1 + xOffset), k1, xd1[b])
        }
        out[0] = sum4(a00); out[outStride] = sum4(a01)
        out[1] = sum4(a10); out[outStride + 1] = sum4(a11)
    }

    /// The sum of the four lanes, always in the same order (halves first).
    @inline(__always)
    static func sum4(_ v: SIMD4<Float>) -> Float {
        let h = v.lowHalf + v.highHalf
        return h[0] + h[1]
    }
}
