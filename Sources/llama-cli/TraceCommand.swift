// `llama-cli trace`: every step of one forward pass, under the names of Meta's model.py,
// with shapes, leading values and statistics (Documentation/18-Tracing-and-Attention.md).

import Foundation
import LlamaModel

enum TraceCommand {
    enum Format: String { case text, json }

    /// How many of the most likely next tokens to list.
    static let topCount = 5

    static let specs = [
        Options.model,
        Options.prompt,
        Options.promptTokens,
        OptionSpec("--layers", "N,N,...", "only these layers (default: all)"),
        OptionSpec("--format", "text|json", "text: for reading (default); json: one object per line per step"),
        Options.threads,
    ]

    static func run(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: specs, command: "trace")
        let formatName = arguments.string("--format") ?? "text"
        guard let format = Format(rawValue: formatName) else {
            throw CLIError.usage("--format expects text or json, found '\(formatName)'", command: "trace")
        }
        let pass = try TracedPass(arguments) { folder in
            // Checked against the model before the pass runs.
            let layers = try TracedPass.layers(arguments, count: folder.params.nLayers)
            return { step in step.layer.map { layers?.contains($0) ?? true } ?? true }
        }
        let top = pass.logits.withUnsafeBufferPointer { Sampler.logprob(of: 0, in: $0, top: topCount).top }
        switch format {
        case .text: Terminal.write(text(pass, top: top))
        case .json: Terminal.write(json(pass, top: top))
        }
    }

    // MARK: - Text

    static func text(_ pass: TracedPass, top: [TokenLogprob.Alternative]) -> String {
        var lines = ["tokens  [\(pass.tokens.count)]"]
        for (index, id) in pass.tokens.enumerated() {
            lines.append("  \(pad(String(index), 3)) \(pad(String(id), 7)) \(pass.pieces[index].map(JSON.quote) ?? "")")
        }
        let width = pass.steps.map(\.path.count).max() ?? 0
        for step in pass.steps {
            let stats = step.statistics
            // Line 1: name, shape, the first values; line 2: the statistics.
            let first = step.values.prefix(4).map { padded(number($0), 8, right: true) }.joined(separator: " ")
            lines.append("\(pad(step.path, width))  \(pad(shape(step.shape), 14)) \(first)")
            var summary = "  min \(number(stats.min))  max \(number(stats.max))  mean \(number(stats.mean))"
                + "  rms \(number(stats.rms))"
            let counts = nonFiniteCounts(stats)
            if !counts.isEmpty {
                summary += "  (" + counts.map { "\($0.name): \($0.count)" }.joined(separator: ", ") + ")"
            }
            lines.append(summary)
        }
        lines.append("next token (top \(top.count))")
        for alternative in top {
            let piece = pieceText(alternative.id, pass)
            lines.append("  \(pad(String(alternative.id), 7)) \(pad(piece, 18)) p \(String(format: "%.4f", exp(Double(alternative.logprob))))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The kinds of values the statistics leave out, with how many of each there are:
    /// `nan`, `inf`, `-inf` (the mask's), in that order, only those present.
    static func nonFiniteCounts(_ stats: TraceStatistics) -> [(name: String, count: Int)] {
        [("nan", stats.nanCount), ("inf", stats.infinityCount), ("-inf", stats.negativeInfinityCount)]
            .filter { $0.1 > 0 }
    }

    /// Four decimals: enough to compare with a reference by eye, short enough to scan.
    /// NaN and the infinities print as `nan`, `inf` and `-inf`.
    static func number(_ value: Float) -> String {
        guard value.isFinite else { return value < 0 ? "-inf" : (value > 0 ? "inf" : "nan") }
        let text = String(format: "%.4f", value)
        return text == "-0.0000" ? "0.0000" : text
    }

    /// `text` padded with spaces to `width`, on the left when `right` (numbers line up).
    static func padded(_ text: String, _ width: Int, right: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }

    static func shape(_ dimensions: [Int]) -> String {
        "[" + dimensions.map(String.init).joined(separator: ", ") + "]"
    }

    static func pieceText(_ id: Int32, _ pass: TracedPass) -> String {
        (try? pass.tokenizer?.piece(for: id)).flatMap { $0 }.map(JSON.quote) ?? ""
    }

    // MARK: - JSON

    /// One object per line: the tokens, each step, then the most likely next tokens.
    ///
    /// JSON has no NaN or infinity, so a value that is not finite (in `first`, or a
    /// statistic of a step with no finite value) is the string `"nan"`, `"inf"` or `"-inf"`,
    /// which Python's and Foundation's decoders can be told to read as the number. A step
    /// that holds such values also counts them: `non_finite` in all, and `nan`, `inf` and
    /// `-inf` for the kinds present.
    static func json(_ pass: TracedPass, top: [TokenLogprob.Alternative]) -> String {
        var lines: [JSON] = []
        var tokenFields: [(String, JSON)] = [("step", .string("tokens")),
                                             ("ids", .array(pass.tokens.map { .int(Int($0)) }))]
        if pass.tokenizer != nil {
            tokenFields.append(("pieces", .array(pass.pieces.map { $0.map(JSON.string) ?? .null })))
        }
        lines.append(.object(tokenFields))
        for step in pass.steps {
            let stats = step.statistics
            var fields: [(String, JSON)] = [
                ("step", .string(step.path)),
                ("layer", step.layer.map { .int($0) } ?? .null),
                ("shape", .array(step.shape.map { .int($0) })),
                ("min", value(stats.min)), ("max", value(stats.max)),
                ("mean", value(stats.mean)), ("rms", value(stats.rms)),
            ]
            if stats.nonFiniteCount > 0 { fields.append(("non_finite", .int(stats.nonFiniteCount))) }
            fields += nonFiniteCounts(stats).map { ($0.name, .int($0.count)) }
            fields.append(("first", .array(step.values.prefix(8).map(value))))
            lines.append(.object(fields))
        }
        lines.append(.object([("step", .string("top")), ("tokens", .array(top.map { alternative in
            var fields: [(String, JSON)] = [("id", .int(Int(alternative.id)))]
            if pass.tokenizer != nil { fields.append(("piece", (try? pass.tokenizer?.piece(for: alternative.id)).flatMap { $0 }.map(JSON.string) ?? .null)) }
            fields.append(("probability", value(Float(exp(Double(alternative.logprob))))))
            return .object(fields)
        }))]))
        return lines.map { $0.text + "\n" }.joined()
    }

    /// A number, or the string `"nan"`, `"inf"` or `"-inf"` for one JSON cannot hold.
    static func value(_ number: Float) -> JSON {
        number.isFinite ? .double(Double(number)) : .string(Self.number(number))
    }
}
