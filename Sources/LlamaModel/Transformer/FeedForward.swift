// The SwiGLU feed-forward network. Explained in Documentation/12-SwiGLU.md.

import LlamaLoader
import LlamaTensor

/// Meta's `FeedForward`: `w2(silu(w1(x)) * w3(x))`.
struct FeedForward {
    /// `[hidden, dim]`: the gate projection.
    let w1: Tensor
    /// `[dim, hidden]`: the down projection.
    let w2: Tensor
    /// `[hidden, dim]`: the up projection.
    let w3: Tensor

    init(_ weights: LayerWeights) {
        w1 = weights.w1; w2 = weights.w2; w3 = weights.w3
    }

    /// Reads `rows` rows of `state.normalized`, writes `state.delta`.
    func callAsFunction(_ state: ForwardState, rows: Int, pool: ThreadPool) {
        let hidden = w1.shape[0]
        // doc: swiglu
        state.dimActivations.load(state.normalized.pointer, rows: rows)
        matrixProduct(w1, state.dimActivations, rows: rows, into: state.gate.pointer, pool: pool)
        matrixProduct(w3, state.dimActivations, rows: rows, into: state.up.pointer, pool: pool)
        let count = rows * hidden
        siluMultiply(UnsafeBufferPointer(start: state.gate.pointer, count: count),
                     UnsafeBufferPointer(start: state.up.pointer, count: count),
                     into: UnsafeMutableBufferPointer(start: state.gate.pointer, count: count),
                     pool: pool)
        state.hiddenActivations.load(state.gate.pointer, rows: rows)
        matrixProduct(w2, state.hiddenActivations, rows: rows, into: state.delta.pointer, pool: pool)
        // doc: end
    }
}
