// What `trace` and `attention` share: a model folder, a prompt, and one forward pass with
// an observer attached (LlamaModel's ForwardObserver; Documentation/18-Tracing-and-Attention.md).

import Foundation
import LlamaLoader
import LlamaModel
import LlamaTokenizer

/// One traced forward pass over a prompt, from position 0.
struct TracedPass {
    /// Every step keeps its values (the attention weights alone are heads × T² floats per
    /// layer), so the prompt is kept to what a person can read anyway.
    static let maximumTokens = 256

    let source: ModelSource
    let tokens: [Int32]
    /// The folder's tokenizer, if it has one.
    let tokenizer: Tokenizer?
    /// Each token's text for display, or nil when the folder has no tokenizer.
    let pieces: [String?]
    /// The steps the observer kept, in Meta's order.
    let steps: [TraceStep]
    /// The logits of the last position, for the most likely next tokens.
    let logits: [Float]

    /// Checks the prompt options (before anything is loaded), then loads and runs.
    /// - Parameter select: given the model folder (to check layer numbers against it),
    ///   which steps to keep; the others are dropped as they come.
    init(_ arguments: Arguments, select: (ModelSource) throws -> (TraceStep) -> Bool) throws {
        let command = arguments.command
        let sources = ["--prompt", "--prompt-tokens"].filter(arguments.has)
        guard sources.count == 1 else {
            throw CLIError.usage(sources.isEmpty ? "a prompt is needed: --prompt or --prompt-tokens"
                                                 : "give only one of --prompt, --prompt-tokens", command: command)
        }
        let ids = try arguments.tokenIDs("--prompt-tokens")
        let threads = try arguments.int("--threads", in: 1...1024)

        source = try ModelSource(url: DefaultModel.resolve(arguments.string("--model")))
        let keep = try select(source)
        // A vocabulary that cannot be used stops only a text prompt: token ids still run.
        let model = source
        let loaded = Result { try model.loadTokenizer() }
        let tokenizer = try? loaded.get()
        self.tokenizer = tokenizer
        if let ids {
            tokens = ids
        } else {
            guard let tokenizer = try loaded.get() else { throw ModelError.noTokenizer(folder: source.url.path) }
            tokens = tokenizer.encode(arguments.string("--prompt") ?? "", bos: tokenizer.addsBeginOfText)
        }
        guard tokens.count <= Self.maximumTokens else {
            throw CLIError.failure("the prompt has \(tokens.count) tokens; \(command ?? "trace") shows at most \(Self.maximumTokens)")
        }
        pieces = tokens.map { id in tokenizer.flatMap { try? $0.piece(for: id) } }

        // One batch for the whole prompt, so each step is reported once.
        let transformer = try Transformer(weights: source.weights, params: source.params, contextLength: tokens.count, threadCount: threads,
                                          batchSize: tokens.count)
        let filter = FilteringObserver(keep: keep)
        transformer.observer = filter
        logits = Array(try transformer.forward(tokens, startingAt: 0))
        transformer.observer = nil
        steps = filter.steps
    }

    /// The layers named by `--layers 0,15` (all when not given), checked against the model.
    static func layers(_ arguments: Arguments, count: Int) throws -> Set<Int>? {
        guard let text = arguments.string("--layers") else { return nil }
        var layers = Set<Int>()
        for piece in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            guard let layer = Int(trimmed), (0..<count).contains(layer) else {
                throw CLIError.usage("--layers expects layer numbers in 0...\(count - 1), found '\(trimmed)'",
                                     command: arguments.command)
            }
            layers.insert(layer)
        }
        return layers
    }
}

/// Keeps the steps `keep` accepts, so a trace of a few layers of a big model stays small.
final class FilteringObserver: ForwardObserver {
    private let keep: (TraceStep) -> Bool
    private(set) var steps: [TraceStep] = []

    init(keep: @escaping (TraceStep) -> Bool) { self.keep = keep }

    func observe(_ step: TraceStep) {
        if keep(step) { steps.append(step) }
    }
}
