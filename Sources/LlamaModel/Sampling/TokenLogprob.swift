// Log-probabilities reported next to generated tokens (`--logprobs`). Explained in
// Documentation/13-Output-and-Sampling.md.

/// How likely the model found a generated token, and its most likely alternatives.
///
/// Log-probabilities are those of the model itself: a log-softmax of the raw logits, before
/// temperature, penalties or truncation, so they compare across sampling settings.
public struct TokenLogprob: Sendable, Equatable {
    /// A token and its log-probability.
    public struct Alternative: Sendable, Equatable {
        /// The token id.
        public let id: Int32
        /// Natural log of its probability.
        public let logprob: Float

        /// Makes an alternative.
        public init(id: Int32, logprob: Float) {
            self.id = id
            self.logprob = logprob
        }
    }

    /// The generated token's id.
    public let id: Int32
    /// Natural log of its probability.
    public let logprob: Float
    /// The most likely tokens at this step, most likely first (may include `id`).
    public let top: [Alternative]

    /// Makes a record.
    public init(id: Int32, logprob: Float, top: [Alternative]) {
        self.id = id
        self.logprob = logprob
        self.top = top
    }
}
