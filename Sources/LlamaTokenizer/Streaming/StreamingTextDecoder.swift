// Streaming detokenization: a generated token may end in the middle of a character (an
// emoji is often split over two or three tokens), so text is only emitted once its bytes
// form whole characters.
// Documentation: Documentation/14-Streaming-Text.md

/// Turns ids arriving one at a time into text pieces, holding back the bytes of a
/// character until it is complete.
///
/// The pieces joined together equal `tokenizer.decode(ids)` of all the ids, including
/// U+FFFD for bytes that can never form a character.
///
/// ```swift
/// var decoder = StreamingTextDecoder(tokenizer: tokenizer)
/// for id in generatedIDs { print(try decoder.append(id), terminator: "") }
/// print(decoder.finish())
/// ```
public struct StreamingTextDecoder: Sendable {
    /// The tokenizer whose ids are decoded.
    public let tokenizer: Tokenizer
    /// Bytes received but not yet emitted: the start of an unfinished character.
    private var pending: [UInt8] = []

    /// Creates a decoder with nothing pending.
    /// - Parameter tokenizer: the tokenizer whose ids will be appended.
    public init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Adds one token and returns the text that is now complete.
    ///
    /// - Parameter id: a token id in `0..<tokenizer.vocabularySize`.
    /// - Returns: the new text; empty while a character is still incomplete.
    /// - Throws: `TokenizerError.tokenOutOfRange`; nothing is added then.
    /// - Complexity: O(bytes of the token + bytes pending).
    public mutating func append(_ id: Int32) throws -> String {
        // doc: streaming-append
        pending.append(contentsOf: try tokenizer.tokenBytes(id))
        let (text, settled) = pending.withUnsafeBufferPointer { bytes in
            let settled = UTF8Repair.settledPrefixLength(bytes)
            return (UTF8Repair.string(UnsafeBufferPointer(rebasing: bytes[..<settled])), settled)
        }
        pending.removeFirst(settled)
        return text
        // doc: end
    }

    /// Returns whatever is still held back, a truncated character becoming U+FFFD, and
    /// starts over empty. Call it when generation ends.
    /// - Returns: the remaining text, often empty.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.withUnsafeBufferPointer { UTF8Repair.string($0) }
    }
}
