// One transformer layer. Explained in Documentation/09-Attention-and-the-KV-Cache.md and
// Documentation/10-SwiGLU.md.

import LlamaLoader
import LlamaTensor

/// Meta's `TransformerBlock`: attention then feed-forward, each on a normalized copy of
/// the residual stream and added back to it.
struct TransformerBlock {
    let attentionNorm: RMSNorm
    let attention: Attention
    let ffnNorm: RMSNorm
    let feedForward: FeedForward

    init(_ weights: LayerWeights, layer: Int, params: ModelParams) {
        attentionNorm = RMSNorm(weights.attentionNorm, epsilon: params.normEps)
        attention = Attention(weights, layer: layer, params: params)
        ffnNorm = RMSNorm(weights.ffnNorm, epsilon: params.normEps)
        feedForward = FeedForward(weights)
    }

    /// Runs the block on `rows` tokens of `state.x`, in place.
    func callAsFunction(_ state: ForwardState, rows: Int, start: Int, cache: KVCache,
                        rope: RotaryEmbedding, pool: ThreadPool) {
        if let observer = state.observer {  // once per block: the untraced path below is untouched
            return traced(state, rows: rows, start: start, cache: cache, rope: rope, pool: pool, observer: observer)
        }
        let width = rows * attentionNorm.weight.count
        // doc: block
        // h = x + attention(attention_norm(x))
        attentionNorm(state.x.pointer, rows: rows, into: state.normalized.pointer)
        attention(state, rows: rows, start: start, cache: cache, rope: rope, pool: pool)
        addInPlace(state.x.pointer, state.delta.pointer, count: width)
        // out = h + feed_forward(ffn_norm(h))
        ffnNorm(state.x.pointer, rows: rows, into: state.normalized.pointer)
        feedForward(state, rows: rows, pool: pool)
        addInPlace(state.x.pointer, state.delta.pointer, count: width)
        // doc: end
    }
}

/// `x += delta` over `count` floats: a residual connection.
@inline(__always)
func addInPlace(_ x: UnsafeMutablePointer<Float>, _ delta: UnsafeMutablePointer<Float>, count: Int) {
    add(UnsafeBufferPointer(start: x, count: count), UnsafeBufferPointer(start: delta, count: count),
        into: UnsafeMutableBufferPointer(start: x, count: count))
}
