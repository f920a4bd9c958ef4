// Plain scalar versions of every kernel, written for clarity, not speed. Tests compare the
// SIMD, multi-threaded kernels against these. The kernels are explained in
// Documentation/07-Tensors.md.

import Foundation

/// Straightforward reference implementations, accumulating in `Double`.
package enum ScalarReference {
    /// `out[t][r] = Σ_c w[r][c] · x[t][c]`, with `w` given as `Float`s (already widened).
    package static func matrixProduct(_ w: [Float], outFeatures: Int, inFeatures: Int,
                                      _ x: [Float], rows: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * outFeatures)
        for t in 0..<rows {
            for r in 0..<outFeatures {
                var s: Double = 0
                for c in 0..<inFeatures {
                    s += Double(w[r * inFeatures + c]) * Double(x[t * inFeatures + c])
                }
                out[t * outFeatures + r] = Float(s)
            }
        }
        return out
    }

    /// Rows of `width` activations after the Q8_0 kernels' quantization: per block of 32,
    /// `d = max|x| / 127`, each value replaced by `d · round(x / d)`.
    package static func quantizedActivations(_ x: [Float], width: Int) -> [Float] {
        var out = x
        for start in stride(from: 0, to: x.count, by: 32) {
            let block = x[start..<(start + 32)]
            let d = block.map(abs).max()! / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            for i in block.indices {
                out[i] = d * (x[i] * inverse).rounded(.toNearestOrAwayFromZero)
            }
        }
        return out
    }

    package static func rmsNorm(_ x: [Float], weight: [Float], epsilon: Float) -> [Float] {
        let meanSquare = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(x.count, 1))
        let scale = 1 / (meanSquare + Double(epsilon)).squareRoot()
        return zip(x, weight).map { Float(Double($0) * scale * Double($1)) }
    }

    package static func softmax(_ x: [Float]) -> [Float] {
        guard let m = x.max(), m > -Float.infinity else { return x.map { _ in 0 } }
        let e = x.map { Foundation.exp(Double($0) - Double(m)) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }

    package static func silu(_ x: [Float]) -> [Float] {
        x.map { Float(Double($0) / (1 + Foundation.exp(-Double($0)))) }
    }

    package static func rope(_ x: [Float], headDim: Int, cos: [Float], sin: [Float]) -> [Float] {
        var out = x
        for h in 0..<(x.count / headDim) {
            for i in 0..<(headDim / 2) {
                let a = Double(x[h * headDim + 2 * i]), b = Double(x[h * headDim + 2 * i + 1])
                out[h * headDim + 2 * i] = Float(a * Double(cos[i]) - b * Double(sin[i]))
                out[h * headDim + 2 * i + 1] = Float(a * Double(sin[i]) + b * Double(cos[i]))
            }
        }
        return out
    }
}
