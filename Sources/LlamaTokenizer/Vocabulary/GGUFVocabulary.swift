// The tokenizer as GGUF stores it (`tokenizer.ggml.*`): byte-level token strings, token
// types and merges. Explained in Documentation/21-Quantization-and-GGUF.md.

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
    /// A byte-pair token, stored as byte-level text.
    case normal = 1
    /// The unknown token (SentencePiece vocabularies).
    case unknown = 2
    /// A special token such as `<|begin_of_text|>`.
    case control = 3
    /// A token added by a fine-tune.
    case userDefined = 4
    /// A placeholder.
    case unused = 5
    /// A byte token `<0x0A>` (SentencePiece vocabularies).
    case byte = 6
}

/// A GGUF file's `tokenizer.ggml.*` keys, as the tokenizer needs them: the module reads no
/// files itself, so the loader hands it these values.
public struct GGUFVocabulary: Sendable {
    /// `tokenizer.ggml.tokens`: every token by id; normal ones as byte-level text.
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`, one `GGUFTokenType` code per token, if present.
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.merges`: `"left right"` lines in rank order, if present.
    public var merges: [String]?
    /// `tokenizer.ggml.pre`: the pre-tokenizer's name, if present.
    public var preTokenizer: String?
    /// `tokenizer.ggml.bos_token_id`.
    public var beginOfText: Int?
    /// `tokenizer.ggml.eos_token_id`.
    public var endOfText: Int?
    /// `tokenizer.ggml.eot_token_id`.
    public var endOfTurn: Int?
    /// `tokenizer.ggml.eom_token_id`.
    public var endOfMessage: Int?
    /// `tokenizer.ggml.add_bos_token`.
    public var addsBeginOfText: Bool?

    /// Creates the description from the keys' values; absent keys are nil.
    public init(tokens: [String], tokenTypes: [Int32]? = nil, merges: [String]? = nil, preTokenizer: String? = nil,
                beginOfText: Int? = nil, endOfText: Int? = nil, endOfTurn: Int? = nil, endOfMessage: Int? = nil,
                addsBeginOfText: Bool? = nil) {
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.preTokenizer = preTokenizer
        self.beginOfText = beginOfText
        self.endOfText = endOfText
        self.endOfTurn = endOfTurn
        self.endOfMessage = endOfMessage
        self.addsBeginOfText = addsBeginOfText
    }
}

extension Tokenizer {
    /// Builds a tokenizer from a GGUF file's vocabulary, as llama.cpp reads it.
    ///
    /// - Normal tokens are byte-level text (GPT-2's byte-to-character table) and are what
    ///   byte-pair merging makes; every other token (control, user-defined...) is special:
    ///   its text is matched only where special tokens are allowed.
    /// - The pre-tokenizer is `tokenizer.ggml.pre`. For `llama-bpe` a token's id is its
    ///   rank, and merging follows tiktoken's rule (the merges GGUF stores for Llama 3 are
    ///   derived from those ranks); for the others the merge list decides.
    /// - Roles come from the `*_token_id` keys, or else from the token names Llama 3 and
    ///   ChatML use. Llama 3.0 has no `<|eom_id|>` and needs none.
    /// - A byte with no token of its own is left out of the ids (see `MergeList.merge`).
    /// - Without `tokenizer.ggml.token_type`, tokens of the form `<|...|>` are special.
    /// - Parameters:
    ///   - vocabulary: the `tokenizer.ggml.*` values.
    ///   - source: names the file in errors.
    /// - Throws: `TokenizerError.invalidGGUFVocabulary` naming the first normal token that
    ///   is not byte-level text or is longer than `RanksFile.maximumTokenLength` bytes;
    ///   `.invalidGGUFKey` for an unknown pre-tokenizer, a missing merge list, a token type
    ///   list of the wrong length, or a role id out of range.
    public convenience init(gguf vocabulary: GGUFVocabulary, source: String) throws {
        let tokens = vocabulary.tokens
        guard !tokens.isEmpty else {
            throw TokenizerError.invalidGGUFKey(source: source, key: "tokenizer.ggml.tokens", reason: "expected tokens, found none")
        }
        guard tokens.count <= Int(Int32.max) else {
            throw TokenizerError.invalidGGUFKey(source: source, key: "tokenizer.ggml.tokens", reason: "expected at most \(Int32.max) tokens, found \(tokens.count)")
        }
        if let types = vocabulary.tokenTypes, types.count != tokens.count {
            throw TokenizerError.invalidGGUFKey(
                source: source, key: "tokenizer.ggml.token_type", reason: "expected one type per token (\(tokens.count)), found \(types.count)")
        }
        let kind: PreTokenizerKind
        if let name = vocabulary.preTokenizer {
            guard let known = PreTokenizerKind(ggufName: name) else {
                let names = PreTokenizerKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw TokenizerError.invalidGGUFKey(
                    source: source, key: "tokenizer.ggml.pre", reason: "unknown pre-tokenizer \(TokenizerError.excerpt(name).debugDescription) (known: \(names))")
            }
            kind = known
        } else if tokens.contains("<|begin_of_text|>") {
            kind = .llama3  // GGUF files from before the key existed, Llama 3's vocabulary
        } else {
            throw TokenizerError.invalidGGUFKey(
                source: source, key: "tokenizer.ggml.pre", reason: "expected the pre-tokenizer's name, found none")
        }

        // The bytes of every token, and which ones are normal.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.count * 8)
        var offsets = [0]
        offsets.reserveCapacity(tokens.count + 1)
        var isNormal = [Bool](repeating: true, count: tokens.count)
        var specials: [(name: String, id: Int32)] = []
        for (id, token) in tokens.enumerated() {
            let normal: Bool
            if let types = vocabulary.tokenTypes {
                normal = types[id] == GGUFTokenType.normal.rawValue
            } else {
                normal = !(token.hasPrefix("<|") && token.hasSuffix("|>") && token.utf8.count > 4)
            }
            isNormal[id] = normal
            if normal {
                guard let tokenBytes = ByteLevel.decode(token), !tokenBytes.isEmpty else {
                    throw TokenizerError.invalidGGUFVocabulary(
                        source: source, id: id, reason: "not byte-level text: \(TokenizerError.excerpt(token).debugDescription)")
                }
                guard tokenBytes.count <= RanksFile.maximumTokenLength else {
                    throw TokenizerError.invalidGGUFVocabulary(
                        source: source, id: id, reason: "expected at most \(RanksFile.maximumTokenLength) bytes, found a token of \(tokenBytes.count)")
                }
                bytes += tokenBytes
            } else {
                guard token.utf8.count <= RanksFile.maximumTokenLength else {
                    throw TokenizerError.invalidGGUFVocabulary(
                        source: source, id: id, reason: "expected at most \(RanksFile.maximumTokenLength) bytes, found a token of \(token.utf8.count)")
                }
                bytes += token.utf8
                specials.append((token, Int32(id)))
            }
            offsets.append(bytes.count)
        }
        // A normal token listed twice keeps its first id (a Hugging Face vocabulary, a map,
        // cannot hold one twice).
        let table = TokenTable(bytes: bytes, offsets: offsets, isMergeable: { isNormal[$0] }, duplicate: { _, _ in })

        var mergeList: MergeList?
        if kind != .llama3 {
            guard let merges = vocabulary.merges else {
                throw TokenizerError.invalidGGUFKey(
                    source: source, key: "tokenizer.ggml.merges", reason: "expected the merge list of a \(kind.rawValue) vocabulary, found none")
            }
            mergeList = Self.mergeList(merges, table: table)
        }

        func role(_ key: String, _ value: Int?, names: [String]) throws -> Int32? {
            if let value {
                guard (0..<tokens.count).contains(value) else {
                    throw TokenizerError.invalidGGUFKey(
                        source: source, key: "tokenizer.ggml.\(key)", reason: "expected a token id below \(tokens.count), found \(value)")
                }
                return Int32(value)
            }
            for name in names {
                if let special = specials.first(where: { $0.name == name }) { return special.id }
            }
            return nil
        }
        let roles = Roles(
            beginOfText: try role("bos_token_id", vocabulary.beginOfText, names: ["<|begin_of_text|>"]),
            endOfText: try role("eos_token_id", vocabulary.endOfText, names: ["<|end_of_text|>"]),
            endOfTurn: try role("eot_token_id", vocabulary.endOfTurn, names: ["<|eot_id|>", "<|im_end|>"]),
            endOfMessage: try role("eom_token_id", vocabulary.endOfMessage, names: ["<|eom_id|>"]))
        self.init(table: table, mergeList: mergeList, preTokenizer: kind, specials: specials, roles: roles,
                  addsBeginOfText: vocabulary.addsBeginOfText ?? (kind == .llama3))
    }

    /// The merge list as ids. A line that does not name two normal tokens whose bytes
    /// together are a normal token can never apply and is left out (Hugging Face refuses
    /// such a file; llama.cpp loads it).
    private static func mergeList(_ merges: [String], table: TokenTable) -> MergeList {
        func id(_ text: Substring) -> Int32? {
            guard let bytes = ByteLevel.decode(String(text)), !bytes.isEmpty else { return nil }
            let rank = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.map { table.rank($0, length: buffer.count) } ?? TokenTable.noRank
            }
            return rank == TokenTable.noRank ? nil : Int32(truncatingIfNeeded: rank)
        }
        var pairs: [(left: Int32, right: Int32, merged: Int32)] = []
        pairs.reserveCapacity(merges.count)
        for line in merges {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let left = id(parts[0]), let right = id(parts[1]),
                  let merged = id(parts[0] + parts[1]) else { continue }
            pairs.append((left, right, merged))
        }
        var byteTokens = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            var value = UInt8(byte)
            let rank = table.rank(&value, length: 1)
            if rank != TokenTable.noRank { byteTokens[byte] = Int32(truncatingIfNeeded: rank) }
        }
        return MergeList(pairs: pairs, byteTokens: byteTokens)
    }

    /// The vocabulary as GGUF stores it: every token as byte-level text (special tokens as
    /// their text), its type, and the merges that llama.cpp needs to rebuild BPE ranks.
    ///
    /// With a merge list, that list is written back in rank order. Otherwise (tiktoken's
    /// rule) each mergeable token longer than a byte gets one `"left right"` line, in rank
    /// order: its merge is found by running BPE on its own bytes with only the tokens ranked
    /// below it, which ends in exactly the two parts whose merge makes it (the same
    /// derivation Hugging Face uses to convert tiktoken files).
    /// - Complexity: O(n log n) in the bytes of each token (BPE with a priority queue,
    ///   `bytePairMergeLong`); rescanning every pair per merge is quadratic in a token's
    ///   length, 18 s for one 20 KB token.
    public func ggufVocabulary() -> (tokens: [String], types: [GGUFTokenType], merges: [String]) {
        var tokens: [String] = [], types: [GGUFTokenType] = [], merges: [String] = []
        let specialIDs = Set(specialTokenIDs.values)
        for id in 0..<table.count {
            let bytes = table.bytes(of: id)
            if specialIDs.contains(Int32(id)) {
                tokens.append(String(decoding: bytes, as: UTF8.self))
                types.append(.control)
            } else {
                tokens.append(ByteLevel.encode(bytes))
                types.append(.normal)
            }
        }
        let text = { (id: Int32) in ByteLevel.encode(self.table.bytes(of: Int(id))) }
        if let mergeList {
            for pair in mergeList.pairsInRankOrder() { merges.append(text(pair.left) + " " + text(pair.right)) }
            return (tokens, types, merges)
        }
        var parts: [Int32] = []
        for id in 0..<table.count where !specialIDs.contains(Int32(id)) {
            let bytes = table.bytes(of: id)
            guard bytes.count > 1 else { continue }
            parts.removeAll(keepingCapacity: true)
            table.bytePairMergeLong(bytes, ranksBelow: UInt32(id), into: &parts)
            if parts.count == 2 { merges.append(text(parts[0]) + " " + text(parts[1])) }
        }
        return (tokens, types, merges)
    }
}
