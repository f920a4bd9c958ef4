// What the feed-forward network computed, step by step, for an observer. Explained in
// Documentation/18-Tracing-and-Attention.md.

import LlamaTensor

extension FeedForward {
    /// Shows `observer` the steps of the feed-forward call that just ran on `rows` tokens.
    ///
    /// The fast path overwrites `w1(x)` with `silu(w1(x)) * w3(x)` in place, so `w1(x)` is
    /// computed again (same kernel, same input, same bits) and `silu` from it.
    func report(_ state: ForwardState, rows: Int, layer: Int, positions: Range<Int>, pool: ThreadPool,
                observer: any ForwardObserver) {
        let hidden = w1.shape[0], dim = w1.shape[1]
        let count = rows * hidden
        var gate = [Float](repeating: 0, count: count)
        state.dimActivations.load(state.normalized.pointer, rows: rows)
        gate.withUnsafeMutableBufferPointer { matrixProduct(w1, state.dimActivations, rows: rows, into: $0.baseAddress!, pool: pool) }
        var activated = [Float](repeating: 0, count: count)
        gate.withUnsafeBufferPointer { g in activated.withUnsafeMutableBufferPointer { silu(g, into: $0) } }

        func show(_ name: String, _ shape: [Int], values: [Float]) {
            observer.report(name, layer: layer, positions: positions, shape: shape, values: values)
        }
        func show(_ name: String, _ shape: [Int], _ pointer: UnsafePointer<Float>) {
            observer.report(name, layer: layer, positions: positions, shape: shape, pointer)
        }
        // In the order Python evaluates `self.w2(F.silu(self.w1(x)) * self.w3(x))`.
        show("feed_forward.w1", [rows, hidden], values: gate)
        show("feed_forward.silu", [rows, hidden], values: activated)
        show("feed_forward.w3", [rows, hidden], state.up.pointer)
        show("feed_forward.silu*w3", [rows, hidden], state.gate.pointer)
        show("feed_forward.w2", [rows, dim], state.delta.pointer)
    }
}
