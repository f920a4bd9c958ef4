// Every kernel against the scalar reference on seeded random data, including sizes that
// are not multiples of the SIMD width, one-element and empty cases, and every thread count.

import Foundation
import Testing
import TestSupport
@testable import LlamaTensor

func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var g = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float.random(in: -scale...scale, using: &g) }
}

/// Runs `matrixProduct` (with decode walked as `walk`, on the kernels of `instructionSet`)
/// and returns its output.
func product(_ w: Tensor, _ x: [Float], rows: Int, threads: Int, walk: DecodeWalk = .current,
             instructionSet: InstructionSet = .current) -> [Float] {
    let n = w.shape[1], outFeatures = w.shape[0]
    let split = SplitActivations(width: n, capacity: max(rows, 1))
    x.withUnsafeBufferPointer { if rows > 0 { split.load($0.baseAddress!, rows: rows) } }
    var out = [Float](repeating: .nan, count: rows * outFeatures)
    out.withUnsafeMutableBufferPointer {
        matrixProduct(w, split, rows: rows, into: $0.baseAddress!, pool: ThreadPool(threadCount: threads),
                      walk: walk, instructionSet: instructionSet)
    }
    return out
}

@Suite("Kernels")
struct KernelTests {
    static let inSizes = [0, 1, 2, 7, 15, 16, 17, 31, 32, 33, 100, 257]
    static let outSizes = [1, 3, 4, 5, 9, 13]

    /// The SIMD tiles agree with the double-precision reference for every dtype and shape,
    /// within float32 accumulation error.
    @Test(arguments: [DType.bf16, .f16, .f32])
    func matrixProductMatchesReference(dtype: DType) throws {
        for n in Self.inSizes {
            for outFeatures in Self.outSizes {
                for rows in [1, 2, 3, 4, 7, 9] {
                    let seed = UInt64(n * 1000 + outFeatures * 10 + rows)
                    let w = try Tensor(randomFloats(outFeatures * n, seed: seed), shape: [outFeatures, n], dtype: dtype)
                    let x = randomFloats(rows * n, seed: seed + 7, scale: 2)
                    let got = product(w, x, rows: rows, threads: 1)
                    let expected = ScalarReference.matrixProduct(w.floats(), outFeatures: outFeatures,
                                                                 inFeatures: n, x, rows: rows)
                    // Error bound: a few float32 ulps of the sum of magnitudes.
                    let bound = Float(n) * 2 * 2e-7 * 2 + 1e-6
                    let diff = maxAbsoluteDifference(got, expected)
                    #expect(diff <= bound, "dtype \(dtype) n \(n) out \(outFeatures) rows \(rows): diff \(diff)")
                }
            }
        }
    }

    /// Rows longer than 4,096 columns take decode's four-row paths (`streamRows` or
    /// `tile4x1`, by walk), with an odd number of blocks and a leftover column; they agree
    /// with the reference too, for every dtype and walk, and with one row left over after
    /// the groups of four.
    @Test(arguments: [DType.bf16, .f16, .f32])
    func longRowsMatchReference(dtype: DType) throws {
        let n = 4113, outFeatures = 9
        for rows in [1, 3] {
            let w = try Tensor(randomFloats(outFeatures * n, seed: 11), shape: [outFeatures, n], dtype: dtype)
            let x = randomFloats(rows * n, seed: 12, scale: 2)
            let expected = ScalarReference.matrixProduct(w.floats(), outFeatures: outFeatures,
                                                         inFeatures: n, x, rows: rows)
            let bound = Float(n) * 2 * 2e-7 * 2 + 1e-6
            for threads in [1, 2] {
                for walk in DecodeWalk.allCases {
                    let diff = maxAbsoluteDifference(product(w, x, rows: rows, threads: threads, walk: walk), expected)
                    #expect(diff <= bound, "dtype \(dtype) rows \(rows) threads \(threads) walk \(walk): diff \(diff)")
                }
            }
        }
    }

    /// A thread's share of many short rows is walked as two halves or four quarters side by
    /// side (`decodeRows`); with an odd row count, a partial block and leftover columns, it
    /// agrees with the reference, and every walk with one and two threads (whose shares then
    /// take the parts path or the one-row path) gives the same bits.
    @Test(arguments: [DType.bf16, .f16, .f32])
    func manyShortRowsMatchReference(dtype: DType) throws {
        let n = 41, outFeatures = 8193
        let w = try Tensor(randomFloats(outFeatures * n, seed: 21), shape: [outFeatures, n], dtype: dtype)
        let x = randomFloats(n, seed: 22, scale: 2)
        let expected = ScalarReference.matrixProduct(w.floats(), outFeatures: outFeatures, inFeatures: n, x, rows: 1)
        let one = product(w, x, rows: 1, threads: 1, walk: .twoStreams)
        #expect(maxAbsoluteDifference(one, expected) <= Float(n) * 2 * 2e-7 * 2 + 1e-6)
        for walk in DecodeWalk.allCases {
            for threads in [1, 2, 3] {
                #expect(product(w, x, rows: 1, threads: threads, walk: walk) == one, "walk \(walk) threads \(threads)")
            }
        }
    }

    /// Q8_0 decode reads a share of at least 256 rows as four quarters side by side on
    /// Intel (`QuantizedProduct.fourRows`) and one row at a time elsewhere: both agree with the
    /// reference, and give the same bits as each other and as a batched product, with
    /// leftover rows after the quarters.
    @Test(arguments: [DType.q8_0, .q4_0, .q4_1])
    func blockQuartersMatchOneRowAtATime(dtype: DType) throws {
        let n = 96, outFeatures = 1031
        let w = try Tensor(randomFloats(outFeatures * n, seed: 31), shape: [outFeatures, n], dtype: dtype)
        let x = randomFloats(2 * n, seed: 32, scale: 2)
        let first = Array(x[0..<n])
        let expected = ScalarReference.matrixProduct(w.floats(), outFeatures: outFeatures, inFeatures: n,
                                                     ScalarReference.quantizedActivations(first, width: n), rows: 1)
        let one = product(w, first, rows: 1, threads: 1, walk: .twoStreams)
        #expect(maxAbsoluteDifference(one, expected) <= Float(n) * 2 * 2e-7 * 2 + 1e-5)
        let batched = Array(product(w, x, rows: 2, threads: 2)[0..<outFeatures])
        #expect(batched == one)
        for walk in DecodeWalk.allCases {
            for threads in [1, 2, 3] {
                #expect(product(w, first, rows: 1, threads: threads, walk: walk) == one, "walk \(walk) threads \(threads)")
            }
        }
    }

    /// Block-quantized weights times activations quantized as Q8_0: the integer block sums
    /// are exact, so the result is the double-precision product of the dequantized weights
    /// and the dequantized activations, within float32 rounding of the per-block scaling
    /// (and, for Q4_1, of the offset times the activations' block sum).
    @Test(arguments: [DType.q8_0, .q4_0, .q4_1])
    func blockMatrixProductMatchesReference(dtype: DType) throws {
        for n in [32, 64, 96, 256, 2048] {
            for outFeatures in Self.outSizes {
                for rows in [1, 2, 3, 4, 5] {
                    let seed = UInt64(n * 1000 + outFeatures * 10 + rows)
                    let w = try Tensor(randomFloats(outFeatures * n, seed: seed), shape: [outFeatures, n], dtype: dtype)
                    var x = randomFloats(rows * n, seed: seed + 7, scale: 2)
                    x[0] = 0  // a zero and a block of zeros (scale 0) must not divide by zero
                    if n >= 64 { for i in 32..<64 { x[i] = 0 } }
                    let got = product(w, x, rows: rows, threads: 2)
                    let expected = ScalarReference.matrixProduct(
                        w.floats(), outFeatures: outFeatures, inFeatures: n,
                        ScalarReference.quantizedActivations(x, width: n), rows: rows)
                    let bound = Float(n) * 2 * 2e-7 * 2 + 1e-6
                    let diff = maxAbsoluteDifference(got, expected)
                    #expect(diff <= bound, "n \(n) out \(outFeatures) rows \(rows): diff \(diff)")
                }
            }
        }
    }

    /// The extremes of the integer arithmetic: weight bytes of -128 (our quantizer never
    /// writes them, other tools may) and 127 against activations whose levels are all ±127,
    /// so every 16-bit product and 32-bit block sum is as large as it gets. With power-of-two
    /// scales every step is exact (16 blocks keep every partial sum under 2^24 eighths), so
    /// the kernel must equal the sum computed in `Double`, bit for bit, in decode and in the
    /// prefill tile.
    @Test func q8ExtremeLevelsAreExact() throws {
        let outFeatures = 5, n = 512, blocks = n / 32, rows = 3
        let storage = TensorStorage(byteCount: outFeatures * blocks * 34)
        let bytes = storage.mutableBaseAddress
        var weights = [Float](repeating: 0, count: outFeatures * n)
        for r in 0..<outFeatures {
            for b in 0..<blocks {
                let block = bytes + (r * blocks + b) * 34
                block.storeBytes(of: UInt16(0x3C00).littleEndian, as: UInt16.self)  // f16 1.0
                for i in 0..<32 {
                    // Mostly -128 and 127, signs varying with row, block and position.
                    let level: Int8 = (i + b + r) % 5 == 0 ? 127 : ((i * 7 + r) % 3 == 0 ? 3 : -128)
                    block.storeBytes(of: level, toByteOffset: 2 + i, as: Int8.self)
                    weights[r * n + b * 32 + i] = Float(level)
                }
            }
        }
        let w = try Tensor(dtype: .q8_0, shape: [outFeatures, n], storage: storage)
        // Activations of ±127 · 2^-3 per element: levels ±127, scale 2^-3 exactly.
        let x = (0..<(rows * n)).map { i -> Float in (i % 3 == 1 ? -127 : 127) / 8 }
        for threads in [1, 2] {
            let got = product(w, x, rows: rows, threads: threads)
            for t in 0..<rows {
                for r in 0..<outFeatures {
                    var exact = 0.0
                    for i in 0..<n { exact += Double(weights[r * n + i]) * Double(x[t * n + i]) }
                    #expect(got[t * outFeatures + r] == Float(exact), "row \(r) token \(t) threads \(threads)")
                }
            }
        }
    }

    /// Q8_0 quantization: every element within half a step of its block's scale, the
    /// largest magnitude of each block exactly ±127 steps, and non-finite input clamped
    /// instead of trapping.
    @Test func q8QuantizationBoundsTheError() throws {
        let values = randomFloats(32 * 40, seed: 9, scale: 3)
        let t = try Tensor(values, shape: [40, 32], dtype: .q8_0)
        #expect(t.byteCount == 40 * 34)
        let back = t.floats()
        for b in 0..<40 {
            let block = values[(b * 32)..<(b * 32 + 32)]
            let amax = block.map(abs).max()!
            let d = Float(Float16(amax / 127))
            for i in block.indices {
                #expect(abs(back[i] - values[i]) <= d * 0.5 + amax * 2e-3, "element \(i)")
            }
        }
        var broken = [Float](repeating: 1, count: 32)
        broken[3] = .nan; broken[4] = .infinity
        let q = try Tensor(broken, shape: [32], dtype: .q8_0)
        #expect(q.floats().allSatisfy { !$0.isNaN })
        #expect(throws: TensorError.partialBlock(shape: [3, 20], dtype: .q8_0)) {
            try Tensor([Float](repeating: 0, count: 60), shape: [3, 20], dtype: .q8_0)
        }
    }

    /// f16 scales widened without the library call agree with `Float(Float16)` for every
    /// finite half-precision value, subnormals and negative zero included.
    @Test func halfToFloatIsExact() {
        for bits in UInt16.min...UInt16.max {
            let half = Float16(bitPattern: bits)
            guard half.isFinite else { continue }
            #expect(Q8_0.halfToFloat(bits).bitPattern == Float(half).bitPattern, "bits \(bits)")
        }
    }

    /// The f16 weight kernels' widening gives the same float as the hardware conversion
    /// for every half: zeros, subnormals, normals, infinities, and NaNs (as NaNs with the
    /// same payload, the conversion may only set the quiet bit). Every value goes through
    /// both `widenPairs` lanes (even and odd) and `element`.
    @Test func float16WideningIsExact() {
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            var row = [UInt16](repeating: 0, count: 16)
            row[5] = bits   // an odd element
            row[8] = bits   // an even one
            let (even, odd) = row.withUnsafeBytes { Float16Weights.widenPairs($0.baseAddress!, block: 0) }
            let single = row.withUnsafeBytes { Float16Weights.element($0.baseAddress!, 8) }
            for found in [odd[2], even[4], single] {
                if expected.isNaN {
                    #expect(found.isNaN && found.bitPattern | 0x0040_0000 == expected.bitPattern | 0x0040_0000,
                            "bits \(bits)")
                } else {
                    #expect(found.bitPattern == expected.bitPattern, "bits \(bits)")
                }
            }
        }
    }

    /// Results are bit-identical for 1, 2, 3 and 4 threads and across tile shapes: the
    /// matrix-vector product of one token equals that token's row of a batched product.
    /// Widths on both sides of the decode kernel's switch from one row to four at a time.
    @Test(arguments: [(DType.bf16, 100), (.bf16, 4113), (.bf16, 8209), (.f16, 100), (.f16, 4113), (.q8_0, 96), (.q8_0, 4128),
                      (.q4_0, 96), (.q4_0, 4128), (.q4_1, 96), (.q4_1, 4128)])
    func productsAreBitIdenticalAcrossThreadsAndBatching(dtype: DType, n: Int) throws {
        let outFeatures = 37, rows = 13
        let w = try Tensor(randomFloats(outFeatures * n, seed: 1), shape: [outFeatures, n], dtype: dtype)
        let x = randomFloats(rows * n, seed: 2)
        let single = product(w, x, rows: rows, threads: 1)
        for threads in [2, 3, 4] {
            #expect(product(w, x, rows: rows, threads: threads) == single, "threads \(threads)")
        }
        for t in 0..<rows {
            let one = Array(x[(t * n)..<((t + 1) * n)])
            let split = SplitActivations(width: n, capacity: 1)
            one.withUnsafeBufferPointer { split.load($0) }
            var out = [Float](repeating: 0, count: outFeatures)
            out.withUnsafeMutableBufferPointer {
                matrixVectorProduct(w, split, into: $0.baseAddress!, pool: ThreadPool(threadCount: 2))
            }
            let expected = Array(single[(t * outFeatures)..<((t + 1) * outFeatures)])
            #expect(out == expected, "token \(t)")
            for walk in DecodeWalk.allCases {
                #expect(product(w, one, rows: 1, threads: 2, walk: walk) == expected, "token \(t) walk \(walk)")
            }
        }
    }

    @Test func rmsNormMatchesReference() {
        for n in [1, 7, 8, 9, 64, 257] {
            let x = randomFloats(n, seed: UInt64(n), scale: 3)
            let weight = randomFloats(n, seed: UInt64(n) + 1)
            var out = [Float](repeating: 0, count: n)
            x.withUnsafeBufferPointer { xp in
                weight.withUnsafeBufferPointer { wp in
                    out.withUnsafeMutableBufferPointer { rmsNorm(xp, weight: wp, epsilon: 1e-5, into: $0) }
                }
            }
            let expected = ScalarReference.rmsNorm(x, weight: weight, epsilon: 1e-5)
            #expect(allClose(out, expected, absolute: 1e-6, relative: 1e-5), "n \(n)")
        }
        // Empty input: nothing to do, no crash.
        var empty: [Float] = []
        empty.withUnsafeMutableBufferPointer { e in
            rmsNorm(UnsafeBufferPointer(e), weight: UnsafeBufferPointer(e), epsilon: 1e-5, into: e)
        }
    }

    /// The vector exponential behind softmax, against the C library's expf over the whole
    /// range softmax feeds it (x ≤ 0), including where results become subnormal and zero.
    @Test func vectorExponentialMatchesExpf() {
        var worst: Float = 0
        var x: Float = -90
        while x <= 0 {
            let values = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-3 })
            let got = exponential8(values)
            for k in 0..<8 {
                let want = expf(values[k])
                if want >= 2e-38 {
                    worst = max(worst, abs(got[k] - want) / want)
                } else {
                    #expect(got[k] >= 0 && got[k] < 2e-38, "e^\(values[k]) = \(got[k])")
                }
            }
            x += 0.0173
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        let special = exponential8(SIMD8<Float>(0, -.infinity, -87.4, -1000, 1e-30, -1e-30, -0.5, -88))
        #expect(special[0] == 1 && special[1] == 0 && special[2] == 0 && special[3] == 0)
        #expect(special[4] == 1 && special[5] == 1 && abs(special[6] - expf(-0.5)) < 1e-7 && special[7] == 0)
    }

    /// The weighted sum of rows equals adding the rows one by one, in order, bit for bit,
    /// on both sides of the 32- and 8-column blocks.
    @Test func weightedSumEqualsAddingRowsInOrder() {
        for width in [1, 7, 8, 33, 64, 96] {
            for count in [1, 5, 100] {
                let rows = randomFloats(width * count, seed: UInt64(width * 1000 + count))
                let weights = randomFloats(count, seed: UInt64(count))
                var expected = [Float](repeating: 0, count: width)
                for j in 0..<count {
                    for c in 0..<width { expected[c] += weights[j] * rows[j * width + c] }
                }
                var got = [Float](repeating: .nan, count: width)
                rows.withUnsafeBufferPointer { r in
                    weights.withUnsafeBufferPointer { w in
                        got.withUnsafeMutableBufferPointer { o in
                            weightedSum(r.baseAddress!, weights: w.baseAddress!, count: count, width: width, into: o.baseAddress!)
                        }
                    }
                }
                #expect(got == expected, "width \(width), \(count) rows")
                // In blocks of 3 rows, carrying the sums in `out`: the same bits.
                var blocked = [Float](repeating: .nan, count: width)
                rows.withUnsafeBufferPointer { r in
                    weights.withUnsafeBufferPointer { w in
                        blocked.withUnsafeMutableBufferPointer { o in
                            for start in stride(from: 0, to: count, by: 3) {
                                weightedSum(r.baseAddress! + start * width, weights: w.baseAddress! + start,
                                            count: min(3, count - start), width: width, into: o.baseAddress!,
                                            accumulate: start > 0)
                            }
                        }
                    }
                }
                #expect(blocked == expected, "blocks of 3, width \(width), \(count) rows")
            }
        }
    }

    /// Blocked attention scores give exactly the scalar `attentionScore` of each (head,
    /// position), close to a `Double` dot product, for group sizes that take the four-head
    /// and the one-head paths, and counts that end inside a block. The unused lanes of the
    /// last block hold NaN here, and must not leak into the scores or past `count`.
    @Test func attentionScoresMatchTheScalarScore() {
        for headDim in [64, 8, 5] {
            for heads in [1, 3, 4, 5, 8] {
                for count in [1, 7, 8, 9, 100] {
                    let seed = UInt64(headDim * 1000 + heads * 100 + count)
                    let queries = randomFloats(heads * headDim, seed: seed)
                    let rows = randomFloats(count * headDim, seed: seed + 1)
                    var keys = [Float](repeating: .nan, count: KeyBlocks.floats(capacity: count, headDim: headDim))
                    let stride = count + 3
                    var out = [Float](repeating: -7, count: heads * stride)
                    var splats = [SIMD8<Float>](repeating: SIMD8(), count: 4 * headDim)
                    keys.withUnsafeMutableBufferPointer { k in
                        rows.withUnsafeBufferPointer { r in
                            for j in 0..<count {
                                KeyBlocks.store(r.baseAddress! + j * headDim, position: j, headDim: headDim,
                                                into: k.baseAddress!)
                            }
                        }
                    }
                    queries.withUnsafeBufferPointer { q in
                        keys.withUnsafeBufferPointer { k in
                            out.withUnsafeMutableBufferPointer { o in
                                splats.withUnsafeMutableBufferPointer { s in
                                    attentionScores(q.baseAddress!, heads: heads, headDim: headDim,
                                                    keys: k.baseAddress!, count: count, scale: 8,
                                                    splats: s.baseAddress!, into: o.baseAddress!, stride: stride)
                                }
                            }
                            for h in 0..<heads {
                                for j in 0..<count {
                                    let got = out[h * stride + j]
                                    let scalar = attentionScore(q.baseAddress! + h * headDim, keys: k.baseAddress!,
                                                                position: j, headDim: headDim, scale: 8)
                                    #expect(got == scalar, "d \(headDim), \(heads) heads, count \(count), h \(h), j \(j)")
                                    var exact = 0.0
                                    for i in 0..<headDim {
                                        exact += Double(queries[h * headDim + i]) * Double(rows[j * headDim + i])
                                    }
                                    #expect(abs(Double(got) - exact / 8) <= 1e-5 * (1 + abs(exact)))
                                }
                                for j in count..<stride {
                                    #expect(out[h * stride + j] == -7, "written past count: h \(h), j \(j)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `KeyBlocks.store` puts element `i` of position `j`'s key where `KeyBlocks.index`
    /// says, eight positions side by side per dimension.
    @Test func keyBlocksStoreWhereIndexSays() {
        let headDim = 3, count = 11
        var keys = [Float](repeating: 0, count: KeyBlocks.floats(capacity: count, headDim: headDim))
        #expect(keys.count == 16 * headDim)
        keys.withUnsafeMutableBufferPointer { k in
            for j in 0..<count {
                let key = (0..<headDim).map { Float(100 * j + $0) }
                key.withUnsafeBufferPointer { KeyBlocks.store($0.baseAddress!, position: j, headDim: headDim, into: k.baseAddress!) }
            }
        }
        for j in 0..<count {
            for i in 0..<headDim {
                #expect(keys[KeyBlocks.index(position: j, dimension: i, headDim: headDim)] == Float(100 * j + i))
            }
        }
        // Dimension 1 of positions 8 ..< 16 (the second block) are eight consecutive floats.
        #expect(keys[8 * headDim + 8] == 801 && keys[8 * headDim + 9] == 901)
    }

    @Test func softmaxMatchesReferenceAndHandlesMasks() {
        for n in [1, 2, 7, 8, 9, 100, 4001] {
            var x = randomFloats(n, seed: UInt64(n), scale: 20)
            let expected = ScalarReference.softmax(x)
            x.withUnsafeMutableBufferPointer { softmax($0) }
            #expect(allClose(x, expected, absolute: 1e-7, relative: 1e-5))
            #expect(abs(x.reduce(0, +) - 1) < 1e-5)
        }
        var masked: [Float] = [1, -.infinity, 1, -.infinity]
        masked.withUnsafeMutableBufferPointer { softmax($0) }
        #expect(masked == [0.5, 0, 0.5, 0])
        var large: [Float] = [1000, 1000]  // would overflow without subtracting the max
        large.withUnsafeMutableBufferPointer { softmax($0) }
        #expect(large == [0.5, 0.5])
        var allMasked: [Float] = [-.infinity, -.infinity]
        allMasked.withUnsafeMutableBufferPointer { softmax($0) }
        #expect(allMasked == [0, 0])
        var empty: [Float] = []
        empty.withUnsafeMutableBufferPointer { softmax($0) }
    }

    /// Softmax's vector maximum is the scalar one: NaNs skipped wherever they fall (vector
    /// part or tail), the largest value found wherever it is, `-infinity` when nothing else.
    @Test func largestSkipsNaNsAndFindsTheMaximum() {
        for n in [1, 7, 8, 9, 16, 23, 100] {
            for peak in [0, n / 2, n - 1] {
                var x = randomFloats(n, seed: UInt64(n * 7 + peak))
                x[peak] = 5
                for nan in stride(from: (peak + 1) % n, to: n, by: 3) where nan != peak { x[nan] = .nan }
                let got = x.withUnsafeBufferPointer { largest($0.baseAddress!, count: n) }
                #expect(got == 5, "n \(n), peak at \(peak)")
            }
            let nothing = [Float](repeating: .nan, count: n)
            #expect(nothing.withUnsafeBufferPointer { largest($0.baseAddress!, count: n) } == -.infinity)
        }
    }

    @Test func siluAndSwiGLUMatchReference() {
        let gate = randomFloats(37, seed: 3, scale: 8)
        let up = randomFloats(37, seed: 4)
        var s = [Float](repeating: 0, count: 37)
        var g = s
        gate.withUnsafeBufferPointer { gp in
            s.withUnsafeMutableBufferPointer { silu(gp, into: $0) }
            up.withUnsafeBufferPointer { upp in
                g.withUnsafeMutableBufferPointer { siluMultiply(gp, upp, into: $0) }
            }
        }
        let expected = ScalarReference.silu(gate)
        #expect(allClose(s, expected, absolute: 1e-6, relative: 1e-5))
        #expect(allClose(g, zip(expected, up).map { $0 * $1 }, absolute: 1e-6, relative: 1e-5))
        #expect(silu(-100) == -0.0 || abs(silu(-100)) < 1e-30)
        #expect(silu(100) == 100)
    }

    /// Split across threads (in chunks of 1,024 elements), the gate gives the same bits as
    /// on one thread, also in place.
    @Test func swiGLUIsTheSameOnSeveralThreads() {
        let count = 5_000
        let gate = randomFloats(count, seed: 5, scale: 8), up = randomFloats(count, seed: 6)
        func gated(threads: Int) -> [Float] {
            var out = gate
            up.withUnsafeBufferPointer { upp in
                out.withUnsafeMutableBufferPointer { o in
                    siluMultiply(UnsafeBufferPointer(o), upp, into: o, pool: ThreadPool(threadCount: threads))
                }
            }
            return out
        }
        let one = gated(threads: 1)
        #expect(one == zip(gate, up).map { silu($0) * $1 })
        for threads in [2, 3] { #expect(gated(threads: threads) == one, "threads \(threads)") }
    }

    @Test func elementwiseAndVectorOps() {
        for n in [0, 1, 8, 13] {
            let a = randomFloats(n, seed: 5), b = randomFloats(n, seed: 6)
            var sum = [Float](repeating: 0, count: n), prod = sum
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    sum.withUnsafeMutableBufferPointer { add(ap, bp, into: $0) }
                    prod.withUnsafeMutableBufferPointer { multiply(ap, bp, into: $0) }
                    let d = dot(ap.baseAddress ?? UnsafePointer(bitPattern: 8)!, bp.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: n)
                    let expected = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    #expect(abs(Double(d) - expected) < 1e-5)
                }
            }
            #expect(sum == zip(a, b).map { $0 + $1 })
            #expect(prod == zip(a, b).map { $0 * $1 })
        }
    }

    @Test func argmaxPicksTheFirstLargest() {
        func am(_ x: [Float]) -> Int? { x.withUnsafeBufferPointer { argmax($0) } }
        #expect(am([1, 3, 2]) == 1)
        #expect(am([3, 1, 3]) == 0)  // ties: the first, as torch.argmax on CPU
        #expect(am([.nan, -1, -2]) == 1)
        #expect(am([-.infinity]) == 0)
        #expect(am([]) == nil)
        #expect(am([.nan]) == nil)
    }

    @Test func ropeRotatesInterleavedPairs() {
        let headDim = 8, heads = 3
        var x = randomFloats(heads * headDim, seed: 9)
        let angles = (0..<(headDim / 2)).map { Float($0) * 0.7 + 0.1 }
        let c = angles.map { Foundation.cos($0) }, s = angles.map { Foundation.sin($0) }
        let expected = ScalarReference.rope(x, headDim: headDim, cos: c, sin: s)
        let norms = (0..<heads * headDim / 2).map { hypot(x[2 * $0], x[2 * $0 + 1]) }
        x.withUnsafeMutableBufferPointer { xp in
            applyRotaryEmbedding(xp.baseAddress!, headCount: heads, headDim: headDim, cos: c, sin: s)
        }
        #expect(allClose(x, expected, absolute: 1e-6, relative: 1e-5))
        // A rotation keeps the length of every pair.
        let after = (0..<heads * headDim / 2).map { hypot(x[2 * $0], x[2 * $0 + 1]) }
        #expect(allClose(after, norms, absolute: 1e-6, relative: 1e-5))
    }

    @Test func threadPoolCoversEveryIndexOnce() {
        for threads in [1, 2, 3, 8] {
            for count in [0, 1, 5, 17, 100] {
                for chunksPerThread in [1, 4] {
                    let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
                    hits.initialize(repeating: 0)
                    ThreadPool(threadCount: threads).parallelFor(count, granularity: 4,
                                                                 chunksPerThread: chunksPerThread) { range in
                        #expect(range.lowerBound % 4 == 0)
                        for i in range { hits[i] += 1 }
                    }
                    #expect(hits.prefix(count).allSatisfy { $0 == 1 },
                            "threads \(threads) count \(count) chunks per thread \(chunksPerThread)")
                    hits.deallocate()
                }
            }
        }
    }
}
