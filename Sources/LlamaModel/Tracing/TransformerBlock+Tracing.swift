// What a block computed, step by step, for an observer: called from
// TransformerBlock.callAsFunction after each residual step when an observer is set.
// Explained in Documentation/18-Tracing-and-Attention.md.

import LlamaTensor

extension TransformerBlock {
    /// Before layer 0 runs: the residual stream entering the first block, the embedding rows.
    func reportEmbeddings(_ state: ForwardState, rows: Int, start: Int, to observer: any ForwardObserver) {
        observer.report("tok_embeddings", layer: nil, positions: start..<(start + rows),
                        shape: [rows, attentionNorm.weight.count], state.x.pointer)
    }

    /// After `h = x + attention(attention_norm(x))`: attention's steps, then `h`.
    func reportAttention(_ state: ForwardState, rows: Int, start: Int, cache: KVCache, pool: ThreadPool,
                         to observer: any ForwardObserver) {
        // doc: traced-block
        // Reported after the residual add: attention leaves `normalized`, `q`, `k`, `v`,
        // `heads` and `delta` as they were, so nothing is lost by waiting.
        attention.report(state, rows: rows, start: start, cache: cache, pool: pool, observer: observer)
        observer.report("h", layer: attention.layer, positions: start..<(start + rows),
                        shape: [rows, attentionNorm.weight.count], state.x.pointer)
        // doc: end
    }

    /// After `out = h + feed_forward(ffn_norm(h))`: `ffn_norm(h)` (still in `normalized`),
    /// the feed-forward steps, then `out`.
    func reportFeedForward(_ state: ForwardState, rows: Int, start: Int, pool: ThreadPool,
                           to observer: any ForwardObserver) {
        let positions = start..<(start + rows), dim = attentionNorm.weight.count
        observer.report("ffn_norm", layer: attention.layer, positions: positions, shape: [rows, dim],
                        state.normalized.pointer)
        feedForward.report(state, rows: rows, layer: attention.layer, positions: positions, pool: pool,
                           observer: observer)
        observer.report("out", layer: attention.layer, positions: positions, shape: [rows, dim], state.x.pointer)
    }
}

extension ForwardObserver {
    /// Copies `shape.product` floats from `pointer` into a step and shows it.
    func report(_ name: String, layer: Int?, positions: Range<Int>, shape: [Int], _ pointer: UnsafePointer<Float>) {
        let count = shape.reduce(1, *)
        observe(TraceStep(name: name, layer: layer, positions: positions, shape: shape,
                          values: Array(UnsafeBufferPointer(start: pointer, count: count))))
    }

    /// Shows a step whose values are already an array.
    func report(_ name: String, layer: Int?, positions: Range<Int>, shape: [Int], values: [Float]) {
        observe(TraceStep(name: name, layer: layer, positions: positions, shape: shape, values: values))
    }
}
