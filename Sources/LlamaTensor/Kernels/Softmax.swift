// Numerically stable softmax. Explained in Documentation/11-Attention-and-the-KV-Cache.md.

import Foundation

/// Replaces `x` with `softmax(x)`: `e^(x[i] - max) / Σ e^(x[j] - max)`.
///
/// Subtracting the maximum first keeps every exponent at most 0, so nothing overflows;
/// `-infinity` entries (masked positions) become exactly 0. All-`-infinity` input (nothing
/// to attend to) becomes all zeros rather than NaN.
/// - Complexity: O(n), no allocation.
public func softmax(_ x: UnsafeMutableBufferPointer<Float>) {
    guard let base = x.baseAddress, !x.isEmpty else { return }
    let count = x.count
    let maximum = largest(base, count: count)
    guard maximum > -Float.infinity else {
        for i in x.indices { x[i] = 0 }
        return
    }
    // Eight at a time with `exponential8`: attention runs this over every cached position
    // of every head, and a call to the C library's expf per score cost more than the
    // scores themselves at 4,000 positions.
    var sums = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        let e = exponential8(load8(base + i, 0) - SIMD8(repeating: maximum))
        UnsafeMutableRawPointer(base + i).storeBytes(of: e, as: SIMD8<Float>.self)
        sums += e
        i += 8
    }
    var sum = horizontalSum(sums)
    if i < count {
        // The tail goes through the same vector code, padded with -inf (whose exp is 0).
        var tail = SIMD8<Float>(repeating: -.infinity)
        for k in 0..<(count - i) { tail[k] = base[i + k] - maximum }
        let e = exponential8(tail)
        for k in 0..<(count - i) {
            base[i + k] = e[k]
            sum += e[k]
        }
    }
    let inverse = 1 / sum
    for j in 0..<count { base[j] *= inverse }
}

/// The largest of `count` floats, NaNs skipped (`-infinity` if there is nothing else).
///
/// Eight lanes at a time: a scalar loop with a comparison per element took about a fifth of
/// softmax's time at 4,000 positions. The maximum is exact whatever the order, so the result
/// is the scalar loop's.
@inline(__always)
func largest(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= count {
        let v = load8(x + i, 0)
        lanes.replace(with: v, where: v .> lanes)  // a NaN lane compares false: skipped
        i += 8
    }
    var maximum = lanes.max()
    while i < count {
        if x[i] > maximum { maximum = x[i] }
        i += 1
    }
    return maximum
}

/// `e^x` for eight floats at once: within 3e-7 relative of `expf` over x ≤ 0, the range
/// softmax feeds it (tested there); 0 below -87.3 and for -inf.
///
/// Cody and Waite's method with the Cephes coefficients: x = n·ln 2 + r with n an integer
/// and |r| ≤ ln 2 / 2, e^r by a degree-6 polynomial, and 2^n put straight into the exponent
/// bits. Rounding to the nearest integer uses the 1.5·2^23 trick, plain additions, because
/// baseline x86-64 (SSE2) has no vector round instruction; the same sum holds n's integer
/// bits.
@inline(__always)
func exponential8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let clamped = x.replacing(with: -87.3, where: .!(x .>= -87.3))  // also catches -inf and NaN
    let shifter = SIMD8<Float>(repeating: 12_582_912)  // 1.5 · 2^23
    let shifted = clamped * 1.442_695_04 + shifter
    let n = shifted - shifter
    let r = (clamped - n * 0.693_359_375) + n * 2.121_944_4e-4  // ln 2 split in two for precision
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_91e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    let er = p * (r * r) + r + 1
    // n as an integer is already in the low bits of `shifted` (1.5 · 2^23 + n): taking it
    // from there avoids the standard library's generic float-to-integer conversion, which
    // is not inlined and cost more than the polynomial.
    let exponentBits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    let result = er * unsafeBitCast(exponentBits, to: SIMD8<Float>.self)
    return result.replacing(with: 0, where: .!(x .>= -87.3))
}
