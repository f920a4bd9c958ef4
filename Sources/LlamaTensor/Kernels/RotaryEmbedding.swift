// Rotary position embedding (RoPE), Meta's interleaved-pair layout.
// Explained in Documentation/10-RoPE.md.

/// Rotates each pair `(x[2i], x[2i+1])` of every head by the angle of frequency `i` at one
/// position: `(a, b) -> (a·cos − b·sin, a·sin + b·cos)`, which is Meta's complex product
/// `view_as_complex(x) * freqs_cis`.
///
/// Meta's checkpoints keep the pairs interleaved (elements 0 and 1, 2 and 3, ...); the
/// Hugging Face conversion permutes `wq`/`wk` to rotate halves instead. Using the wrong one
/// silently gives a different model.
///
/// - Parameters:
///   - x: `headCount × headDim` floats for one position, rotated in place.
///   - headCount: The number of heads in `x`.
///   - headDim: Elements per head (even).
///   - cos: `headDim / 2` cosines for this position.
///   - sin: `headDim / 2` sines for this position.
/// - Complexity: O(headCount × headDim), no allocation.
public func applyRotaryEmbedding(_ x: UnsafeMutablePointer<Float>, headCount: Int, headDim: Int,
                                 cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
    precondition(headDim % 2 == 0, "RoPE needs an even head dimension, found \(headDim)")
    let half = headDim / 2
    for h in 0..<headCount {
        let head = x + h * headDim
        // doc: rope-rotate
        for i in 0..<half {
            let a = head[2 * i], b = head[2 * i + 1]
            let c = cos[i], s = sin[i]
            head[2 * i] = a * c - b * s
            head[2 * i + 1] = a * s + b * c
        }
        // doc: end
    }
}
