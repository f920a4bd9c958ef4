// The integer kernels on Q4_K and Q6_K super-blocks: random bytes (every level, scale and
// min pattern) with modest f16 scales, against the scalar reference over the dequantized
// weights, and bit-identical across threads, decode walks and batching.

import Foundation
@testable import LlamaTensor
import Testing
import TestSupport

@Suite("K-quant kernels") struct KQuantKernelTests {
    /// A `[rows, n]` tensor of random blocks of a block format whose f16 scale (and offset)
    /// fields are finite and small (a few hundredths), as real files' are.
    static func randomTensor(_ dtype: DType, rows: Int, n: Int, seed: UInt64) throws -> Tensor {
        let blocks = rows * n / dtype.blockSize, size = dtype.blockByteSize
        let storage = TensorStorage(byteCount: blocks * size)
        let bytes = storage.mutableBaseAddress
        var g = SplitMix64(seed: seed)
        for i in 0..<(blocks * size) { bytes.storeBytes(of: UInt8.random(in: 0...255, using: &g), toByteOffset: i, as: UInt8.self) }
        let scaleOffsets: [Int]
        switch dtype {
        case .q4_K, .q4_1, .q5_1: scaleOffsets = [0, 2]
        case .q6_K: scaleOffsets = [208]
        default: scaleOffsets = [0]
        }
        for b in 0..<blocks {
            for offset in scaleOffsets {
                let scale = Float16(Float.random(in: 0.001...0.03, using: &g))
                bytes.storeBytes(of: scale.bitPattern.littleEndian, toByteOffset: b * size + offset, as: UInt16.self)
            }
        }
        return try Tensor(dtype: dtype, shape: [rows, n], storage: storage)
    }

    @Test(arguments: [DType.q4_K, .q6_K])
    func matrixProductMatchesReference(dtype: DType) throws {
        for n in [256, 512, 2048] {
            for outFeatures in [1, 3, 8, 37] {
                for rows in [1, 2, 5] {
                    let seed = UInt64(n * 1000 + outFeatures * 10 + rows)
                    let w = try Self.randomTensor(dtype, rows: outFeatures, n: n, seed: seed)
                    let x = randomFloats(rows * n, seed: seed + 7, scale: 2)
                    let got = product(w, x, rows: rows, threads: 2)
                    let expected = ScalarReference.matrixProduct(
                        w.floats(), outFeatures: outFeatures, inFeatures: n,
                        ScalarReference.quantizedActivations(x, width: n), rows: rows)
                    // The integer sums are exact; only the float steps of each unit round.
                    let bound = Float(n) * 2 * 2e-7 * 4 + 1e-5
                    let diff = maxAbsoluteDifference(got, expected)
                    #expect(diff <= bound, "\(dtype) n \(n) out \(outFeatures) rows \(rows): diff \(diff)")
                }
            }
        }
    }

    @Test(arguments: [DType.q4_K, .q6_K])
    func productsAreBitIdenticalAcrossThreadsWalksAndBatching(dtype: DType) throws {
        let outFeatures = 37, rows = 7, n = 1024
        let w = try Self.randomTensor(dtype, rows: outFeatures, n: n, seed: 5)
        let x = randomFloats(rows * n, seed: 6)
        let single = product(w, x, rows: rows, threads: 1)
        for threads in [2, 3] {
            #expect(product(w, x, rows: rows, threads: threads) == single, "threads \(threads)")
        }
        for t in 0..<rows {
            let one = Array(x[(t * n)..<((t + 1) * n)])
            let expected = Array(single[(t * outFeatures)..<((t + 1) * outFeatures)])
            for walk in DecodeWalk.allCases {
                #expect(product(w, one, rows: 1, threads: 2, walk: walk) == expected, "token \(t) walk \(walk)")
            }
        }
        // Four quarters side by side need 256 rows per thread.
        let tall = try Self.randomTensor(dtype, rows: 1031, n: 256, seed: 9)
        let first = randomFloats(256, seed: 10)
        let oneRow = product(tall, first, rows: 1, threads: 1, walk: .twoStreams)
        for walk in DecodeWalk.allCases {
            #expect(product(tall, first, rows: 1, threads: 2, walk: walk) == oneRow, "walk \(walk)")
        }
    }
}
