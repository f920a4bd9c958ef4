// GGUF models through the forward pass: BF16 files from llama.cpp's writer give Meta's
// logits; Q8_0 drifts from bf16 by measured, bounded amounts; the demo model's perplexity
// barely moves; the vocabulary survives the trip through tokenizer.ggml.*.

import Foundation
import Testing
import TestSupport
import LlamaLoader
import LlamaTensor
import LlamaTokenizer
@testable import LlamaModel

/// How far Q8_0 logits are from bf16 ones over a sequence, position by position.
struct Drift: CustomStringConvertible {
    /// sqrt(Σ (q8 − bf16)² / Σ bf16²) over every logit of every position.
    let relativeRMSError: Double
    /// The share of positions whose most likely next token is the same.
    let greedyAgreement: Double
    let positions: Int

    var description: String {
        String(format: "relative RMS error %.4f, greedy agreement %.3f over %d positions",
               relativeRMSError, greedyAgreement, positions)
    }

    /// Runs `tokens` one at a time through both models (teacher forcing).
    static func measure(_ q8: Transformer, _ bf16: Transformer, tokens: [Int32]) throws -> Drift {
        var squaredError = 0.0, squaredReference = 0.0, agree = 0
        for (position, token) in tokens.enumerated() {
            let a = Array(try q8.forward([token], startingAt: position))
            let b = Array(try bf16.forward([token], startingAt: position))
            for (x, y) in zip(a, b) {
                squaredError += Double(x - y) * Double(x - y)
                squaredReference += Double(y) * Double(y)
            }
            if firstMax(a) == firstMax(b) { agree += 1 }
        }
        return Drift(relativeRMSError: (squaredError / squaredReference).squareRoot(),
                     greedyAgreement: Double(agree) / Double(tokens.count), positions: tokens.count)
    }

    static func firstMax(_ x: [Float]) -> Int {
        x.withUnsafeBufferPointer { argmax($0) } ?? 0
    }
}

@Suite("Quantized models")
struct QuantizedModelTests {
    static func transformer(_ url: URL, context: Int) throws -> Transformer {
        let source = try ModelSource(url: url)
        return try Transformer(weights: source.weights, params: source.params, contextLength: context, threadCount: 2)
    }

    /// A BF16 GGUF written by llama.cpp's Python writer gives Meta's reference logits, as
    /// the checkpoint does; without RoPE scaling (nothing recomputed from rope_freqs) the
    /// logits are bit-identical to the checkpoint's.
    @Test(arguments: ["gqa-scaled", "tied-output", "mha-unscaled"])
    func bf16FileGivesMetasLogits(model: String) throws {
        let reference = try ModelFixtures.reference(model)
        let gguf = try Self.transformer(Fixtures.url("gguf/\(model)-bf16.gguf"), context: reference.prompt.count)
        let logits = Array(try gguf.forward(reference.prompt, startingAt: 0))
        #expect(maxAbsoluteDifference(logits, reference.promptLastLogits) <= 1e-3)
        if model == "mha-unscaled" {
            let folder = try Self.transformer(ModelFixtures.folderURL(model), context: reference.prompt.count)
            #expect(Array(try folder.forward(reference.prompt, startingAt: 0)) == logits)
        }
    }

    /// Q8_0 against bf16 on the random-weight fixtures: the logits' relative RMS error and
    /// how often the greedy token agrees, over the prompt and Meta's greedy continuation.
    /// Random weights are the hard case (no structure, small margins between tokens); the
    /// tied model is the worst, its output head being the quantized embedding table.
    @Test(arguments: ["gqa-scaled", "tied-output", "mha-unscaled"])
    func q8DriftOnFixtures(model: String) throws {
        let reference = try ModelFixtures.reference(model)
        let tokens = reference.prompt + reference.greedy
        let q8 = try Self.transformer(Fixtures.url("gguf/\(model)-q8_0.gguf"), context: tokens.count)
        let bf16 = try Self.transformer(ModelFixtures.folderURL(model), context: tokens.count)
        let drift = try Drift.measure(q8, bf16, tokens: tokens)
        print("q8_0 drift, \(model): \(drift)")
        #expect(drift.relativeRMSError < 0.08, "\(model): \(drift)")
        #expect(drift.greedyAgreement >= 0.9, "\(model): \(drift)")
    }

    /// The demo model (trained, so its numbers mean something), quantized by our own
    /// writer: held-out perplexity in both formats, and the drift of its logits.
    @Test func demoModelPerplexityBarelyMoves() throws {
        let reference = try DemoReference.load()
        let url = try Fixtures.temporaryFolder("q8").appendingPathComponent("demo-q8_0.gguf")
        let source = try ModelSource(url: DemoModel.folder)
        try GGUFExport.write(source, tokenizer: try source.loadTokenizer(), as: .q8_0, to: url)
        let count = min(DemoModel.scoredTokens, reference.passage.count - 1)
        let q8 = try Self.transformer(url, context: count + 1)
        let bf16 = try Self.transformer(DemoModel.folder, context: count + 1)
        func perplexity(_ model: Transformer) throws -> Double {
            var total = 0.0
            for position in 0..<count {
                let logits = try model.forward([reference.passage[position]], startingAt: position)
                let maximum = logits.max() ?? 0
                let sum = logits.reduce(0.0) { $0 + exp(Double($1 - maximum)) }
                total += Double(logits[Int(reference.passage[position + 1])] - maximum) - log(sum)
            }
            return exp(-total / Double(count))
        }
        let (pq, pb) = (try perplexity(q8), try perplexity(bf16))
        let drift = try Drift.measure(q8, bf16, tokens: Array(reference.passage.prefix(count)))
        print(String(format: "demo model over %d held-out tokens: perplexity bf16 %.3f, q8_0 %.3f (%+.2f%%); %@",
                     count, pb, pq, 100 * (pq / pb - 1), drift.description))
        #expect(abs(pq / pb - 1) < 0.02)
        #expect(drift.relativeRMSError < 0.02 && drift.greedyAgreement >= 0.9, "\(drift)")
    }

    /// Our GGUF vocabulary export equals what llama.cpp's writer holds for the same
    /// tokenizer.model (tokens, types, merges), and a tokenizer built from that file
    /// encodes the held-out text exactly as the original does.
    @Test func vocabularyMatchesLlamaCppsAndRoundTrips() throws {
        let file = try GGUFFile(url: Fixtures.url("gguf/demo-vocab.gguf"))
        let original = try Tokenizer(contentsOf: DemoModel.folder.appendingPathComponent("tokenizer.model"))
        let ours = original.ggufVocabulary()
        let tokens = try #require(file.metadata["tokenizer.ggml.tokens"]?.array).compactMap(\.string)
        let merges = try #require(file.metadata["tokenizer.ggml.merges"]?.array).compactMap(\.string)
        let types = try #require(file.metadata["tokenizer.ggml.token_type"]?.array).compactMap(\.int)
        #expect(ours.tokens.count == tokens.count && ours.merges.count == merges.count)
        #expect(ours.tokens.indices.first { ours.tokens[$0] != tokens[$0] } == nil, "first differing token")
        #expect(ours.merges.indices.first { ours.merges[$0] != merges[$0] } == nil, "first differing merge")
        #expect(ours.types.map { Int($0.rawValue) } == types)
        let rebuilt = try #require(try file.loadTokenizer())
        let text = try String(contentsOf: Fixtures.url("demo/heldout.txt"), encoding: .utf8)
        #expect(rebuilt.encode(text, bos: true) == original.encode(text, bos: true))
        #expect(rebuilt.vocabularySize == original.vocabularySize)
        #expect(rebuilt.stopTokens == original.stopTokens && rebuilt.beginOfText == original.beginOfText)
        // Roles are found by name: without <|eot_id|> the vocabulary still loads, and only
        // the Llama 3 chat format, which needs it, says what is missing.
        var vocabulary = try #require(try file.vocabulary())
        vocabulary.tokens[Int(try #require(original.endOfTurn))] = "<|not_eot|>"
        let renamed = try Tokenizer(gguf: vocabulary, source: "x")
        #expect(renamed.endOfTurn == nil)
        #expect(throws: TokenizerError.missingSpecialToken(name: "<|eot_id|>", format: "llama3")) {
            try ChatFormat(tokenizer: renamed)
        }
    }
}
