// Microbenchmarks of the matrix-vector product (decode's hot loop) against the measured
// bandwidth roof.

import Foundation
import LlamaTensor

/// Times `matrixVectorProduct` on bf16, f16 and Q8_0 matrices of decode shapes.
enum KernelBenchmark {
    struct Result: Encodable {
        let shape: [Int]
        let dtype: String
        let milliseconds: Double
        let gigabytesPerSecond: Double
        let fractionOfBandwidth: Double

        enum CodingKeys: String, CodingKey {
            case shape, dtype, milliseconds, gigabytesPerSecond = "gbps", fractionOfBandwidth = "fraction_of_bandwidth"
        }
    }

    /// Cycles through enough copies of an `[rows, cols]` matrix to exceed the caches (about
    /// 512 MB), so each product streams its weights from memory as decode does.
    static func matrixVector(rows: Int, cols: Int, dtype: DType, pool: ThreadPool,
                             bandwidth: Double, seconds: Double = 2) -> Result {
        let bytesPerMatrix = dtype.byteCount(elements: rows * cols)
        let copies = max(2, (512 << 20) / bytesPerMatrix)
        // A fast seeded generator: the system one makes a system call per number, which
        // made filling 512 MB take minutes.
        var generator = SplitMix64(seed: 42)
        let matrices: [Tensor] = (0..<copies).map { _ in
            let t = Tensor(zeros: [rows, cols], dtype: dtype)
            let raw = t.storage.mutableBaseAddress.assumingMemoryBound(to: UInt16.self)
            // Random bf16 values in about [-1, 1]: sign, exponent 0x7E or lower, any mantissa
            // (for q8_0 the same bits serve as f16 scales near 1 and arbitrary bytes).
            for i in 0..<(t.byteCount / 2) {
                let r = UInt16(truncatingIfNeeded: generator.next() >> 48)
                raw[i] = (r & 0x807F) | 0x3C00 | ((r >> 4) & 0x0380)
            }
            return t
        }
        let x = SplitActivations(width: cols, capacity: 1)
        let input = (0..<cols).map { _ in Float.random(in: -1...1) }
        input.withUnsafeBufferPointer { x.load($0) }
        let out = UnsafeMutablePointer<Float>.allocate(capacity: rows)
        defer { out.deallocate() }
        // Warm up, then run for about `seconds`.
        for m in matrices { matrixVectorProduct(m, x, into: out, pool: pool) }
        var calls = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        while elapsed < seconds {
            for m in matrices { matrixVectorProduct(m, x, into: out, pool: pool) }
            calls += matrices.count
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let perCall = elapsed / Double(calls)
        let gbps = Double(bytesPerMatrix) / perCall / 1e9
        return Result(shape: [rows, cols], dtype: dtype.description, milliseconds: perCall * 1000,
                      gigabytesPerSecond: gbps, fractionOfBandwidth: gbps / bandwidth)
    }
}

extension KernelBenchmark {
    struct ProductResult: Encodable {
        let shape: [Int]
        /// The weights' element type (the roofline reads their bytes from it).
        var dtype = DType.bf16.description
        let tokens: Int
        let milliseconds: Double
        let gigaMultiplyAdds: Double
        let fractionOfCompute: Double

        enum CodingKeys: String, CodingKey {
            case shape, dtype, tokens, milliseconds, gigaMultiplyAdds = "gmacs", fractionOfCompute = "fraction_of_compute"
        }
    }

    /// Times prefill's `matrixProduct` of a bf16 `[rows, cols]` matrix with `tokens`
    /// activation rows, in multiply-adds per second against the measured compute roof.
    static func matrixMatrix(rows: Int, cols: Int, tokens: Int, pool: ThreadPool,
                             computeRoof: Double, seconds: Double = 2) -> ProductResult {
        var generator = SplitMix64(seed: 7)
        let weights = Tensor(zeros: [rows, cols], dtype: .bf16)
        let raw = weights.storage.mutableBaseAddress.assumingMemoryBound(to: UInt16.self)
        for i in 0..<(rows * cols) {
            let r = UInt16(truncatingIfNeeded: generator.next() >> 48)
            raw[i] = (r & 0x807F) | 0x3C00 | ((r >> 4) & 0x0380)
        }
        let x = SplitActivations(width: cols, capacity: tokens)
        let input = (0..<(tokens * cols)).map { _ in Float.random(in: -1...1) }
        input.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { x.load(base, rows: tokens) }
        }
        let out = UnsafeMutablePointer<Float>.allocate(capacity: rows * tokens)
        defer { out.deallocate() }
        matrixProduct(weights, x, rows: tokens, into: out, pool: pool)
        var calls = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        while elapsed < seconds {
            matrixProduct(weights, x, rows: tokens, into: out, pool: pool)
            calls += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let perCall = elapsed / Double(calls)
        let rate = Double(rows * cols * tokens) / perCall / 1e9
        return ProductResult(shape: [rows, cols], tokens: tokens, milliseconds: perCall * 1000,
                             gigaMultiplyAdds: rate, fractionOfCompute: rate / computeRoof)
    }
}

/// Sebastiano Vigna's SplitMix64: one multiply-xorshift step per number, plenty for filling
/// benchmark matrices.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
