// The tokenizer and chat format of either kind of model: tokenizer.model next to Meta's
// checkpoint (always Llama 3's chat format), or the tokenizer.ggml.* keys of a GGUF file
// (the chat format its tokenizer.chat_template writes).
// Explained in Documentation/08-Tokenizer.md and 21-Quantization-and-GGUF.md.

import Foundation
import LlamaLoader
import LlamaTokenizer

extension ModelSource {
    /// The model's tokenizer, or `nil` when it has none (a folder without
    /// `tokenizer.model`, a GGUF file without `tokenizer.ggml.tokens`).
    /// - Throws: `TokenizerError` for a damaged file or a vocabulary that cannot be used:
    ///   not byte-level BPE (`tokenizer.ggml.model` other than `gpt2`), an unknown
    ///   pre-tokenizer, a bad token or key.
    public func loadTokenizer() throws -> Tokenizer? {
        if let url = tokenizerURL {
            return try Tokenizer(contentsOf: url)
        }
        return try gguf?.loadTokenizer()
    }

    /// The chat template a GGUF file carries (`tokenizer.chat_template`), if any.
    public var chatTemplate: String? {
        gguf?.metadata["tokenizer.chat_template"]?.string
    }

    /// The layout of the model's chat prompts: Llama 3's for a model folder; for a GGUF
    /// file, the one its `tokenizer.chat_template` writes, or Llama 3's when it has no
    /// template but `tokenizer` has Llama 3's header tokens. Nil when it is neither.
    public func chatStyle(tokenizer: Tokenizer?) -> ChatFormat.Style? {
        if format == .metaFolder { return .llama3 }
        if let template = chatTemplate { return ChatFormat.Style(template: template) }
        return tokenizer?.specialTokenID("<|start_header_id|>") != nil ? .llama3 : nil
    }
}

extension GGUFFile {
    /// The tokenizer of the file's `tokenizer.ggml.*` keys, or nil when it has no tokens.
    /// Only the metadata is read, so this works for a file whose weights cannot be loaded
    /// (a vocabulary-only file, a format not read here).
    /// - Throws: `TokenizerError`, as `Tokenizer(gguf:source:)` and `vocabulary()`.
    public func loadTokenizer() throws -> Tokenizer? {
        guard let vocabulary = try vocabulary() else { return nil }
        return try Tokenizer(gguf: vocabulary, source: url.lastPathComponent)
    }

    /// The `tokenizer.ggml.*` keys, or nil for a file without tokens.
    /// - Throws: `TokenizerError.invalidGGUFKey` naming a key of the wrong type, or a
    ///   `tokenizer.ggml.model` other than byte-level BPE (`gpt2`).
    public func vocabulary() throws -> GGUFVocabulary? {
        let gguf = self
        guard gguf.metadata["tokenizer.ggml.tokens"] != nil else { return nil }
        let name = gguf.url.lastPathComponent
        func invalid(_ key: String, _ expected: String, _ found: GGUFValue) -> TokenizerError {
            .invalidGGUFKey(source: name, key: "tokenizer.ggml.\(key)", reason: "expected \(expected), found \(found.summary)")
        }
        let model = gguf.metadata["tokenizer.ggml.model"] ?? .string("gpt2")
        guard model.string == "gpt2" else {
            throw invalid("model", "a byte-level BPE vocabulary (gpt2)", model)
        }
        // Matched, not read through `array`: that would copy a numeric array of any size into
        // one value per element before refusing it.
        func strings(_ key: String) throws -> [String]? {
            guard let value = gguf.metadata["tokenizer.ggml.\(key)"] else { return nil }
            guard case let .array(.string, elements) = value else { throw invalid(key, "an array of strings", value) }
            return elements.map { $0.string ?? "" }
        }
        func id(_ key: String) throws -> Int? {
            guard let value = gguf.metadata["tokenizer.ggml.\(key)"] else { return nil }
            guard let id = value.int else { throw invalid(key, "a token id", value) }
            return id
        }
        var types: [Int32]?
        if let value = gguf.metadata["tokenizer.ggml.token_type"] {
            guard let elements = value.numericArray, elements.elementType != .bool, elements.elementType != .float32,
                  elements.elementType != .float64 else {
                throw invalid("token_type", "an array of integers", value)
            }
            types = elements.map { Int32(truncatingIfNeeded: $0.int ?? 0) }
        }
        var addsBeginOfText: Bool?
        if let value = gguf.metadata["tokenizer.ggml.add_bos_token"] {
            guard case let .bool(flag) = value else { throw invalid("add_bos_token", "a bool", value) }
            addsBeginOfText = flag
        }
        var pre: String?
        if let value = gguf.metadata["tokenizer.ggml.pre"] {
            guard let text = value.string else { throw invalid("pre", "a string", value) }
            pre = text
        }
        return GGUFVocabulary(
            tokens: try strings("tokens") ?? [], tokenTypes: types, merges: try strings("merges"), preTokenizer: pre,
            beginOfText: try id("bos_token_id"), endOfText: try id("eos_token_id"),
            endOfTurn: try id("eot_token_id"), endOfMessage: try id("eom_token_id"),
            addsBeginOfText: addsBeginOfText)
    }
}
