// One transformer layer. Explained in Documentation/11-Attention-and-the-KV-Cache.md and
// Documentation/12-SwiGLU.md.

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
        // With an observer (tracing, Documentation/18-Tracing-and-Attention.md) each residual
        // step is followed by a report; without one, by a nil check.
        if attention.layer == 0, let observer = state.observer {
            reportEmbeddings(state, rows: rows, start: start, to: observer)
        }
        let width = rows * attentionNorm.weight.count
        // doc: block
        // h = x + attention(attention_norm(x))
        attentionNorm(state.x.pointer, rows: rows, into: state.normalized.pointer)
        attention(state, rows: rows, start: start, cache: cache, rope: rope, pool: pool)
        addInPlace(state.x.pointer, state.delta.pointer, count: width)
        if let observer = state.observer {
            reportAttention(state, rows: rows, start: start, cache: cache, pool: pool, to: observer)
        }
        // out = h + feed_forward(ffn_norm(h))
        ffnNorm(state.x.pointer, rows: rows, into: state.normalized.pointer)
        feedForward(state, rows: rows, pool: pool)
        addInPlace(state.x.pointer, state.delta.pointer, count: width)
        if let observer = state.observer {
            reportFeedForward(state, rows: rows, start: start, pool: pool, to: observer)
        }
        // doc: end
    }
}
