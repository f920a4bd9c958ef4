// The options shared by `generate`, `chat` and the menu: sampling, stopping, threads,
// context. Parsed and checked before the model loads, so a typo fails in milliseconds.

import LlamaModel

enum GenerationOptions {
    /// The sampling, stopping and loading options every generating command accepts.
    static let specs: [OptionSpec] = [
        OptionSpec("--max-tokens", "N", "the most tokens to generate (default 256)"),
        OptionSpec("--temperature", "T", "0 = greedy, always the most likely token (default 0.6)"),
        OptionSpec("--top-p", "P", "keep the most likely tokens up to mass P (default 0.9)"),
        OptionSpec("--top-k", "K", "keep only the K most likely tokens (default: off)"),
        OptionSpec("--min-p", "P", "drop tokens below P x the best one's probability (default: off)"),
        OptionSpec("--repeat-penalty", "R", "penalize the last 64 tokens, CTRL-style (default 1 = off)"),
        OptionSpec("--seed", "N", "make sampling repeat exactly"),
        OptionSpec("--stop", "STRING", "stop when the text contains STRING (repeatable)", repeatable: true),
        Options.threads,
        OptionSpec("--context", "N", "KV cache positions, prompt plus output (default 8192)"),
    ]

    /// The sampling and stopping parameters, checked.
    /// - Throws: `CLIError.usage` for a malformed or out-of-range value.
    static func parameters(_ arguments: Arguments) throws -> GenerationParameters {
        var parameters = GenerationParameters()
        if let value = try arguments.int("--max-tokens", in: 0...Int(Int32.max)) { parameters.maxTokens = value }
        if let value = try arguments.float("--temperature") { parameters.temperature = value }
        if let value = try arguments.float("--top-p") { parameters.topP = value }
        if let value = try arguments.int("--top-k", in: 1...Int.max) { parameters.topK = value }
        if let value = try arguments.float("--min-p") { parameters.minP = value }
        if let value = try arguments.float("--repeat-penalty") { parameters.repetitionPenalty = value }
        parameters.seed = try arguments.uint64("--seed")
        parameters.stopStrings = arguments.strings("--stop")
        do {
            try parameters.validate()
        } catch let error as ModelError {
            throw CLIError.usage("\(error)", command: arguments.command)
        }
        return parameters
    }

    /// How to load the model: threads and context length.
    static func loadOptions(_ arguments: Arguments) throws -> Llama.Options {
        var options = Llama.Options()
        options.threadCount = try arguments.int("--threads", in: 1...1024)
        if let context = try arguments.int("--context", in: 1...1_048_576) { options.contextLength = context }
        return options
    }
}

/// Loads a model folder, showing progress on a terminal.
func loadModel(_ arguments: Arguments, options: Llama.Options) throws -> Llama {
    let url = DefaultModel.resolve(arguments.string("--model"))
    let progress = ProgressLine(label: "loading \(url.lastPathComponent)")
    defer { progress.finish() }
    return try Llama(model: url, options: options) { fraction, stage in progress.update(fraction, stage) }
}
