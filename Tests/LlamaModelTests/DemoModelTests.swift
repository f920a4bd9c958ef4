// The demo model that ships in Models/demo: our forward pass against Meta's on text the
// model never saw, its tokenizer against tiktoken, and the golden greedy transcript that
// the documentation shows. References: Scripts/demo/make_reference.py.

import Foundation
import Testing
import TestSupport
import LlamaLoader
import LlamaTokenizer
@testable import LlamaModel

/// What Meta's model.py and tiktoken computed for the demo model.
struct DemoReference: Decodable {
    /// tiktoken's ids for all of `heldout.txt`.
    let heldoutIds: [Int32]
    /// `<|begin_of_text|>` and the first 255 held-out ids.
    let passage: [Int32]
    /// The mean of `logLikelihoods`.
    let meanLogLikelihood: Double
    /// `log p(passage[i + 1] | passage[...i])` for each position `i` of the passage.
    let logLikelihoods: [Double]
    let promptText: String
    /// `<|begin_of_text|>` and the ids of `promptText`.
    let prompt: [Int32]
    /// Meta's greedy continuation of `prompt`, and its text.
    let greedy: [Int32]
    let greedyText: String

    static func load() throws -> DemoReference {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(DemoReference.self, from: Data(contentsOf: Fixtures.url("demo/reference.json")))
    }
}

enum DemoModel {
    static let folder = Fixtures.repositoryRoot.appendingPathComponent("Models/demo")

    /// How many next tokens of the held-out passage the log-likelihood test decodes. A
    /// debug build (unoptimized SIMD kernels) decodes this model at only about 10 tokens/s
    /// on two cores, so it checks the first 32 and stays a few seconds long; an optimized
    /// build (`swift test -c release`) checks all 255.
    #if DEBUG
    static let scoredTokens = 32
    #else
    static let scoredTokens = Int.max
    #endif
}

@Suite("Demo model")
struct DemoModelTests {
    /// Token by token through the KV cache, the log-probability of each next token of a
    /// held-out passage agrees with Meta's full-sequence forward pass, and so does their
    /// mean (the number a training run reports, negated, as its loss).
    @Test func heldOutLogLikelihoodMatchesMeta() throws {
        let reference = try DemoReference.load()
        let count = min(DemoModel.scoredTokens, reference.logLikelihoods.count)
        let transformer = try Transformer(folder: ModelFolder(url: DemoModel.folder), contextLength: 256, threadCount: 2)
        var ours: [Double] = []
        for position in 0..<count {
            let logits = try transformer.forward([reference.passage[position]], startingAt: position)
            let next = Int(reference.passage[position + 1])
            let maximum = logits.max() ?? 0
            let sum = logits.reduce(0.0) { $0 + exp(Double($1 - maximum)) }
            ours.append(Double(logits[next] - maximum) - log(sum))
        }
        let worst = zip(ours, reference.logLikelihoods).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-3, "largest per-token difference from Meta's: \(worst)")
        let mean = ours.reduce(0, +) / Double(count)
        let referenceMean = reference.logLikelihoods.prefix(count).reduce(0, +) / Double(count)
        #expect(abs(mean - referenceMean) < 1e-3, "ours \(mean), Meta's \(referenceMean) over \(count) tokens")
        // The stored per-token values are the ones the stored mean was taken over.
        let storedMean = reference.logLikelihoods.reduce(0, +) / Double(reference.logLikelihoods.count)
        #expect(abs(storedMean - reference.meanLogLikelihood) < 1e-5)
    }

    /// Greedy decoding from the fixed prompt gives Meta's tokens, and its text is the
    /// golden transcript in Tests/Fixtures/demo/golden-greedy.txt.
    @Test func greedyTranscriptMatchesMetaAndTheGoldenFile() throws {
        let reference = try DemoReference.load()
        let llama = try Llama(model: DemoModel.folder)
        #expect(try llama.promptTokens(for: reference.promptText) == reference.prompt)
        var parameters = GenerationParameters()
        parameters.temperature = 0
        parameters.maxTokens = reference.greedy.count
        var ids: [Int32] = [], text = ""
        _ = try llama.generate(promptTokens: reference.prompt, parameters: parameters) { piece in
            ids += piece.tokenIDs
            text += piece.text
            return true
        }
        #expect(ids == reference.greedy)
        #expect(text == reference.greedyText)
        let golden = try String(contentsOf: Fixtures.url("demo/golden-greedy.txt"), encoding: .utf8)
        #expect(reference.promptText + text == golden)
    }

    /// The demo tokenizer encodes the held-out pages exactly as tiktoken does, and decodes
    /// them back byte for byte.
    @Test func tokenizerMatchesTiktokenAndRoundTrips() throws {
        let reference = try DemoReference.load()
        let tokenizer = try Tokenizer(contentsOf: DemoModel.folder.appendingPathComponent("tokenizer.model"))
        #expect(tokenizer.baseVocabularySize == 4096)
        #expect(tokenizer.vocabularySize == 4352)
        let text = try String(contentsOf: Fixtures.url("demo/heldout.txt"), encoding: .utf8)
        let ids = tokenizer.encode(text)
        #expect(ids == reference.heldoutIds)
        #expect(try tokenizer.decode(ids) == text)
    }
}
