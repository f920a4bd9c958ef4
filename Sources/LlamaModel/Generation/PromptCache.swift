// Saved prompt state: the keys and values of a prompt's tokens, written to a file so a later
// run starts after them instead of running them again (llama.cpp's --prompt-cache).
// Explained in Documentation/16-Using-the-Library.md.
//
// File layout, little-endian:
//   8 bytes   "SLKVCACH"
//   4 bytes   header length H
//   H bytes   header, JSON: format version, the model's params and weights fingerprint,
//             token count n, layers, KV heads, head size, seconds the tokens took to run,
//             and a checksum of the data
//   4n bytes  the token ids (Int32)
//   the data  per layer and KV head: the key blocks covering n positions, then n values
//             (KVCache.regions), f32
// The file is written beside its final name and renamed over it, so a reader sees the old
// file or the new one, never half of one.

import Foundation
import LlamaLoader
import LlamaTensor
#if canImport(Glibc)
import Glibc
#endif

/// What a prompt-cache file gave back when it was loaded.
public struct PromptCacheInfo: Sendable, Equatable {
    /// The tokens whose keys and values the file held; a prompt runs only what follows them.
    public let tokens: [Int32]
    /// Seconds those tokens took to run when the file was written: the prefill time saved.
    public let savedPrefillSeconds: Double
    /// Seconds reading the file took.
    public let loadSeconds: Double
}

enum PromptCacheFile {
    static let magic = Array("SLKVCACH".utf8)
    static let version = 1

    struct Header: Codable {
        var version: Int
        var params: ModelParams
        var weights: String
        var tokenCount: Int
        var layers: Int
        var kvHeads: Int
        var headDim: Int
        var prefillSeconds: Double
        var checksum: String
    }

    /// Writes the first `count` positions of `conversation`'s cache to `url`, atomically.
    static func write(_ conversation: Conversation, count: Int, model: ModelSource, to url: URL) throws {
        let cache = conversation.transformer.cache
        precondition(count <= conversation.cachedTokens.count)
        let regions = cache.regions(positions: count)
        let seconds = conversation.cachedTokens.isEmpty
            ? 0 : conversation.runSeconds * Double(count) / Double(conversation.cachedTokens.count)
        let header = Header(version: version, params: model.params, weights: fingerprint(model), tokenCount: count,
                            layers: cache.layerCount, kvHeads: cache.kvHeadCount, headDim: cache.headDim,
                            prefillSeconds: seconds, checksum: checksum(regions))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let headerBytes = try encoder.encode(header)
        var prefix = Data(magic)
        withUnsafeBytes(of: UInt32(headerBytes.count).littleEndian) { prefix.append(contentsOf: $0) }
        prefix.append(headerBytes)
        conversation.cachedTokens[..<count].withUnsafeBytes { prefix.append(contentsOf: $0) }

        let path = url.path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw unusable(path, "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var written = false
        defer {
            close(fd)
            if !written { unlink(temporary) }
        }
        try prefix.withUnsafeBytes { try writeAll(fd, UnsafeRawBufferPointer($0), path: path) }
        for region in regions { try writeAll(fd, UnsafeRawBufferPointer(region), path: path) }
        guard fsync(fd) == 0 else { throw unusable(path, "cannot flush: \(String(cString: strerror(errno)))") }
        guard rename(temporary, path) == 0 else {
            throw unusable(path, "cannot rename \(temporary): \(String(cString: strerror(errno)))")
        }
        written = true
    }

    /// Reads `url` into `conversation`'s cache (which it resets first) and returns its
    /// tokens and header. The cache is left empty when anything fails.
    /// - Throws: `ModelError.promptCacheUnusable`, `.promptCacheOtherModel`,
    ///   `.contextFull` when the file holds more positions than the context.
    static func read(_ url: URL, into conversation: Conversation, model: ModelSource) throws -> ([Int32], Header) {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw unusable(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        var stats = stat()
        guard fstat(fd, &stats) == 0 else { throw unusable(path, String(cString: strerror(errno))) }
        let fileSize = Int(stats.st_size)

        var fixed = [UInt8](repeating: 0, count: magic.count + 4)
        try fixed.withUnsafeMutableBytes { try readAll(fd, $0, path: path) }
        guard Array(fixed[..<magic.count]) == magic else { throw unusable(path, "it does not start with SLKVCACH") }
        let headerLength = Int(fixed[magic.count...].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard headerLength <= 1 << 20, headerLength <= fileSize else { throw unusable(path, "its header length is \(headerLength) bytes") }
        var headerBytes = [UInt8](repeating: 0, count: headerLength)
        try headerBytes.withUnsafeMutableBytes { try readAll(fd, $0, path: path) }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)) else {
            throw unusable(path, "its header is not valid JSON of the expected fields")
        }
        guard header.version == version else { throw unusable(path, "format version \(header.version), expected \(version)") }
        if header.params != model.params {
            throw ModelError.promptCacheOtherModel(path: path, reason: "its params differ from \(model.url.lastPathComponent)'s")
        }
        guard header.weights == fingerprint(model) else {
            throw ModelError.promptCacheOtherModel(path: path, reason: "its weights' fingerprint differs from \(model.url.lastPathComponent)'s")
        }
        let cache = conversation.transformer.cache
        guard header.layers == cache.layerCount, header.kvHeads == cache.kvHeadCount, header.headDim == cache.headDim,
              header.tokenCount > 0 else {
            throw unusable(path, "its cache shape does not match the model's")
        }
        guard header.tokenCount <= cache.capacity else {
            throw ModelError.contextFull(requested: header.tokenCount, capacity: cache.capacity)
        }
        let regions = cache.regions(positions: header.tokenCount)
        let expectedSize = fixed.count + headerLength + 4 * header.tokenCount + regions.reduce(0) { $0 + $1.count }
        guard fileSize == expectedSize else {
            throw unusable(path, "it is \(fileSize) bytes, \(expectedSize) expected for \(header.tokenCount) tokens")
        }
        var tokens = [Int32](repeating: 0, count: header.tokenCount)
        try tokens.withUnsafeMutableBytes { try readAll(fd, $0, path: path) }
        conversation.reset()
        for region in regions { try readAll(fd, region, path: path) }
        guard checksum(regions) == header.checksum else {
            conversation.reset()
            throw unusable(path, "its data does not match its checksum")
        }
        guard tokens.allSatisfy({ $0 >= 0 && Int($0) < model.params.vocabSize }) else {
            conversation.reset()
            throw unusable(path, "it holds token ids outside the vocabulary")
        }
        cache.count = header.tokenCount
        conversation.cachedTokens = tokens
        conversation.runSeconds = header.prefillSeconds
        return (tokens, header)
    }

    /// The model's identity beyond its params: the weights file's size and, per tensor, its
    /// type, shape, offset and first 64 bytes. Two fine-tunes of one shape differ here.
    static func fingerprint(_ model: ModelSource) -> String {
        var hash = FNV1a()
        hash.add(UInt64(model.weightsFile.byteCount))
        let weights = model.weights
        var tensors = [weights.tokEmbeddings, weights.norm, weights.output]
        for layer in weights.layers {
            tensors += [layer.attentionNorm, layer.wq, layer.wk, layer.wv, layer.wo,
                        layer.ffnNorm, layer.w1, layer.w2, layer.w3]
        }
        for tensor in tensors {
            for byte in "\(tensor.dtype)".utf8 { hash.add(UInt64(byte)) }
            for dimension in tensor.shape.dimensions { hash.add(UInt64(dimension)) }
            hash.add(UInt64(tensor.byteOffset))
            hash.add(bytes: UnsafeRawBufferPointer(rebasing: tensor.rawBytes.prefix(64)))
        }
        return String(hash.value, radix: 16)
    }

    /// A checksum of the data, eight bytes at a time (a file of a long prompt on a large
    /// model holds hundreds of megabytes).
    static func checksum(_ regions: [UnsafeMutableRawBufferPointer]) -> String {
        var hash = FNV1a()
        for region in regions {
            let words = region.count / 8
            for i in 0..<words { hash.add(region.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
            hash.add(bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(region)[(8 * words)...]))
        }
        return String(hash.value, radix: 16)
    }

    static func unusable(_ path: String, _ reason: String) -> ModelError {
        .promptCacheUnusable(path: path, reason: reason)
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw unusable(path, "cannot write: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    static func readAll(_ fd: Int32, _ bytes: UnsafeMutableRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.read(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw unusable(path, n == 0 ? "it ends early" : String(cString: strerror(errno))) }
            offset += n
        }
    }
}

/// 64-bit FNV-1a over words: each word is mixed in whole, which is enough to tell files and
/// models apart and fast enough for hundreds of megabytes.
private struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ word: UInt64) {
        value = (value ^ word) &* 0x0000_0100_0000_01b3
    }

    mutating func add(bytes: UnsafeRawBufferPointer) {
        for byte in bytes { add(UInt64(byte)) }
    }
}

extension Llama {
    /// Writes the keys and values of the first `tokenCount` tokens in the KV cache of
    /// `generate` and `chat` (all of them when nil) to `url`, with the model's identity, so
    /// a later run can start after them (`loadPromptCache`). The file replaces any old one
    /// at once (it is written beside it and renamed). It holds `cacheBytesPerPosition` bytes
    /// per token: 64 KiB for Llama 3.2 1B, 256 KiB for Llama 3.1 8B.
    /// - Throws: `ModelError.promptCacheUnusable` when the file cannot be written,
    ///   `.invalidOption` when `tokenCount` is more than the cache holds.
    public func savePromptCache(to url: URL, tokenCount: Int? = nil) throws {
        try queue.run {
            let count = tokenCount ?? conversation.cachedTokens.count
            guard !conversation.cachedTokens.isEmpty, (1...conversation.cachedTokens.count).contains(count) else {
                throw ModelError.invalidOption(name: "tokenCount", expected: "1...\(conversation.cachedTokens.count) (tokens in the cache)",
                                               found: String(count))
            }
            try PromptCacheFile.write(conversation, count: count, model: source, to: url)
        }
    }

    /// Loads a file `savePromptCache` wrote into the KV cache of `generate` and `chat`, for
    /// a prompt that starts with its tokens: generating from `promptTokens` then runs only
    /// the tokens after them.
    /// - Throws: `ModelError.promptCacheOtherModel` for a file another model saved,
    ///   `.promptCachePrefixMismatch` when `promptTokens` does not start with the file's
    ///   tokens, `.promptCacheUnusable` for a missing, truncated or corrupt file. The cache
    ///   is empty after a failure.
    @discardableResult
    public func loadPromptCache(from url: URL, for promptTokens: [Int32]) throws -> PromptCacheInfo {
        try queue.run {
            try Self.loadPromptCache(from: url, into: conversation, model: source) { saved in
                guard promptTokens.starts(with: saved) else {
                    let matching = zip(saved, promptTokens).prefix { $0 == $1 }.count
                    throw ModelError.promptCachePrefixMismatch(path: url.path, savedTokens: saved.count, matching: matching)
                }
            }
        }
    }

    /// Reads the file into `conversation`, then lets `check` refuse its tokens.
    static func loadPromptCache(from url: URL, into conversation: Conversation, model: ModelSource,
                                check: ([Int32]) throws -> Void) throws -> PromptCacheInfo {
        let start = DispatchTime.now().uptimeNanoseconds
        let (tokens, header) = try PromptCacheFile.read(url, into: conversation, model: model)
        do {
            try check(tokens)
        } catch {
            conversation.reset()
            throw error
        }
        return PromptCacheInfo(tokens: tokens, savedPrefillSeconds: header.prefillSeconds,
                               loadSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}

extension ChatSession {
    /// Writes the keys and values of the session's dialog so far to `url` (see
    /// `Llama.savePromptCache`), or of its first `messageCount` messages only (say
    /// `openingMessageCount`: a long system message and tool list). A new session whose
    /// dialog starts the same way can load it and skip running those tokens.
    /// - Throws: `ModelError.promptCacheUnusable` when the file cannot be written, or
    ///   `.invalidOption` when the session has not run those messages yet.
    public func savePromptCache(to url: URL, messageCount: Int? = nil) throws {
        try model.queue.run {
            var count = conversation.cachedTokens.count
            if let messageCount {
                let prefix = format.encodeDialog(Array(messages.prefix(messageCount)), addGenerationPrompt: false)
                guard conversation.cachedTokens.starts(with: prefix) else {
                    throw ModelError.invalidOption(name: "messageCount", expected: "messages the session has run",
                                                   found: String(messageCount))
                }
                count = prefix.count
            }
            guard count > 0 else {
                throw ModelError.invalidOption(name: "savePromptCache", expected: "a session that has run a turn",
                                               found: "an empty cache")
            }
            try PromptCacheFile.write(conversation, count: count, model: model.source, to: url)
        }
    }

    /// Loads a file `savePromptCache` wrote, when the session's dialog (its opening
    /// messages and history) starts with the file's tokens; the next turn then runs only
    /// what follows them.
    /// - Throws: What `Llama.loadPromptCache(from:for:)` throws.
    @discardableResult
    public func loadPromptCache(from url: URL) throws -> PromptCacheInfo {
        try model.queue.run {
            let dialog = format.encodeDialog(messages, addGenerationPrompt: false)
            return try Llama.loadPromptCache(from: url, into: conversation, model: model.source) { saved in
                guard dialog.starts(with: saved) else {
                    let matching = zip(saved, dialog).prefix { $0 == $1 }.count
                    throw ModelError.promptCachePrefixMismatch(path: url.path, savedTokens: saved.count, matching: matching)
                }
            }
        }
    }
}
