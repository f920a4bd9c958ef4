// The Llama 3 tokenizer: tiktoken's byte-pair encoding with Meta's ranks file, split
// pattern and special tokens (llama_models/llama3/tokenizer.py).
// Documentation: Documentation/06-Tokenizer.md

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns text into Llama 3 token ids and back, exactly as Meta's tokenizer (tiktoken) does.
///
/// The base vocabulary comes from a `tokenizer.model` file; 256 special tokens follow it,
/// in Meta's order, starting with `<|begin_of_text|>` at id `baseVocabularySize`.
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
    private let specialTokenIDs: [String: Int32]

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
    public init(ranksFileContents: Data, source: String = "<memory>") throws {
        table = try ranksFileContents.withUnsafeBytes { try RanksFile.parse($0, source: source) }
        var ids: [String: Int32] = [:]
        for (index, name) in SpecialTokens.names.enumerated() {
            ids[name] = Int32(table.baseCount + index)
        }
        specialTokenIDs = ids
        let base = Int32(table.baseCount)
        // Positions in Meta's special token list (SpecialTokens.named).
        beginOfText = base + 0
        endOfText = base + 1
        startHeader = base + 6
        endHeader = base + 7
        endOfMessage = base + 8
        endOfTurn = base + 9
        pythonTag = base + 10
    }

    /// The number of token ids: base tokens plus the 256 special tokens
    /// (128,256 for Llama 3), the size of the model's embedding table.
    public var vocabularySize: Int { table.count }

    /// The number of base (mergeable) tokens, the lines of `tokenizer.model`.
    public var baseVocabularySize: Int { table.baseCount }

    /// `<|begin_of_text|>`, which starts every prompt.
    public let beginOfText: Int32
    /// `<|end_of_text|>`, which ends a document; a stop token.
    public let endOfText: Int32
    /// `<|start_header_id|>`, before a chat message's role.
    public let startHeader: Int32
    /// `<|end_header_id|>`, after a chat message's role.
    public let endHeader: Int32
    /// `<|eot_id|>`, the end of a chat turn; a stop token.
    public let endOfTurn: Int32
    /// `<|eom_id|>`, the end of a message when the assistant waits for a tool's output;
    /// a stop token.
    public let endOfMessage: Int32
    /// `<|python_tag|>`, which starts a code-interpreter tool call.
    public let pythonTag: Int32

    /// The ids that end generation, as Meta's `stop_tokens`: `<|end_of_text|>`,
    /// `<|eom_id|>` and `<|eot_id|>`.
    public var stopTokens: Set<Int32> { [endOfText, endOfMessage, endOfTurn] }

    /// The id of a special token.
    ///
    /// - Parameter name: the full text, e.g. `"<|eot_id|>"` or `"<|reserved_special_token_7|>"`.
    /// - Returns: its id, or nil when `name` is not one of the 256 special tokens.
    public func specialTokenID(_ name: String) -> Int32? {
        specialTokenIDs[name]
    }
}
