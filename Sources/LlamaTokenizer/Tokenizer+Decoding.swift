// Decoding: ids to bytes, then bytes to text with Python's replacement of invalid UTF-8.
// Documentation: Documentation/08-Tokenizer.md

extension Tokenizer {
    /// The bytes of a sequence of tokens, special tokens as their text.
    ///
    /// - Parameter ids: token ids, each in `0..<vocabularySize`.
    /// - Returns: the concatenated bytes (not necessarily valid UTF-8).
    /// - Throws: `TokenizerError.tokenOutOfRange` for the first id out of range.
    /// - Complexity: O(total bytes).
    public func bytes(for ids: [Int32]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            bytes.append(contentsOf: try tokenBytes(id))
        }
        return bytes
    }

    /// The text of a sequence of tokens, as tiktoken's `decode`: bytes that are not valid
    /// UTF-8 become U+FFFD, one per maximal ill-formed subpart, exactly as Python's
    /// `bytes.decode("utf-8", errors="replace")`.
    ///
    /// - Parameter ids: token ids, each in `0..<vocabularySize`.
    /// - Returns: the text; `decode(encode(text)) == text` for every text.
    /// - Throws: `TokenizerError.tokenOutOfRange` for the first id out of range.
    public func decode(_ ids: [Int32]) throws -> String {
        try bytes(for: ids).withUnsafeBufferPointer { UTF8Repair.string($0) }
    }

    /// The text of one token for display, with U+FFFD where it holds part of a character.
    ///
    /// - Parameter id: a token id in `0..<vocabularySize`.
    /// - Returns: e.g. `" world"` for id 1917, `"<|eot_id|>"` for 128009.
    /// - Throws: `TokenizerError.tokenOutOfRange`.
    public func piece(for id: Int32) throws -> String {
        UTF8Repair.string(try tokenBytes(id))
    }

    /// The bytes of token `id`, checked against the vocabulary size.
    func tokenBytes(_ id: Int32) throws -> UnsafeBufferPointer<UInt8> {
        guard id >= 0, Int(id) < table.count else {
            throw TokenizerError.tokenOutOfRange(id: id, vocabularySize: table.count)
        }
        return table.bytes(of: Int(id))
    }
}
