// How a forward pass reports its steps to whoever wants to see inside. Explained in
// Documentation/18-Tracing-and-Attention.md.

/// Receives every intermediate result of a forward pass, in the order of Meta's
/// `model.py` and under its names (see `TraceStep.name`).
///
/// Set one on `Transformer.observer`. With none set the forward pass runs exactly as
/// without this feature: it checks for an observer after each of a block's two residual
/// steps and once for the output, never per element. With one set the pass is slower
/// (every step is copied into an array, and the few values the fast path never keeps, such
/// as the projections before RoPE and the attention weights, are computed again with the
/// same kernels), but the logits and the KV cache are bit for bit the same.
///
/// ```swift
/// let recorder = TraceRecorder()
/// transformer.observer = recorder
/// try transformer.forward(tokens, startingAt: 0)
/// transformer.observer = nil
/// for step in recorder.steps { print(step.path, step.shape, step.statistics.rms) }
/// ```
public protocol ForwardObserver: AnyObject {
    // doc: forward-observer
    /// Called once per step, on the thread that called `forward`, in Meta's order.
    /// - Parameter step: The step's name, layer, shape and values (a copy the observer
    ///   may keep).
    func observe(_ step: TraceStep)
    // doc: end
}

/// An observer that keeps every step it is shown.
public final class TraceRecorder: ForwardObserver {
    /// The steps seen so far, in order.
    public private(set) var steps: [TraceStep] = []

    /// An empty recorder.
    public init() {}

    /// Appends `step` to `steps`.
    public func observe(_ step: TraceStep) {
        steps.append(step)
    }

    /// Forgets the steps seen so far.
    public func removeAll() {
        steps.removeAll()
    }
}
