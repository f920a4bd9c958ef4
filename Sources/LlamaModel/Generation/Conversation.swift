// What one conversation with a model holds: a transformer over the model's weights (its own
// KV cache and activations) and the tokens in that cache. Explained in
// Documentation/16-Using-the-Library.md.

/// A KV cache and the tokens it holds. `Llama` has one for `generate` and `chat`; every
/// `ChatSession` has its own. All share the model's weights and threads, and run one at a
/// time (the model's `RequestQueue` guards them).
final class Conversation: @unchecked Sendable {
    // @unchecked Sendable: used only by the request that holds the model's queue.

    /// The transformer whose KV cache this conversation fills.
    let transformer: Transformer
    /// The tokens whose keys and values are in the cache, in order.
    var cachedTokens: [Int32] = []
    /// Seconds spent running the cached tokens (what a prompt cache saves).
    var runSeconds: Double = 0

    /// Keeps the first `count` cached tokens and, time being kept per token on average,
    /// their share of `runSeconds`.
    func keepPrefix(_ count: Int) {
        guard count < cachedTokens.count else { return }
        runSeconds *= Double(count) / Double(cachedTokens.count)
        cachedTokens.removeSubrange(count...)
    }

    init(_ transformer: Transformer) {
        self.transformer = transformer
    }

    /// Forgets the cache.
    func reset() {
        cachedTokens = []
        runSeconds = 0
        transformer.reset()
    }
}
