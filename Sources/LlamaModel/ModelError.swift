// Errors of the model and generation layer. Listed, with what the user sees, in
// Documentation/15-Bad-Input.md.

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
    /// A generation option is out of range (for example a negative temperature).
    case invalidOption(name: String, expected: String, found: String)
    /// Text was given but the model folder has no `tokenizer.model`.
    case noTokenizer(folder: String)
    /// Memory for a buffer could not be reserved.
    case outOfMemory(what: String)
    /// The forward pass was asked to start at a position other than the cache's end.
    case positionMismatch(expected: Int, found: Int)

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
        case let .noTokenizer(folder):
            return "\(folder): no tokenizer.model, so text cannot be encoded (give token ids instead)"
        case let .outOfMemory(what):
            return "cannot reserve memory for the \(what)"
        case let .positionMismatch(expected, found):
            return "forward pass at position \(found), but the cache holds \(expected) positions"
        }
    }
}
