// `llama-cli perplexity`: how well the model predicts a given text, token by token
// (Documentation/21-Quantization-and-GGUF.md compares quantizations with it).

import Foundation
import LlamaModel

enum PerplexityCommand {
    static let specs = [
        Options.model,
        OptionSpec("--text-file", "FILE", """
            the text (tokenized as a prompt, <|begin_of_text|> first if the
            model adds one)
            """),
        OptionSpec("--tokens", "IDS", "the text as token ids, comma-separated"),
        OptionSpec("--window", "N", "tokens per window (default 512)"),
        OptionSpec("--format", "text|json", """
            text: one line (default); json: one line per scored token
            {"position", "id", "logprob", "best", "best_logprob"}, then
            {"perplexity": {...}}
            """),
        Options.threads,
    ]

    static func run(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: specs, command: "perplexity")
        let format = arguments.string("--format") ?? "text"
        guard format == "text" || format == "json" else {
            throw CLIError.usage("--format expects text or json, found '\(format)'", command: "perplexity")
        }
        let sources = ["--text-file", "--tokens"].filter(arguments.has)
        guard sources.count == 1 else {
            throw CLIError.usage(sources.isEmpty ? "a text is needed: --text-file or --tokens"
                                                 : "give --text-file or --tokens, not both", command: "perplexity")
        }
        let window = try arguments.int("--window", in: 2...1_048_576) ?? 512
        var options = Llama.Options()
        options.contextLength = window
        options.threadCount = try arguments.int("--threads", in: 1...1024)
        let llama = try loadModel(arguments, options: options)
        let ids: [Int32]
        if let given = try arguments.tokenIDs("--tokens") {
            ids = given
        } else {
            let path = arguments.string("--text-file") ?? ""
            guard let text = String(validating: try Terminal.readFile(path, role: "text file"), as: UTF8.self) else {
                throw CLIError.failure("text file \(path) is not valid UTF-8 text")
            }
            ids = try llama.promptTokens(for: text)
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let scores = try llama.score(ids, window: window)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard !scores.isEmpty else { throw CLIError.failure("the text has fewer than two tokens: nothing to score") }
        let meanLogprob = scores.reduce(0.0) { $0 + Double($1.logprob) } / Double(scores.count)
        let perplexity = exp(-meanLogprob)
        let agreement = Double(scores.filter { $0.best == $0.id }.count) / Double(scores.count)
        if format == "json" {
            for (index, score) in scores.enumerated() {
                Terminal.write(JSON.object([
                    ("position", .int(index + 1)), ("id", .int(Int(score.id))), ("logprob", .double(Double(score.logprob))),
                    ("best", .int(Int(score.best))), ("best_logprob", .double(Double(score.bestLogprob))),
                ]).text + "\n")
            }
            Terminal.write(JSON.object([("perplexity", .object([
                ("tokens", .int(scores.count)), ("perplexity", .double(perplexity)),
                ("mean_logprob", .double(meanLogprob)), ("top1_is_next", .double(agreement)),
                ("window", .int(window)), ("seconds", .double(seconds)),
            ]))]).text + "\n")
        } else {
            Terminal.write(String(format: "perplexity %.4f over %d tokens (mean log-probability %.4f; the next token is the model's first choice %.1f%% of the time; windows of %d; %.1f s)\n",
                                  perplexity, scores.count, meanLogprob, agreement * 100, window, seconds))
        }
    }
}
