// Grouped-query self-attention with rotary embeddings and a KV cache. Explained in
// Documentation/11-Attention-and-the-KV-Cache.md.

import Foundation
import LlamaLoader
import LlamaTensor

/// Meta's `Attention`: project, rotate, cache, score, mask, softmax, mix, project back.
struct Attention {
    /// `[nHeads · headDim, dim]`: queries.
    let wq: Tensor
    /// `[nKVHeads · headDim, dim]`: keys.
    let wk: Tensor
    /// `[nKVHeads · headDim, dim]`: values.
    let wv: Tensor
    /// `[dim, nHeads · headDim]`: the output projection.
    let wo: Tensor
    /// This block's index, which selects its part of the KV cache.
    let layer: Int
    let nHeads: Int
    let nKVHeads: Int
    let headDim: Int

    init(_ weights: LayerWeights, layer: Int, params: ModelParams) {
        wq = weights.wq; wk = weights.wk; wv = weights.wv; wo = weights.wo
        self.layer = layer
        nHeads = params.nHeads
        nKVHeads = params.nKVHeads
        headDim = params.headDim
    }

    /// Attends from `rows` new tokens at positions `start ..< start + rows` (their
    /// normalized activations in `state.normalized`) to themselves and every cached
    /// position before them; writes the result of `wo` to `state.delta`.
    func callAsFunction(_ state: ForwardState, rows: Int, start: Int, cache: KVCache,
                        rope: RotaryEmbedding, pool: ThreadPool) {
        let queryWidth = nHeads * headDim, kvWidth = nKVHeads * headDim

        // Project: xq = wq(x), xk = wk(x), xv = wv(x), all tokens at once.
        state.dimActivations.load(state.normalized.pointer, rows: rows)
        matrixProduct(wq, state.dimActivations, rows: rows, into: state.q.pointer, pool: pool)
        matrixProduct(wk, state.dimActivations, rows: rows, into: state.k.pointer, pool: pool)
        matrixProduct(wv, state.dimActivations, rows: rows, into: state.v.pointer, pool: pool)

        for t in 0..<rows {
            let position = start + t
            // Rotate: queries and keys by their position's angles (values are not rotated).
            applyRotaryEmbedding(state.q.row(t, width: queryWidth), headCount: nHeads, headDim: headDim,
                                 cos: rope.cos(at: position), sin: rope.sin(at: position))
            applyRotaryEmbedding(state.k.row(t, width: kvWidth), headCount: nKVHeads, headDim: headDim,
                                 cos: rope.cos(at: position), sin: rope.sin(at: position))
            // Cache: this position's keys and values, per KV head.
            for h in 0..<nKVHeads {
                cache.store(key: state.k.row(t, width: kvWidth) + h * headDim,
                            value: state.v.row(t, width: kvWidth) + h * headDim,
                            layer: layer, head: h, position: position)
            }
        }

        // Each (token, KV head) pair is independent: spread them over the threads. The query
        // heads that share a KV head (GQA) are done together, so each cached key and value
        // is read once for the whole group while it sits in the L1 cache, instead of once
        // per query head. Every head's arithmetic is the same whatever the grouping and the
        // split, so the output does not depend on the thread count, and a prompt token gets
        // the same result in prefill as it would in decode.
        let groupSize = nHeads / nKVHeads  // query heads sharing one KV head (GQA)
        let scale = Float(Double(headDim).squareRoot())
        let contextLength = cache.capacity
        pool.parallelChunks(rows * nKVHeads) { chunk, items in
            let groupScores = state.scores.pointer + chunk * groupSize * contextLength
            let splats = state.broadcastQueries.pointer + chunk * 4 * headDim
            for item in items {
                // doc: attention-group
                let t = item / nKVHeads, g = item % nKVHeads
                let position = start + t
                let firstHead = g * groupSize
                let queries = state.q.row(t, width: queryWidth) + firstHead * headDim
                let outs = state.heads.row(t, width: queryWidth) + firstHead * headDim
                let keys = cache.keys(layer: layer, head: g)
                let values = cache.values(layer: layer, head: g)
                // Score: q·k / sqrt(head_dim) for every position up to this token's own;
                // the causal mask is simply not computing the later ones.
                attentionScores(queries, heads: groupSize, headDim: headDim, keys: keys, count: position + 1,
                                scale: scale, splats: splats, into: groupScores, stride: contextLength)
                // Softmax over the visible positions, in f32, per head.
                for h in 0..<groupSize {
                    softmax(UnsafeMutableBufferPointer(start: groupScores + h * contextLength, count: position + 1))
                }
                // Mix: the probability-weighted sum of the values.
                mixValues(values, headDim: headDim, heads: groupSize, count: position + 1,
                          weights: groupScores, stride: contextLength, into: outs)
                // doc: end
            }
        }

        // Project back: wo(heads).
        state.dimActivations.load(state.heads.pointer, rows: rows)
        matrixProduct(wo, state.dimActivations, rows: rows, into: state.delta.pointer, pool: pool)
    }
}
