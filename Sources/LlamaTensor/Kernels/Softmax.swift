// Numerically stable softmax. Explained in Documentation/09-Attention-and-the-KV-Cache.md.

import Foundation

/// Replaces `x` with `softmax(x)`: `e^(x[i] - max) / Σ e^(x[j] - max)`.
///
/// Subtracting the maximum first keeps every exponent at most 0, so nothing overflows;
/// `-infinity` entries (masked positions) become exactly 0. All-`-infinity` input (nothing
/// to attend to) becomes all zeros rather than NaN.
/// - Complexity: O(n), no allocation.
public func softmax(_ x: UnsafeMutableBufferPointer<Float>) {
    guard !x.isEmpty else { return }
    var maximum = -Float.infinity
    for v in x where v > maximum { maximum = v }
    guard maximum > -Float.infinity else {
        for i in x.indices { x[i] = 0 }
        return
    }
    var sum: Float = 0
    for i in x.indices {
        let e = expf(x[i] - maximum)
        x[i] = e
        sum += e
    }
    let inverse = 1 / sum
    for i in x.indices { x[i] *= inverse }
}
