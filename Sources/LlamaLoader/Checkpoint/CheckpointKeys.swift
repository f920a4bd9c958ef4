// Every tensor name of Meta's Llama checkpoints, in one place.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

/// The state-dict keys of a Llama 3.x `consolidated.00.pth`, which are the attribute paths
/// of Meta's `Transformer` module (`layers.3.attention.wq` + `.weight`).
public enum CheckpointKeys {
    /// The token embedding table, `[vocab_size, dim]`.
    public static let tokEmbeddings = "tok_embeddings.weight"
    /// The final RMSNorm's weight, `[dim]`.
    public static let norm = "norm.weight"
    /// The output projection to logits, `[vocab_size, dim]`; absent when tied to
    /// `tok_embeddings.weight`.
    public static let output = "output.weight"
    /// Llama 3.1 RoPE scaling as one factor per frequency, `[head_dim / 2]` f32, that each
    /// frequency is divided by. Not in Meta's checkpoints (params.json gives the scaling's
    /// constants instead); llama.cpp stores it in GGUF files as `rope_freqs.weight`.
    public static let ropeFrequencyFactors = "rope_freqs.weight"

    /// The keys of transformer block `layer`.
    public static func layer(_ layer: Int) -> Layer {
        Layer(layer: layer)
    }

    /// The keys of one transformer block.
    public struct Layer: Sendable, Equatable {
        /// The block's index.
        public let layer: Int
        private var prefix: String { "layers.\(layer)." }

        /// `layers.N.attention_norm.weight`
        public var attentionNorm: String { prefix + "attention_norm.weight" }
        /// `layers.N.attention.wq.weight`
        public var wq: String { prefix + "attention.wq.weight" }
        /// `layers.N.attention.wk.weight`
        public var wk: String { prefix + "attention.wk.weight" }
        /// `layers.N.attention.wv.weight`
        public var wv: String { prefix + "attention.wv.weight" }
        /// `layers.N.attention.wo.weight`
        public var wo: String { prefix + "attention.wo.weight" }
        /// `layers.N.ffn_norm.weight`
        public var ffnNorm: String { prefix + "ffn_norm.weight" }
        /// `layers.N.feed_forward.w1.weight`
        public var w1: String { prefix + "feed_forward.w1.weight" }
        /// `layers.N.feed_forward.w2.weight`
        public var w2: String { prefix + "feed_forward.w2.weight" }
        /// `layers.N.feed_forward.w3.weight`
        public var w3: String { prefix + "feed_forward.w3.weight" }
    }
}
