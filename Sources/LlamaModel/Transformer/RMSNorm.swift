// RMSNorm as a layer: the learned gain and epsilon. Explained in
// Documentation/09-Embeddings-and-RMSNorm.md.

import LlamaTensor

/// Meta's `RMSNorm`: normalizes each token's vector to unit root-mean-square, then scales
/// it element-wise by a learned gain.
struct RMSNorm {
    /// `[dim]` f32: the gain (widened once from the checkpoint's bf16).
    let weight: [Float]
    /// `norm_eps` from params.json.
    let epsilon: Float

    init(_ weight: Tensor, epsilon: Float) {
        self.weight = weight.floats()
        self.epsilon = epsilon
    }

    /// Normalizes `rows` rows of `weight.count` floats from `x` into `out`.
    func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        let width = weight.count
        weight.withUnsafeBufferPointer { gain in
            for r in 0..<rows {
                rmsNorm(UnsafeBufferPointer(start: x + r * width, count: width), weight: gain,
                        epsilon: epsilon, into: UnsafeMutableBufferPointer(start: out + r * width, count: width))
            }
        }
    }
}
