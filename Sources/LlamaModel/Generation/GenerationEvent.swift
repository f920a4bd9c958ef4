// What a generation streams back. Explained in Documentation/13-Output-and-Sampling.md.

import LlamaTokenizer

/// One generated token and the text it completed.
public struct GeneratedPiece: Sendable, Equatable {
    /// The text that became printable with this token. Empty when the token ends inside a
    /// multi-byte character (the text comes with a later token), while the text might be
    /// the start of a stop string, or when the model has no tokenizer.
    public let text: String
    /// The token ids of this piece (one per piece: the token just generated).
    public let tokenIDs: [Int32]
    /// The token's log-probability and the top alternatives, when asked for.
    public let logprobs: [TokenLogprob]?

    /// Creates a piece.
    public init(text: String, tokenIDs: [Int32], logprobs: [TokenLogprob]? = nil) {
        self.text = text
        self.tokenIDs = tokenIDs
        self.logprobs = logprobs
    }
}

/// Why a generation ended.
public enum FinishReason: String, Sendable, Equatable, Codable {
    /// A stop token (`<|eot_id|>`, `<|eom_id|>`, `<|end_of_text|>`) or a stop string.
    case stop
    /// `maxTokens` tokens were generated.
    case length
    /// The KV cache is full: the context length is reached.
    case context
    /// The caller stopped it (the task was cancelled or the callback said so).
    case cancelled
}

/// Counts and speeds of one generation.
public struct GenerationSummary: Sendable, Equatable {
    /// Tokens in the prompt.
    public let promptTokens: Int
    /// Prompt tokens actually run (the rest were already in the KV cache from an earlier
    /// turn with the same beginning).
    public let prefilledTokens: Int
    /// Tokens generated (stop tokens not counted).
    public let generatedTokens: Int
    /// Seconds spent running the prompt.
    public let prefillSeconds: Double
    /// Seconds spent generating after the prompt.
    public let decodeSeconds: Double
    /// Why it ended.
    public let finishReason: FinishReason

    /// Prompt tokens run per second.
    public var prefillTokensPerSecond: Double {
        prefillSeconds > 0 ? Double(prefilledTokens) / prefillSeconds : 0
    }

    /// Tokens generated per second, counting the forward passes after the first token
    /// (the first comes from the prompt's logits).
    public var decodeTokensPerSecond: Double {
        decodeSeconds > 0 ? Double(max(0, decodeSteps)) / decodeSeconds : 0
    }

    /// Forward passes run while decoding.
    public let decodeSteps: Int
    /// The stop token that ended the generation (`<|eot_id|>`, or `<|eom_id|>` when the
    /// model waits for a tool's output), or nil when something else ended it.
    public internal(set) var stopToken: Int32? = nil
}

/// An element of the stream `Llama.generate` returns: pieces as they come, then the
/// summary once.
public enum GenerationEvent: Sendable, Equatable {
    /// A generated token and its text.
    case piece(GeneratedPiece)
    /// The reply is a tool call (only in a `ChatSession` with tools), read from the whole
    /// reply once it ended, just before `.finished`. Run the tool, then send its output
    /// with `ChatSession.respond(toToolOutput:)`.
    case toolCall(name: String, arguments: JSONValue)
    /// The generation ended; always the last event.
    case finished(GenerationSummary)
}
