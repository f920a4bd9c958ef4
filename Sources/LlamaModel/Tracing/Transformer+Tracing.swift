// Attaching an observer to the whole model, and the steps after the blocks. Explained in
// Documentation/18-Tracing-and-Attention.md.

extension Transformer {
    /// Shown every step of every later `forward` call, or `nil` (the default) for none.
    ///
    /// The observer is held strongly until it is set back to `nil`. Prompts longer than
    /// the batch size run in several batches, and each batch reports its own steps; make
    /// the model with `batchSize` at least the prompt's length to see one pass.
    public var observer: (any ForwardObserver)? {
        get { state.observer }
        set { state.observer = newValue }
    }

    /// Runs `tokens` with a fresh `TraceRecorder` attached and returns its steps; the
    /// previous observer is put back afterwards.
    /// - Throws: What `forward(_:startingAt:)` throws.
    public func trace(_ tokens: [Int32], startingAt start: Int) throws -> [TraceStep] {
        let previous = observer
        let recorder = TraceRecorder()
        observer = recorder
        defer { observer = previous }
        try forward(tokens, startingAt: start)
        return recorder.steps
    }

    /// Shows `observer` the final norm and the logits of the last position.
    func reportOutput(_ logits: UnsafeBufferPointer<Float>, to observer: any ForwardObserver) {
        let last = (cache.count - 1)..<cache.count
        observer.report("norm", layer: nil, positions: last, shape: [1, params.dim], state.normalized.pointer)
        observer.report("output", layer: nil, positions: last, shape: [1, logits.count], values: Array(logits))
    }
}
