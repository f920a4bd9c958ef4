// What attention computed, step by step, for an observer. Explained in
// Documentation/18-Tracing-and-Attention.md.

import LlamaTensor

extension Attention {
    /// Shows `observer` the steps of the attention call that just ran on `rows` tokens.
    ///
    /// The fast path keeps only what it needs: it rotates the queries and keys in place
    /// and keeps one row of scores per worker. So the projections before RoPE and the
    /// scores and weights are computed again here, with the same kernels on the same
    /// inputs, which gives the same bits the pass used.
    func report(_ state: ForwardState, rows: Int, start: Int, cache: KVCache, pool: ThreadPool,
                observer: any ForwardObserver) {
        let dim = wq.shape[1]
        let queryWidth = nHeads * headDim, kvWidth = nKVHeads * headDim
        let positions = start..<(start + rows)
        let seen = start + rows  // positions a query can see, masked ones included
        func show(_ name: String, _ shape: [Int], _ pointer: UnsafePointer<Float>) {
            observer.report(name, layer: layer, positions: positions, shape: shape, pointer)
        }
        func show(_ name: String, _ shape: [Int], values: [Float]) {
            observer.report(name, layer: layer, positions: positions, shape: shape, values: values)
        }

        show("attention_norm", [rows, dim], state.normalized.pointer)
        // xq = wq(x), xk = wk(x), xv = wv(x): q and k again, since the pass rotated its copies.
        state.dimActivations.load(state.normalized.pointer, rows: rows)
        var xq = [Float](repeating: 0, count: rows * queryWidth)
        var xk = [Float](repeating: 0, count: rows * kvWidth)
        xq.withUnsafeMutableBufferPointer { matrixProduct(wq, state.dimActivations, rows: rows, into: $0.baseAddress!, pool: pool) }
        xk.withUnsafeMutableBufferPointer { matrixProduct(wk, state.dimActivations, rows: rows, into: $0.baseAddress!, pool: pool) }
        show("attention.wq", [rows, nHeads, headDim], values: xq)
        show("attention.wk", [rows, nKVHeads, headDim], values: xk)
        show("attention.wv", [rows, nKVHeads, headDim], state.v.pointer)
        show("attention.rope.xq", [rows, nHeads, headDim], state.q.pointer)
        show("attention.rope.xk", [rows, nKVHeads, headDim], state.k.pointer)

        // scores = xq · keysᵀ / sqrt(head_dim) over every cached position, the masked
        // (later) ones too, as Meta's matmul computes them before adding the mask.
        let groupSize = nHeads / nKVHeads
        let scale = Float(Double(headDim).squareRoot())
        var scores = [Float](repeating: 0, count: nHeads * rows * seen)
        var mask = [Float](repeating: 0, count: rows * seen)
        for t in 0..<rows {
            for j in 0..<seen where j > start + t { mask[t * seen + j] = -.infinity }
        }
        for h in 0..<nHeads {
            let keys = cache.keys(layer: layer, head: h / groupSize)
            for t in 0..<rows {
                let query = state.q.row(t, width: queryWidth) + h * headDim
                for j in 0..<seen {
                    scores[(h * rows + t) * seen + j] = attentionScore(query, keys: keys, position: j,
                                                                       headDim: headDim, scale: scale)
                }
            }
        }
        show("attention.scores", [nHeads, rows, seen], values: scores)
        show("attention.mask", [rows, seen], values: mask)

        // softmax(scores + mask): the pass's softmax over the visible positions; masked
        // positions get weight 0, which is what e^-inf gives.
        var weights = [Float](repeating: 0, count: scores.count)
        for h in 0..<nHeads {
            for t in 0..<rows {
                let row = (h * rows + t) * seen
                let visible = start + t + 1
                weights.withUnsafeMutableBufferPointer { all in
                    for j in 0..<visible { all[row + j] = scores[row + j] }
                    softmax(UnsafeMutableBufferPointer(rebasing: all[row..<(row + visible)]))
                }
            }
        }
        show("attention.softmax", [nHeads, rows, seen], values: weights)
        show("attention.output", [rows, nHeads, headDim], state.heads.pointer)
        show("attention.wo", [rows, dim], state.delta.pointer)
    }
}
