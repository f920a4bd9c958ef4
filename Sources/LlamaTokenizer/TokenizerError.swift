// Tokenizer errors: every failure names the file and line, or the token id, that caused it.
// Documentation: Documentation/08-Tokenizer.md

import Foundation

/// A failure to load a `tokenizer.model` file or to turn token ids back into text.
///
/// Each case carries what a person needs to fix the input: the file (`source`), the
/// 1-based line number, and what was expected and found.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read at all.
    case unreadableFile(source: String, reason: String)
    /// The file holds no token lines.
    case emptyRanksFile(source: String)
    /// A line's first field is not valid standard base64 (or decodes to no bytes).
    case invalidBase64(source: String, line: Int)
    /// A line's token is longer than the tokenizer accepts (`limit` bytes).
    case tokenTooLong(source: String, line: Int, length: Int, limit: Int)
    /// A line has a token but no rank after it.
    case missingRank(source: String, line: Int)
    /// A line's rank is not a non-negative decimal integer, or it has extra fields.
    case invalidRank(source: String, line: Int, found: String)
    /// Ranks must be 0, 1, 2, ... in file order, because a rank is also the token id.
    case rankOutOfOrder(source: String, line: Int, expected: Int, found: Int)
    /// The same token bytes appear on two lines.
    case duplicateToken(source: String, line: Int, firstRank: Int)
    /// One of the 256 single bytes has no token, so some text could not be encoded.
    case missingByteToken(source: String, byte: UInt8)
    /// A token id is negative or not below the vocabulary size.
    case tokenOutOfRange(id: Int32, vocabularySize: Int)
    /// A token of a GGUF file's `tokenizer.ggml.tokens` cannot be used.
    case invalidGGUFVocabulary(source: String, id: Int, reason: String)
    /// Another `tokenizer.ggml.*` key of a GGUF file is missing, unknown or out of range.
    case invalidGGUFKey(source: String, key: String, reason: String)
    /// A special token that a chat format needs is not in the vocabulary.
    case missingSpecialToken(name: String, format: String)
    /// Text read as JSON (a tool definition, a tool call's arguments) is not valid JSON.
    case invalidJSON(offset: Int, reason: String)
    /// A tool definition lacks what the prompt needs (a name) or has the wrong type.
    case invalidToolSpec(tool: String, reason: String)

    /// One line naming the file or token and what was expected versus found.
    public var description: String {
        switch self {
        case let .unreadableFile(source, reason):
            return "\(source): cannot read tokenizer file: \(reason)"
        case let .emptyRanksFile(source):
            return "\(source): expected lines of 'base64(token) rank', found no tokens"
        case let .invalidBase64(source, line):
            return "\(source):\(line): expected a base64-encoded token, found invalid base64"
        case let .tokenTooLong(source, line, length, limit):
            return "\(source):\(line): expected a token of at most \(limit) bytes, found \(length) bytes"
        case let .missingRank(source, line):
            return "\(source):\(line): expected 'base64(token) rank', found no rank"
        case let .invalidRank(source, line, found):
            return "\(source):\(line): expected a decimal rank, found '\(found)'"
        case let .rankOutOfOrder(source, line, expected, found):
            return "\(source):\(line): expected rank \(expected) (ranks count up from 0), found \(found)"
        case let .duplicateToken(source, line, firstRank):
            return "\(source):\(line): token already defined with rank \(firstRank)"
        case let .missingByteToken(source, byte):
            return "\(source): expected a token for every single byte, found none for byte \(byte)"
        case let .tokenOutOfRange(id, vocabularySize):
            return "token id \(id) is out of range: expected 0..<\(vocabularySize)"
        case let .invalidGGUFVocabulary(source, id, reason):
            return "\(source): tokenizer.ggml.tokens[\(id)]: \(reason)"
        case let .invalidGGUFKey(source, key, reason):
            return "\(source): \(key): \(reason)"
        case let .missingSpecialToken(name, format):
            return "the \(format) chat format needs the special token \(name), which the vocabulary lacks"
        case let .invalidJSON(offset, reason):
            return "invalid JSON at byte \(offset): \(reason)"
        case let .invalidToolSpec(tool, reason):
            return "tool \(tool): \(reason)"
        }
    }
}

extension TokenizerError {
    /// The longest input, in Unicode scalars, that an error quotes whole.
    static let excerptLength = 80

    /// `text` as an error message quotes it: whole when it is short, otherwise its first
    /// `excerptLength` scalars, "…" and its size, so that a huge line or token from a file
    /// makes a one-line error.
    static func excerpt(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let end = scalars.index(scalars.startIndex, offsetBy: excerptLength, limitedBy: scalars.endIndex),
              end != scalars.endIndex else { return text }
        return String(scalars[..<end]) + "… (\(text.utf8.count) bytes)"
    }
}

extension TokenizerError: LocalizedError {
    /// The same one line as `description`, so `error.localizedDescription` in an app shows
    /// what the command line prints.
    public var errorDescription: String? { description }
}
