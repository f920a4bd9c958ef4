// The options shared by `generate`, `chat` and the menu: sampling, stopping, threads,
// context. Parsed and checked before the model loads, so a typo fails in milliseconds.

import LlamaModel

enum GenerationOptions {
    /// The options every generating command accepts.
    static let specs: [OptionSpec] = [
        OptionSpec(name: "--model", takesValue: true),
        OptionSpec(name: "--max-tokens", takesValue: true),
        OptionSpec(name: "--temperature", takesValue: true),
        OptionSpec(name: "--top-p", takesValue: true),
        OptionSpec(name: "--top-k", takesValue: true),
        OptionSpec(name: "--min-p", takesValue: true),
        OptionSpec(name: "--repeat-penalty", takesValue: true),
        OptionSpec(name: "--seed", takesValue: true),
        OptionSpec(name: "--stop", takesValue: true, repeatable: true),
        OptionSpec(name: "--threads", takesValue: true),
        OptionSpec(name: "--context", takesValue: true),
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
