// What `llama-cli info` says about a model's tokenizer: the vocabulary type, the
// pre-tokenizer, the special tokens with a role, and the chat format it detected.

import LlamaLoader
import LlamaModel

/// The tokenizer facts of a model, or why its tokenizer cannot be used.
struct VocabularyReport {
    /// `key  value` lines for the text report.
    let lines: [(String, String)]
    /// The same facts for `--format json`.
    let json: JSON

    init(_ source: ModelSource) {
        let tokenizer: Tokenizer?
        do {
            tokenizer = try source.loadTokenizer()
        } catch {
            lines = [("tokenizer", "cannot be used: \(error)")]
            json = .object([("error", .string("\(error)"))])
            return
        }
        guard let tokenizer else {
            lines = [("tokenizer", "none (token ids only)")]
            json = .null
            return
        }
        let kind = source.format == .gguf ? "byte-level BPE (GGUF tokenizer.ggml.*)" : "tiktoken ranks (tokenizer.model)"
        let special = tokenizer.specialTokenNames
        let merging = tokenizer.mergeCount.map { "a merge list of \(grouped($0)) merges" } ?? "token ids as ranks"
        func name(_ id: Int32?) -> String {
            guard let id else { return "none" }
            return "\((try? tokenizer.piece(for: id)) ?? "?") (\(id))"
        }
        let style = source.chatStyle(tokenizer: tokenizer)
        var chat = style?.name ?? (source.chatTemplate == nil ? "none" : "unknown template")
        if case let .chatML(system?)? = style { chat += " (default system message \(system.debugDescription))" }
        let stops = tokenizer.stopTokens.sorted().map { name($0) }.joined(separator: ", ")
        lines = [
            ("vocabulary", "\(grouped(tokenizer.vocabularySize)) tokens: \(grouped(tokenizer.baseVocabularySize)) byte-pair, \(grouped(special.count)) special; \(kind)"),
            ("merging", merging),
            ("pre-tokenizer", tokenizer.preTokenizer.rawValue),
            ("begin of text", name(tokenizer.beginOfText) + (tokenizer.addsBeginOfText ? ", added to prompts" : ", not added")),
            ("end of text", name(tokenizer.endOfText)),
            ("end of turn", name(tokenizer.endOfTurn)),
            ("end of message", name(tokenizer.endOfMessage)),
            ("stop tokens", stops),
            ("chat format", chat),
        ]
        func id(_ value: Int32?) -> JSON { value.map { .int(Int($0)) } ?? .null }
        json = .object([
            ("vocabulary_size", .int(tokenizer.vocabularySize)),
            ("byte_pair_tokens", .int(tokenizer.baseVocabularySize)),
            ("special_tokens", .int(special.count)),
            ("merges", tokenizer.mergeCount.map { .int($0) } ?? .null),
            ("pre_tokenizer", .string(tokenizer.preTokenizer.rawValue)),
            ("bos", id(tokenizer.beginOfText)), ("adds_bos", .bool(tokenizer.addsBeginOfText)),
            ("eos", id(tokenizer.endOfText)), ("eot", id(tokenizer.endOfTurn)), ("eom", id(tokenizer.endOfMessage)),
            ("stop_tokens", .array(tokenizer.stopTokens.sorted().map { .int(Int($0)) })),
            ("chat_format", style.map { .string($0.name) } ?? .null),
        ])
    }
}
