// The tokenizer as GGUF stores it (`tokenizer.ggml.*`): byte-level token strings, token
// types and merges. Explained in Documentation/17-Quantization-and-GGUF.md.

import Foundation

/// GPT-2's byte-to-character table, which GGUF (like Hugging Face's tokenizer.json) uses to
/// store byte tokens as printable strings: the 188 printable Latin-1 bytes stand for
/// themselves and the other 68 (controls, space, `0x7F`–`0xA0`, `0xAD`) become U+0100 and
/// onwards, in byte order. A space is therefore `Ġ` (U+0120) and a newline `Ċ` (U+010A).
enum ByteLevel {
    /// `character[b]`: the character that stands for byte `b`.
    static let character: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!  // 256...323: always valid scalars
                next += 1
            }
        }
        return table
    }()

    /// The inverse: the byte each of the 256 characters stands for.
    static let byte: [Unicode.Scalar: UInt8] = {
        var inverse: [Unicode.Scalar: UInt8] = [:]
        for (b, c) in character.enumerated() { inverse[c] = UInt8(b) }
        return inverse
    }()

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(character[Int(b)]) }
        return String(s)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard let b = byte[scalar] else { return nil }
            out.append(b)
        }
        return out
    }
}

/// GGUF's token type codes (`llama_token_type`).
public enum GGUFTokenType: Int32, Sendable {
    /// A byte-pair token.
    case normal = 1
    /// A special token such as `<|begin_of_text|>`.
    case control = 3
}

extension Tokenizer {
    /// Builds a tokenizer from a GGUF file's `tokenizer.ggml.tokens`.
    ///
    /// For Llama 3 a token's id is its BPE rank, so the byte-pair tokens (those before the
    /// first special token) are exactly the lines of `tokenizer.model`, and the merges
    /// GGUF also stores add nothing: merging by rank is the same algorithm. The special
    /// tokens follow; those with a role (`<|begin_of_text|>`, the chat headers, `<|eot_id|>`
    /// ...) must be at Meta's positions.
    /// - Parameters:
    ///   - tokens: The token strings, GPT-2 byte-level encoded, by id.
    ///   - source: Names the file in errors.
    /// - Throws: `TokenizerError.invalidGGUFVocabulary` naming the first token that is not
    ///   byte-level text, is longer than `RanksFile.maximumTokenLength` bytes, or is a
    ///   special token out of place; any error of `init(ranksFileContents:)` (a missing
    ///   single byte, a duplicate token).
    public convenience init(ggufTokens tokens: [String], source: String) throws {
        let baseCount = tokens.firstIndex(of: SpecialTokens.names[0]) ?? tokens.count
        var ranks = Data()
        ranks.reserveCapacity(baseCount * 16)
        for id in 0..<baseCount {
            guard let bytes = ByteLevel.decode(tokens[id]), !bytes.isEmpty else {
                throw TokenizerError.invalidGGUFVocabulary(
                    source: source, id: id, reason: "not byte-level text: \(TokenizerError.excerpt(tokens[id]).debugDescription)")
            }
            guard bytes.count <= RanksFile.maximumTokenLength else {
                throw TokenizerError.invalidGGUFVocabulary(
                    source: source, id: id, reason: "expected at most \(RanksFile.maximumTokenLength) bytes, found a token of \(bytes.count)")
            }
            ranks.append(contentsOf: Data(bytes).base64EncodedData())
            ranks.append(contentsOf: Array(" \(id)\n".utf8))
        }
        try self.init(ranksFileContents: ranks, source: source)
        // The special tokens the chat format and generation rely on must sit where Meta
        // puts them; the reserved ones are only placeholders, and their names differ
        // between releases (Llama 3.2 names 128011 `<|image|>`, 3.1 reserved_special_token_3).
        for index in SpecialTokens.essential where baseCount + index < tokens.count {
            let expected = SpecialTokens.names[index]
            guard tokens[baseCount + index] == expected else {
                throw TokenizerError.invalidGGUFVocabulary(
                    source: source, id: baseCount + index, reason: "expected the special token \(expected), found \(TokenizerError.excerpt(tokens[baseCount + index]).debugDescription)")
            }
        }
    }

    /// The vocabulary as GGUF stores it: every token as byte-level text, its type, and the
    /// merges that llama.cpp needs to rebuild BPE ranks (one `"left right"` per base token
    /// longer than a byte, in rank order).
    ///
    /// A token's merge is found by running BPE on its own bytes with only the tokens ranked
    /// below it: that ends in exactly the two parts whose merge makes it (the same
    /// derivation Hugging Face uses to convert tiktoken files).
    /// - Complexity: O(n log n) in the bytes of each token (BPE with a priority queue,
    ///   `bytePairMergeLong`); rescanning every pair per merge is quadratic in a token's
    ///   length, 18 s for one 20 KB token.
    public func ggufVocabulary() -> (tokens: [String], types: [GGUFTokenType], merges: [String]) {
        var tokens: [String] = [], types: [GGUFTokenType] = [], merges: [String] = []
        var parts: [Int32] = []
        for id in 0..<baseVocabularySize {
            let bytes = table.bytes(of: id)
            tokens.append(ByteLevel.encode(bytes))
            types.append(.normal)
            guard bytes.count > 1 else { continue }
            parts.removeAll(keepingCapacity: true)
            table.bytePairMergeLong(bytes, ranksBelow: UInt32(id), into: &parts)
            if parts.count == 2 {
                merges.append(ByteLevel.encode(table.bytes(of: Int(parts[0]))) + " " + ByteLevel.encode(table.bytes(of: Int(parts[1]))))
            }
        }
        for name in SpecialTokens.names {
            tokens.append(name)
            types.append(.control)
        }
        return (tokens, types, merges)
    }
}
