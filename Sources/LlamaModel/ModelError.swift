// Errors of the model and generation layer. Listed, with what the user sees, in
// Documentation/17-Bad-Input.md.

import Foundation
import LlamaLoader
import LlamaTokenizer

/// What can go wrong when running a model, beyond loading it.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// A token id is not in `0..<vocabularySize`.
    case tokenOutOfRange(id: Int32, vocabularySize: Int)
    /// The tokens do not fit in the context: `requested` positions, `capacity` available.
    case contextFull(requested: Int, capacity: Int)
    /// An empty token list was given where at least one token is needed.
    case emptyInput
    /// A generation or loading option is out of range (for example a negative
    /// temperature). Used for options only.
    case invalidOption(name: String, expected: String, found: String)
    /// The tokenizer has more tokens than the model has embedding rows (`vocab_size`), so
    /// some of its ids could not be run.
    case tokenizerMismatch(tokenizerSize: Int, vocabularySize: Int)
    /// Text was given but the model folder has no `tokenizer.model`.
    case noTokenizer(folder: String)
    /// A chat was asked of a model whose chat template is neither Llama 3's nor ChatML
    /// (`template` is nil when the file has none).
    case unknownChatTemplate(file: String, template: String?)
    /// Memory for a buffer could not be reserved.
    case outOfMemory(what: String)
    /// The forward pass was asked to start at a position other than the cache's end.
    case positionMismatch(expected: Int, found: Int)
    /// The logits of the token at `position` hold NaN or infinity (`found` counts them).
    /// `step` is the first step of a traced re-run of the pass whose values are not finite
    /// (`layers.1.feed_forward.w2`, `norm`, `output`, `tok_embeddings`; see `TraceStep`),
    /// and `layer` its block; `layer` is `nil` outside the blocks, and both are `nil` when
    /// the re-run found every step finite.
    case nonFiniteLogits(position: Int, layer: Int?, step: String?, found: String)
    /// A forward pass was stopped by its caller (`isCancelled`); the KV cache holds the
    /// first `position` positions, the batches that finished.
    case cancelled(position: Int)
    /// A prompt-cache file cannot be read or written, or is not one (`reason` says which).
    case promptCacheUnusable(path: String, reason: String)
    /// A prompt-cache file was saved by another model (`reason` names what differs).
    case promptCacheOtherModel(path: String, reason: String)
    /// The prompt does not start with the tokens a prompt-cache file holds.
    case promptCachePrefixMismatch(path: String, savedTokens: Int, matching: Int)

    /// One line naming what went wrong, with the values involved.
    public var description: String {
        switch self {
        case let .tokenOutOfRange(id, size):
            return "token id \(id) is out of range: the vocabulary has \(size) tokens (0...\(size - 1))"
        case let .contextFull(requested, capacity):
            return "context full: \(requested) positions needed, the context holds \(capacity)"
        case .emptyInput:
            return "no input tokens"
        case let .invalidOption(name, expected, found):
            return "\(name): expected \(expected), found \(found)"
        case let .tokenizerMismatch(tokenizerSize, vocabularySize):
            return "tokenizer: expected at most \(vocabularySize) tokens (the model's vocab_size), found \(tokenizerSize) tokens"
        case let .noTokenizer(folder):
            return "\(folder): no tokenizer.model, so text cannot be encoded (give token ids instead)"
        case let .unknownChatTemplate(file, template):
            guard let template else {
                return "\(file): no tokenizer.chat_template, and no Llama 3 header tokens, so the chat format is unknown (generate still works)"
            }
            let start = template.prefix(60).replacingOccurrences(of: "\n", with: "\\n")
            return "\(file): tokenizer.chat_template is neither Llama 3's nor ChatML (it starts \"\(start)\"); chat cannot format messages (generate still works)"
        case let .outOfMemory(what):
            return "cannot reserve memory for the \(what)"
        case let .positionMismatch(expected, found):
            return "forward pass at position \(found), but the cache holds \(expected) positions"
        case let .cancelled(position):
            return "the forward pass was cancelled; the cache holds \(position) positions"
        case let .promptCacheUnusable(path, reason):
            return "\(path): not a usable prompt cache: \(reason)"
        case let .promptCacheOtherModel(path, reason):
            return "\(path): the prompt cache was saved by another model (\(reason))"
        case let .promptCachePrefixMismatch(path, savedTokens, matching):
            return "\(path): the prompt does not start with the cache's \(savedTokens) tokens (the first \(matching) match); use another file or delete this one"
        case let .nonFiniteLogits(position, layer, step, found):
            let logits = "the logits at position \(position) are not finite (\(found))"
            switch (layer, step) {
            case let (layer?, step?):
                return "\(logits): they start at layer \(layer), in \(step); check that layer's weights"
            case (nil, "tok_embeddings"?):
                return "\(logits): they start in the embedding (tok_embeddings); check its weights"
            case (nil, "norm"?):
                return "\(logits): every layer's output is finite; they start in the final norm (norm); check its weights"
            case let (nil, step?):
                return "\(logits): every layer's output and the final norm are finite; they start in the output head (\(step)); check its weights"
            case (_, nil):
                return "\(logits), but a traced re-run of the pass found every step finite"
            }
        }
    }
}

extension ModelError: LocalizedError {
    /// The same one line as `description`, so `error.localizedDescription` in an app shows
    /// what the command line prints.
    public var errorDescription: String? { description }
}
