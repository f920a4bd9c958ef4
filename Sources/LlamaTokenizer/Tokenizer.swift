// The tokenizer: byte-level byte-pair encoding. With Meta's tokenizer.model it is Llama 3's
// (tiktoken's algorithm with Meta's ranks, split pattern and special tokens,
// llama_models/llama3/tokenizer.py); with a GGUF vocabulary it is whatever the file
// describes (Tokenizer+GGUF.swift).
// Documentation: Documentation/08-Tokenizer.md

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns text into token ids and back: exactly as Meta's tokenizer (tiktoken) does for a
/// `tokenizer.model`, and as llama.cpp does for a GGUF file's byte-level BPE vocabulary.
///
/// With `tokenizer.model`, 256 special tokens follow the base vocabulary, in Meta's order,
/// starting with `<|begin_of_text|>` at id `baseVocabularySize`.
///
/// ```swift
/// let tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: "tokenizer.model"))
/// let ids = tokenizer.encode("Hello, world!", bos: true)  // [128000, 9906, 11, 1917, 0]
/// let text = try tokenizer.decode(ids)                      // "<|begin_of_text|>Hello, world!"
/// ```
///
/// A tokenizer is immutable apart from an internal, locked cache, so one instance can be
/// shared by any number of tasks.
public final class Tokenizer: Sendable {
    let table: TokenTable
    let mergeCache = MergeCache()
    /// The merge list of a GGUF vocabulary that brings one; nil when a token's id is its
    /// rank (tiktoken's rule, `tokenizer.model` and Llama 3 GGUF files).
    let mergeList: MergeList?
    let specialTokens: SpecialTokenMatcher
    let specialTokenIDs: [String: Int32]

    /// Loads a `tokenizer.model` file.
    ///
    /// - Parameter url: a file of lines `base64(token bytes) rank`, ranks 0, 1, 2, ...
    /// - Throws: `TokenizerError.unreadableFile`, or the error of
    ///   `init(ranksFileContents:source:)` naming the file and line.
    /// - Complexity: O(n) in the file size; the 2 MB Llama 3 file loads in milliseconds
    ///   (release build).
    public convenience init(contentsOf url: URL) throws {
        try self.init(ranksFileContents: try Self.readRegularFile(url), source: url.path)
    }

    /// The largest `tokenizer.model` read (Llama 3's is 2.2 MB).
    static let largestRanksFile = 256 << 20

    /// Reads `url` whole, refusing anything that is not a regular file: a FIFO would block
    /// forever and a device could be endless.
    private static func readRegularFile(_ url: URL) throws -> Data {
        // O_NONBLOCK: a FIFO opens at once (and is then refused) instead of waiting for a writer.
        let descriptor = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TokenizerError.unreadableFile(source: url.path, reason: String(cString: strerror(errno)))
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw TokenizerError.unreadableFile(source: url.path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw TokenizerError.unreadableFile(source: url.path, reason: "not a regular file")
        }
        guard Int(info.st_size) <= largestRanksFile else {
            throw TokenizerError.unreadableFile(
                source: url.path, reason: "expected at most \(largestRanksFile >> 20) MiB, found \(info.st_size) bytes")
        }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw TokenizerError.unreadableFile(source: url.path, reason: error.localizedDescription)
        }
    }

    /// Builds a tokenizer from the contents of a `tokenizer.model` file.
    ///
    /// Any number of base tokens works (nothing assumes Llama 3's 128,000); all 256 single
    /// bytes must be among them, since byte-pair merging starts from single bytes.
    /// - Parameters:
    ///   - ranksFileContents: lines of `base64(token bytes) rank`; blank lines are skipped.
    ///   - source: the name used in error messages.
    /// - Throws: `TokenizerError` naming `source` and the line: `invalidBase64`,
    ///   `missingRank`, `invalidRank`, `rankOutOfOrder`, `duplicateToken`; or
    ///   `emptyRanksFile`, `missingByteToken`.
    public convenience init(ranksFileContents: Data, source: String = "<memory>") throws {
        let table = try ranksFileContents.withUnsafeBytes { try RanksFile.parse($0, source: source) }
        let base = table.mergeableCount
        let specials = Llama3SpecialTokens.names.enumerated().map { (name: $1, id: Int32(base + $0)) }
        let id = { (index: Int) in Int32(base + index) }
        // Positions in Meta's special token list (Llama3SpecialTokens.named).
        self.init(table: table, mergeList: nil, preTokenizer: .llama3, specials: specials,
                  roles: Roles(beginOfText: id(0), endOfText: id(1), endOfTurn: id(9), endOfMessage: id(8)),
                  addsBeginOfText: true)
    }

    /// The tokens with a role in generation, by id.
    struct Roles {
        var beginOfText: Int32?
        var endOfText: Int32?
        var endOfTurn: Int32?
        var endOfMessage: Int32?
    }

    /// Names of special tokens that end generation in the vocabularies that have them, as
    /// in llama.cpp's list of end-of-generation tokens, plus Meta's `<|end_of_text|>`.
    static let stopTokenNames = ["<|end_of_text|>", "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|endoftext|>",
                                 "<|end|>", "<end_of_turn>", "<|return|>"]

    /// The designated initializer: a vocabulary, how it merges and splits, its special
    /// tokens and their roles.
    init(table: TokenTable, mergeList: MergeList?, preTokenizer: PreTokenizerKind,
         specials: [(name: String, id: Int32)], roles: Roles, addsBeginOfText: Bool) {
        self.table = table
        self.mergeList = mergeList
        self.preTokenizer = preTokenizer
        var ids: [String: Int32] = [:]
        for special in specials where ids[special.name] == nil { ids[special.name] = special.id }
        specialTokenIDs = ids
        specialTokens = SpecialTokenMatcher(specials.map { .init(text: Array($0.name.utf8), id: $0.id) })
        beginOfText = roles.beginOfText
        endOfText = roles.endOfText
        endOfTurn = roles.endOfTurn
        endOfMessage = roles.endOfMessage
        self.addsBeginOfText = addsBeginOfText && roles.beginOfText != nil
        var stops = Set([roles.endOfText, roles.endOfTurn, roles.endOfMessage].compactMap { $0 })
        for name in Self.stopTokenNames {
            if let id = ids[name] { stops.insert(id) }
        }
        stopTokens = stops
    }

    /// The number of token ids, the size of the model's embedding table (128,256 for
    /// Llama 3: base tokens plus 256 special tokens).
    public var vocabularySize: Int { table.count }

    /// The number of mergeable tokens: the lines of `tokenizer.model`, or a GGUF
    /// vocabulary's normal tokens.
    public var baseVocabularySize: Int { table.mergeableCount }

    /// The split pattern that runs before byte-pair merging.
    public let preTokenizer: PreTokenizerKind

    /// How many merges a GGUF vocabulary's merge list holds, or nil when merging follows
    /// token ids as ranks (tiktoken's rule).
    public var mergeCount: Int? { mergeList?.count }

    /// The token that starts a text (`<|begin_of_text|>` in Llama 3), if the vocabulary
    /// has one.
    public let beginOfText: Int32?
    /// The token that ends a text (`<|end_of_text|>` in Llama 3; a GGUF file's
    /// `eos_token_id`); a stop token.
    public let endOfText: Int32?
    /// The end of a chat turn (`<|eot_id|>`, `<|im_end|>`); a stop token.
    public let endOfTurn: Int32?
    /// `<|eom_id|>`, the end of a message when the assistant waits for a tool's output
    /// (Llama 3.1 and later); a stop token.
    public let endOfMessage: Int32?
    /// Whether a prompt starts with `beginOfText` (GGUF's `add_bos_token`; always for
    /// Llama 3).
    public let addsBeginOfText: Bool

    /// The ids that end generation: `endOfText`, `endOfTurn` and `endOfMessage` as in
    /// Meta's `stop_tokens`, and every other end-of-turn token the vocabulary has
    /// (`<|im_end|>`, `<|endoftext|>`...), as llama.cpp collects them.
    public let stopTokens: Set<Int32>

    /// The id of a special token.
    ///
    /// - Parameter name: the full text, e.g. `"<|eot_id|>"` or `"<|reserved_special_token_7|>"`.
    /// - Returns: its id, or nil when `name` is not one of the vocabulary's special tokens.
    public func specialTokenID(_ name: String) -> Int32? {
        specialTokenIDs[name]
    }

    /// The special tokens, by id.
    public var specialTokenNames: [(id: Int32, name: String)] {
        specialTokenIDs.map { (id: $0.value, name: $0.key) }.sorted { $0.id < $1.id }
    }
}
