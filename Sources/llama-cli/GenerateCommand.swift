// `llama-cli generate`: one prompt in, a streamed continuation out (text or JSON lines).

import Foundation
import LlamaModel
import LlamaTokenizer

enum GenerateCommand {
    static let specs = [
        Options.model,
        Options.prompt,
        OptionSpec("--prompt-file", "FILE", "read the prompt from FILE ('-' for stdin; at most 64 MiB)"),
        Options.promptTokens,
        OptionSpec("--chat", nil, "wrap the prompt as a user message in the model's chat format"),
        OptionSpec("--system", "TEXT", "with --chat: a system message first"),
    ] + GenerationOptions.specs + [
        OptionSpec("--format", "text|json", """
            text: the continuation as it streams (default);
            json: one line per token {"id": 791, "text": "The"},
            then {"stats": {...}}
            """),
        OptionSpec("--logprobs", "N", "json: each token's log-probability and the N most likely"),
        OptionSpec("--stats", nil, "text: print token counts and speeds to stderr"),
        OptionSpec("--prompt-cache", "FILE", """
            resume after the prompt state saved in FILE (the prompt must
            start with its tokens), or, when FILE does not exist, save the
            prompt's state there for the next run
            """),
    ]

    enum Format: String { case text, json }

    static func run(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: specs, command: "generate")
        var parameters = try GenerationOptions.parameters(arguments)
        let options = try GenerationOptions.loadOptions(arguments)
        let formatName = arguments.string("--format") ?? "text"
        guard let format = Format(rawValue: formatName) else {
            throw CLIError.usage("--format expects text or json, found '\(formatName)'", command: "generate")
        }
        parameters.logprobs = try arguments.int("--logprobs", in: 0...100)
        if parameters.logprobs != nil && format != .json {
            throw CLIError.usage("--logprobs needs --format json", command: "generate")
        }
        let sources = ["--prompt", "--prompt-file", "--prompt-tokens"].filter(arguments.has)
        guard sources.count == 1 else {
            throw CLIError.usage(sources.isEmpty ? "a prompt is needed: --prompt, --prompt-file or --prompt-tokens"
                                                 : "give only one of \(sources.joined(separator: ", "))",
                                 command: "generate")
        }
        if arguments.has("--system") && !arguments.has("--chat") {
            throw CLIError.usage("--system needs --chat", command: "generate")
        }
        if arguments.has("--chat") && arguments.has("--prompt-tokens") {
            throw CLIError.usage("--chat needs a text prompt, not --prompt-tokens", command: "generate")
        }
        let rawIDs = try arguments.tokenIDs("--prompt-tokens")
        let text = try promptText(arguments)

        let llama = try loadModel(arguments, options: options)
        let promptTokens: [Int32]
        if let rawIDs {
            promptTokens = rawIDs
        } else if arguments.has("--chat") {
            var messages: [ChatFormat.Message] = []
            if let system = arguments.string("--system") { messages.append(.init(role: .system, content: system)) }
            messages.append(.init(role: .user, content: text ?? ""))
            promptTokens = try llama.promptTokens(for: messages)
        } else {
            promptTokens = try llama.promptTokens(for: text ?? "")
        }

        // A prompt cache: resume after its tokens when the file exists, else save the
        // prompt's state for the next run.
        let cacheFile = arguments.string("--prompt-cache").map { URL(fileURLWithPath: $0) }
        var cacheInfo: PromptCacheInfo?
        if let cacheFile, FileManager.default.fileExists(atPath: cacheFile.path) {
            cacheInfo = try llama.loadPromptCache(from: cacheFile, for: promptTokens)
        }

        let hasText = llama.tokenizer != nil
        let summary = try llama.generate(promptTokens: promptTokens, parameters: parameters) { piece in
            switch format {
            case .text:
                Terminal.write(hasText ? piece.text : piece.tokenIDs.map { "\($0) " }.joined())
            case .json:
                Terminal.write(jsonLines(for: piece, hasText: hasText))
            }
            return true
        }
        if let cacheFile, cacheInfo == nil {
            try llama.savePromptCache(to: cacheFile, tokenCount: promptTokens.count)
        }
        switch format {
        case .text:
            if Terminal.stdoutIsTerminal || !hasText { Terminal.write("\n") }
            if arguments.has("--stats") {
                if let cacheInfo { Terminal.writeError(ChatCommand.promptCacheText(cacheInfo) + "\n") }
                Terminal.writeError(statsText(summary, loadSeconds: llama.loadSeconds) + "\n")
            }
        case .json:
            Terminal.write(statsJSON(summary, loadSeconds: llama.loadSeconds, promptCache: cacheInfo).text + "\n")
        }
    }

    /// The prompt text from --prompt or --prompt-file (nil for --prompt-tokens).
    private static func promptText(_ arguments: Arguments) throws -> String? {
        if let text = arguments.string("--prompt") { return text }
        guard let path = arguments.string("--prompt-file") else { return nil }
        let bytes = try Terminal.readFile(path, role: "prompt file")
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CLIError.failure("prompt file \(path) is not valid UTF-8 text")
        }
        return text
    }

    /// One JSON line per generated token. A piece holds one token, or none when it only
    /// releases text that was held back (a possible stop string at the end).
    static func jsonLines(for piece: GeneratedPiece, hasText: Bool) -> String {
        guard let id = piece.tokenIDs.first else {
            return piece.text.isEmpty ? "" : JSON.object([("text", .string(piece.text))]).text + "\n"
        }
        var fields: [(String, JSON)] = [("id", .int(Int(id)))]
        if hasText { fields.append(("text", .string(piece.text))) }
        if let record = piece.logprobs?.first {
            fields.append(("logprob", .double(Double(record.logprob))))
            fields.append(("top_logprobs", .array(record.top.map {
                .object([("id", .int(Int($0.id))), ("logprob", .double(Double($0.logprob)))])
            })))
        }
        return JSON.object(fields).text + "\n"
    }

    static func statsJSON(_ summary: GenerationSummary, loadSeconds: Double, promptCache: PromptCacheInfo? = nil) -> JSON {
        var cacheFields: [(String, JSON)] = []
        if let promptCache {
            cacheFields = [("prompt_cache_tokens", .int(promptCache.tokens.count)),
                           ("prompt_cache_load_seconds", .double(promptCache.loadSeconds)),
                           ("prompt_cache_saved_prefill_seconds", .double(promptCache.savedPrefillSeconds))]
        }
        return .object([("stats", .object([
            ("prompt_tokens", .int(summary.promptTokens)),
            ("prefilled_tokens", .int(summary.prefilledTokens)),
            ("generated_tokens", .int(summary.generatedTokens)),
            ("load_seconds", .double(loadSeconds)),
            ("prefill_tokens_per_second", .double(summary.prefillTokensPerSecond)),
            ("decode_tokens_per_second", .double(summary.decodeTokensPerSecond)),
            ("finish_reason", .string(summary.finishReason.rawValue)),
        ] + cacheFields))])
    }

    static func statsText(_ summary: GenerationSummary, loadSeconds: Double) -> String {
        func rate(_ value: Double) -> String { String(format: "%.1f", value) }
        return "[load \(String(format: "%.2f", loadSeconds)) s; prompt \(summary.promptTokens) tokens at "
            + "\(rate(summary.prefillTokensPerSecond)) tok/s; generated \(summary.generatedTokens) tokens at "
            + "\(rate(summary.decodeTokensPerSecond)) tok/s; finish: \(summary.finishReason.rawValue)]"
    }
}
