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
/// compute-bound far below the memory bandwidth. Two bytes loaded as one `Int16` lane hold
/// the even element in the low byte and the odd one in the high byte. Both levels are at
/// most 127 in magnitude (128 for a foreign weight), so `even · xEven + odd · xOdd` fits in
/// an `Int16` lane and 16-bit multiplies suffice; the activations are stored as the even
/// and odd halves of each block to match. Two ways to multiply give the same exact sums:
///
/// * Decode (`blockSumScaled`): shifting a lane left by 8 gives `256 · even`, masking off
///   its low byte `256 · odd`; with the activation levels stored times 256 too, the high
///   half of each 16-bit product (`pmulhw`) is exactly `even · xEven`. Fewest instructions.
/// * Prefill (`blockSum`): shift left then arithmetic right by 8 (even), arithmetic right
///   by 8 (odd), then the low half of the products (`pmullw`). The compiler turns the
///   high-half products into scalar code inside the large prefill tile, so the tile uses
///   this form.
///
/// Every output element is computed with the same operations in the same order whatever
/// the tile, the thread count or the batch (see `blockSum` and `accumulate`), so, as with
/// the bf16 kernels, prefill and decode agree bit for bit.
enum Q8Product {
    static var rowTile: Int { 4 }
    static var tokenTile: Int { 3 }

    static func run(_ weights: Tensor, _ x: SplitActivations, rows tokens: Int,
                    into out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let outFeatures = weights.shape[0], n = weights.shape[1]
        let blocks = n / Q8_0.blockSize
        let rowBytes = blocks * Q8_0.blockByteSize
        let base = weights.baseAddress
        x.prepareQuantized()
        let xq = UnsafePointer(x.quantized), xd = UnsafePointer(x.quantizedScales)
        let xq256 = UnsafePointer(x.quantizedScaled)
        pool.parallelFor(outFeatures, granularity: rowTile) { range in
            var r = range.lowerBound
            if tokens == 1 {
                decodeRows(range, base: base, rowBytes: rowBytes, blocks: blocks, xq256, xd, out: out)
                return
            }
            while r + rowTile <= range.upperBound {
                let w = base + r * rowBytes
                var t = 0
                while t + tokenTile <= tokens {
                    tile4x3(w, rowBytes: rowBytes, blocks: blocks,
                            xq + t * n, xd + t * blocks, n: n,
                            out: out + t * outFeatures + r, outStride: outFeatures)
                    t += tokenTile
                }
                while t < tokens {
                    for i in 0..<rowTile {
                        out[t * outFeatures + r + i] = dotOneUnscaled(w + i * rowBytes, blocks: blocks,
                                                                      xq + t * n, xd + t * blocks)
                    }
                    t += 1
                }
                r += rowTile
            }
            while r < range.upperBound {
                for t in 0..<tokens {
                    out[t * outFeatures + r] = dotOneUnscaled(base + r * rowBytes, blocks: blocks,
                                                              xq + t * n, xd + t * blocks)
                }
                r += 1
            }
        }
    }

    /// The exact integer dot product of one weight block (at `block`: scale, then 32 bytes)
    /// with one block of activation levels times 256 (16 even, then 16 odd), as 4 partial
    /// sums. Equal to `blockSum` of the unscaled levels.
    @inline(__always)
    static func blockSumScaled(_ block: UnsafeRawPointer, _ xq: UnsafePointer<Int16>) -> SIMD4<Int32> {
        // doc: q8-block-sum
        // Lane j of `pairs` holds bytes 2j (low) and 2j+1 (high): elements 2j and 2j+1.
        let pairs = block.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int16>.self)
        let even256 = pairs &<< 8                                    // 256 · even, exact
        let odd256 = pairs & SIMD16(repeating: Int16(bitPattern: 0xFF00))  // 256 · odd, exact
        let xEven256 = UnsafeRawPointer(xq).loadUnaligned(as: SIMD16<Int16>.self)
        let xOdd256 = UnsafeRawPointer(xq + 16).loadUnaligned(as: SIMD16<Int16>.self)
        // (256 · even) · (256 · xEven) / 65536 = even · xEven, exactly; likewise odd.
        // |even·xEven + odd·xOdd| <= 2 · 128 · 127 < 2^15: exact in 16 bits.
        let sums = unsafeBitCast(highHalfProduct(even256, xEven256) &+ highHalfProduct(odd256, xOdd256),
                                 to: SIMD8<Int32>.self)
        // Widen the 16 lanes to 32 bits in pairs (low halves, high halves) and add them,
        // then fold to four lanes: one conversion, multiply and add per block after this.
        let pairs32 = ((sums &<< 16) &>> 16) &+ (sums &>> 16)
        return pairs32.lowHalf &+ pairs32.highHalf
        // doc: end
    }

    /// `blockSumScaled` for activation levels stored as they are, with 16-bit low-half
    /// products: the same four sums.
    @inline(__always)
    static func blockSum(_ block: UnsafeRawPointer, _ xq: UnsafePointer<Int16>) -> SIMD4<Int32> {
        let pairs = block.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int16>.self)
        let even = (pairs &<< 8) &>> 8, odd = pairs &>> 8
        let xEven = UnsafeRawPointer(xq).loadUnaligned(as: SIMD16<Int16>.self)
        let xOdd = UnsafeRawPointer(xq + 16).loadUnaligned(as: SIMD16<Int16>.self)
        let sums = unsafeBitCast(even &* xEven &+ odd &* xOdd, to: SIMD8<Int32>.self)
        let pairs32 = ((sums &<< 16) &>> 16) &+ (sums &>> 16)
        return pairs32.lowHalf &+ pairs32.highHalf
    }

    /// `acc += Float(sum) · d_weight · d_activation`: the one floating-point step per block.
    @inline(__always)
    static func accumulate(_ acc: inout SIMD4<Float>, _ sum: SIMD4<Int32>,
                           _ block: UnsafeRawPointer, _ activationScale: Float) {
        acc += SIMD4<Float>(sum) * (Q8_0.scale(of: block) * activationScale)
    }

    /// Decode: rows in `range`, one token, one row at a time. The quantized activations
    /// (2 bytes each, 16 KiB for 8,192 columns) stay in the L1 cache while the weights
    /// stream past. A function of its own, kept small, so the compiler vectorizes the
    /// high-half products of `blockSumScaled`.
    @inline(never)
    static func decodeRows(_ range: Range<Int>, base: UnsafeRawPointer, rowBytes: Int, blocks: Int,
                           _ xq256: UnsafePointer<Int16>, _ xd: UnsafePointer<Float>,
                           out: UnsafeMutablePointer<Float>) {
        for r in range {
            out[r] = dotOne(base + r * rowBytes, blocks: blocks, xq256, xd)
        }
    }

    /// `dotOne` with unscaled activation levels and `blockSum`: the same result.
    @inline(__always)
    static func dotOneUnscaled(_ w: UnsafeRawPointer, blocks: Int, _ xq: UnsafePointer<Int16>,
                               _ xd: UnsafePointer<Float>) -> Float {
        var acc = SIMD4<Float>()
        for b in 0..<blocks {
            let block = w + b &* Q8_0.blockByteSize
            accumulate(&acc, blockSum(block, xq + b &* Q8_0.blockSize), block, xd[b])
        }
        return sum4(acc)
    }

    /// The reference arithmetic for one output element; the tiles repeat it exactly.
    /// `xq256`: activation levels times 256 (`SplitActivations.quantizedScaled`).
    @inline(__always)
    static func dotOne(_ w: UnsafeRawPointer, blocks: Int, _ xq256: UnsafePointer<Int16>,
                       _ xd: UnsafePointer<Float>) -> Float {
        var acc = SIMD4<Float>()
        for b in 0..<blocks {
            let block = w + b &* Q8_0.blockByteSize
            accumulate(&acc, blockSumScaled(block, xq256 + b &* Q8_0.blockSize), block, xd[b])
        }
        return sum4(acc)
    }

    /// Prefill: four weight rows times three tokens: each weight block is split once for
    /// three tokens, and the twelve four-lane accumulators fit SSE's sixteen registers.
    @inline(__always)
    static func tile4x3(_ w: UnsafeRawPointer, rowBytes: Int, blocks: Int,
                        _ xq: UnsafePointer<Int16>, _ xd: UnsafePointer<Float>, n: Int,
                        out: UnsafeMutablePointer<Float>, outStride: Int) {
        let xq1 = xq + n, xd1 = xd + blocks, xq2 = xq1 + n, xd2 = xd1 + blocks
        var a00 = SIMD4<Float>(), a01 = SIMD4<Float>(), a02 = SIMD4<Float>()
        var a10 = SIMD4<Float>(), a11 = SIMD4<Float>(), a12 = SIMD4<Float>()
        var a20 = SIMD4<Float>(), a21 = SIMD4<Float>(), a22 = SIMD4<Float>()
        var a30 = SIMD4<Float>(), a31 = SIMD4<Float>(), a32 = SIMD4<Float>()
        for b in 0..<blocks {
            let offset = b &* Q8_0.blockByteSize, xOffset = b &* Q8_0.blockSize
            let k0 = w + offset, k1 = k0 + rowBytes, k2 = k1 + rowBytes, k3 = k2 + rowBytes
            accumulate(&a00, blockSum(k0, xq + xOffset), k0, xd[b])
            accumulate(&a01, blockSum(k0, xq1 + xOffset), k0, xd1[b])
            accumulate(&a02, blockSum(k0, xq2 + xOffset), k0, xd2[b])
            accumulate(&a10, blockSum(k1, xq + xOffset), k1, xd[b])
            accumulate(&a11, blockSum(k1, xq1 + xOffset), k1, xd1[b])
            accumulate(&a12, blockSum(k1, xq2 + xOffset), k1, xd2[b])
            accumulate(&a20, blockSum(k2, xq + xOffset), k2, xd[b])
            accumulate(&a21, blockSum(k2, xq1 + xOffset), k2, xd1[b])
            accumulate(&a22, blockSum(k2, xq2 + xOffset), k2, xd2[b])
            accumulate(&a30, blockSum(k3, xq + xOffset), k3, xd[b])
            accumulate(&a31, blockSum(k3, xq1 + xOffset), k3, xd1[b])
            accumulate(&a32, blockSum(k3, xq2 + xOffset), k3, xd2[b])
        }
        let out1 = out + outStride, out2 = out1 + outStride
        out[0] = sum4(a00); out1[0] = sum4(a01); out2[0] = sum4(a02)
        out[1] = sum4(a10); out1[1] = sum4(a11); out2[1] = sum4(a12)
        out[2] = sum4(a20); out1[2] = sum4(a21); out2[2] = sum4(a22)
        out[3] = sum4(a30); out1[3] = sum4(a31); out2[3] = sum4(a32)
    }

    /// The high 16 bits of each 32-bit product `a[i] · b[i]`. Written lane by lane, which
    /// the compiler turns into `pmulhw`: two for the sixteen lanes with SSE2, one with AVX2.
    @inline(__always)
    static func highHalfProduct(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD16<Int16> {
        var r = SIMD16<Int16>()
        for i in 0..<16 { r[i] = Int16(truncatingIfNeeded: (Int32(a[i]) &* Int32(b[i])) &>> 16) }
        return r
    }

    /// The sum of the four lanes, always in the same order (halves first).
    @inline(__always)
    static func sum4(_ v: SIMD4<Float>) -> Float {
        let h = v.lowHalf + v.highHalf
        return h[0] + h[1]
    }
}
