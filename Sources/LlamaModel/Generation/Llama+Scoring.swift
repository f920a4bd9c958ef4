// Scoring a text the model did not write: the log-probability of each token given the
// ones before it (teacher forcing). Perplexity, the exponential of the mean negative
// log-probability, measures how well a model (or a quantization of it) predicts text.
// Explained in Documentation/21-Quantization-and-GGUF.md.

import Foundation
import LlamaTokenizer

/// How the model rated one token of a scored text.
public struct TokenScore: Sendable, Equatable {
    /// The token that came next in the text.
    public let id: Int32
    /// Its log-probability given the tokens before it.
    public let logprob: Float
    /// The token the model found most likely there (its greedy choice).
    public let best: Int32
    /// The log-probability of `best`.
    public let bestLogprob: Float
}

extension Llama {
    /// The score of every token of `tokens` after the first, each given all tokens before
    /// it in its window: the text is cut into windows of `window` tokens (the first token
    /// of each is only context), each run in batches like a prompt.
    ///
    /// - Parameters:
    ///   - tokens: The text's ids, with `<|begin_of_text|>` first if the model expects one.
    ///   - window: The most tokens one window holds; at most the context length.
    /// - Returns: `tokens.count − windows` scores, in order. Logits that are NaN or
    ///   infinite make NaN log-probabilities.
    /// - Throws: `ModelError.emptyInput`, `.tokenOutOfRange`, `.invalidOption` for a
    ///   window below 2 or beyond the context.
    public func score(_ tokens: [Int32], window: Int) throws -> [TokenScore] {
        guard !tokens.isEmpty else { throw ModelError.emptyInput }
        guard window >= 2, window <= transformer.contextLength else {
            throw ModelError.invalidOption(name: "window", expected: "2...\(transformer.contextLength)", found: "\(window)")
        }
        for id in tokens where id < 0 || Int(id) >= params.vocabSize {
            throw ModelError.tokenOutOfRange(id: id, vocabularySize: params.vocabSize)
        }
        return try queue.run {
            conversation.keepPrefix(0)
            defer { transformer.reset() }
            var scores: [TokenScore] = []
            scores.reserveCapacity(tokens.count)
            var start = 0
            while start < tokens.count {
                let end = min(start + window, tokens.count)
                if end - start >= 2 {
                    try transformer.forward(Array(tokens[start..<(end - 1)]), startingAt: 0) { index, logits in
                        let next = tokens[start + index + 1]
                        let rated = Sampler.logprob(of: next, in: logits, top: 1)
                        let best = rated.top.first ?? .init(id: next, logprob: rated.logprob)
                        scores.append(TokenScore(id: next, logprob: rated.logprob, best: best.id, bestLogprob: best.logprob))
                    }
                }
                start = end
            }
            return scores
        }
    }
}
