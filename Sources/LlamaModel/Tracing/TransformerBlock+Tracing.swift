// The block's forward pass with an observer: the same kernels in the same order as
// TransformerBlock.callAsFunction, with a report after each step. Explained in
// Documentation/16-Tracing-and-Attention.md.

import LlamaTensor

extension TransformerBlock {
    /// Runs the block exactly as `callAsFunction` does, then shows `observer` every step.
    ///
    /// The six lines of residual arithmetic are repeated here rather than interleaved
    /// with reports in `callAsFunction`, so the untraced path stays as it was; the test
    /// `tracingDoesNotChangeTheResult` holds the two to the same bits.
    func traced(_ state: ForwardState, rows: Int, start: Int, cache: KVCache, rope: RotaryEmbedding,
                pool: ThreadPool, observer: any ForwardObserver) {
        let dim = attentionNorm.weight.count
        let width = rows * dim
        let positions = start..<(start + rows)
        if attention.layer == 0 {
            // The residual stream entering the first block is the embedding rows.
            observer.report("tok_embeddings", layer: nil, positions: positions, shape: [rows, dim], state.x.pointer)
        }
        // doc: traced-block
        attentionNorm(state.x.pointer, rows: rows, into: state.normalized.pointer)
        attention(state, rows: rows, start: start, cache: cache, rope: rope, pool: pool)
        addInPlace(state.x.pointer, state.delta.pointer, count: width)
        // Reported after the residual add: attention leaves `normalized`, `q`, `k`, `v`,
        // `heads` and `delta` as they were, so nothing is lost by waiting.
        attention.report(state, rows: rows, start: start, cache: cache, pool: pool, observer: observer)
        observer.report("h", layer: attention.layer, positions: positions, shape: [rows, dim], state.x.pointer)

        ffnNorm(state.x.pointer, rows: rows, into: state.normalized.pointer)
        feedForward(state, rows: rows, pool: pool)
        addInPlace(state.x.pointer, state.delta.pointer, count: width)
        observer.report("ffn_norm", layer: attention.layer, positions: positions, shape: [rows, dim],
                        state.normalized.pointer)
        feedForward.report(state, rows: rows, layer: attention.layer, positions: positions, pool: pool,
                           observer: observer)
        observer.report("out", layer: attention.layer, positions: positions, shape: [rows, dim], state.x.pointer)
        // doc: end
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
