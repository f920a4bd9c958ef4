// RMSNorm. Explained in Documentation/09-Embeddings-and-RMSNorm.md.

import Foundation

/// Root-mean-square normalization with a learned gain, as Meta's `RMSNorm`:
/// `out[i] = x[i] / sqrt(mean(x²) + epsilon) · weight[i]`.
///
/// - Parameters:
///   - x: The input vector.
///   - weight: The learned gain, as long as `x`.
///   - epsilon: Added to the mean square before the square root (`norm_eps`).
///   - out: As long as `x`; may be the same memory as `x`.
/// - Complexity: O(n), no allocation.
public func rmsNorm(_ x: UnsafeBufferPointer<Float>, weight: UnsafeBufferPointer<Float>,
                    epsilon: Float, into out: UnsafeMutableBufferPointer<Float>) {
    precondition(weight.count == x.count && out.count == x.count, "rmsNorm: lengths differ")
    let n = x.count
    guard n > 0, let xp = x.baseAddress, let wp = weight.baseAddress, let op = out.baseAddress else { return }
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        let v = load8(xp + i, 0)
        acc += v * v
        i += 8
    }
    var sumOfSquares = horizontalSum(acc)
    while i < n {
        sumOfSquares += xp[i] * xp[i]
        i += 1
    }
    // doc: rms-norm-scale
    // Meta: x * torch.rsqrt(x.pow(2).mean(-1) + eps), then times the weight.
    let scale = 1 / (sumOfSquares / Float(n) + epsilon).squareRoot()
    for j in 0..<n {
        op[j] = (xp[j] * scale) * wp[j]
    }
    // doc: end
}
