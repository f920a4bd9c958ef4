// The traced steps against what Meta's model.py computes at each step
// (Scripts/make_trace_fixtures.py, Tests/Fixtures/trace), and tracing leaving the
// results untouched.

import Foundation
import Testing
import TestSupport
import LlamaLoader
@testable import LlamaModel

/// One `Tests/Fixtures/trace/*.json`: the steps of one forward pass of Meta's model.py.
struct TraceFixture: Decodable {
    struct Step: Decodable {
        let name: String
        let layer: Int?
        let shape: [Int]
        let min: Float
        let max: Float
        let mean: Float
        let rms: Float
        let nonFinite: Int
        /// All values, or the first ones when `complete` is false; `-inf` for masked entries.
        let values: [Float]
        let complete: Bool

        enum CodingKeys: String, CodingKey {
            case name, layer, shape, min, max, mean, rms, values, complete
            case nonFinite = "non_finite"
        }
    }

    let model: String
    let prefixTokens: [Int32]
    let tokens: [Int32]
    let startPos: Int
    let steps: [Step]

    enum CodingKeys: String, CodingKey {
        case model, tokens, steps
        case prefixTokens = "prefix_tokens"
        case startPos = "start_pos"
    }

    static let names = ["gqa-scaled-prefill", "gqa-scaled-decode", "mha-unscaled-prefill"]

    static func load(_ name: String) throws -> TraceFixture {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(TraceFixture.self, from: Data(contentsOf: Fixtures.url("trace/\(name).json")))
    }
}

/// Whether `a` is within `absolute + relative·|b|` of `b`; equal infinities match.
private func close(_ a: Float, _ b: Float, absolute: Float = 2e-5, relative: Float = 1e-4) -> Bool {
    if a == b { return true }
    return a.isFinite && b.isFinite && abs(a - b) <= absolute + relative * abs(b)
}

@Suite("Tracing vs Meta's model.py")
struct TraceTests {
    /// Every step, in Meta's order and under Meta's names, with its shape and values as
    /// model.py computes them (float32 arithmetic in a different order: a few ulps apart).
    @Test(arguments: TraceFixture.names)
    func stepsMatchTheReference(name: String) throws {
        let fixture = try TraceFixture.load(name)
        let folder = try ModelFolder(url: ModelFixtures.folderURL(fixture.model))
        let model = try Transformer(folder: folder, contextLength: fixture.startPos + fixture.tokens.count, threadCount: 2)
        if !fixture.prefixTokens.isEmpty { try model.forward(fixture.prefixTokens, startingAt: 0) }
        let steps = try model.trace(fixture.tokens, startingAt: fixture.startPos)

        #expect(steps.map(\.name) == fixture.steps.map(\.name))
        #expect(steps.map(\.layer) == fixture.steps.map(\.layer))
        for (ours, reference) in zip(steps, fixture.steps) {
            let place = "\(name): \(ours.path)"
            #expect(ours.shape == reference.shape, "\(place)")
            #expect(reference.complete == (reference.values.count == ours.values.count), "\(place)")
            var worst: Float = 0
            for (a, b) in zip(ours.values, reference.values) where !close(a, b) {
                worst = max(worst, abs(a - b))
            }
            #expect(worst == 0, "\(place): values differ by up to \(worst)")
            let stats = ours.statistics
            #expect(close(stats.min, reference.min) && close(stats.max, reference.max), "\(place): min/max \(stats)")
            #expect(close(stats.mean, reference.mean, absolute: 1e-5) && close(stats.rms, reference.rms), "\(place): mean/rms \(stats)")
            #expect(stats.nonFiniteCount == reference.nonFinite, "\(place)")
        }
        // The positions of the pass, on every step inside the blocks.
        let positions = fixture.startPos..<(fixture.startPos + fixture.tokens.count)
        #expect(steps.filter { $0.layer != nil }.allSatisfy { $0.positions == positions })
    }

    /// An observer only looks: logits, and the KV cache the next token reads, are the same
    /// bits with and without one, in prefill split into batches and in decode.
    @Test(arguments: ["gqa-scaled", "tied-output"])
    func tracingDoesNotChangeTheResult(fixture: String) throws {
        let reference = try ModelFixtures.reference(fixture)
        let folder = try ModelFolder(url: ModelFixtures.folderURL(fixture))
        let next = reference.greedy[0]
        var results: [[Float]] = []
        for traced in [false, true] {
            let model = try Transformer(folder: folder, contextLength: 64, threadCount: 2, batchSize: 7)
            let recorder = TraceRecorder()
            if traced { model.observer = recorder }
            var logits = Array(try model.forward(reference.prompt, startingAt: 0))
            logits += Array(try model.forward([next], startingAt: reference.prompt.count))
            results.append(logits)
            if traced {
                // Three prompt batches and one decode step, each with the embeddings, 19 steps per
                // layer, the final norm and the logits.
                let layers = folder.params.nLayers
                #expect(recorder.steps.count == 4 * (1 + 19 * layers) + 2 * 2)
                #expect(recorder.steps.last?.name == "output")
            }
        }
        #expect(results[0] == results[1])
    }

    @Test func traceRestoresThePreviousObserver() throws {
        let folder = try ModelFolder(url: ModelFixtures.folderURL("gqa-scaled"))
        let model = try Transformer(folder: folder, contextLength: 8, threadCount: 1)
        #expect(model.observer == nil)
        let steps = try model.trace([1, 2, 3], startingAt: 0)
        #expect(model.observer == nil)
        #expect(steps.first?.path == "tok_embeddings")
        #expect(steps.first { $0.layer == 1 }?.path == "layers.1.attention_norm")
        #expect(steps.last?.shape == [1, 997])
        #expect(throws: ModelError.tokenOutOfRange(id: 997, vocabularySize: 997)) { try model.trace([997], startingAt: 0) }
        #expect(model.observer == nil)
    }

    @Test func statisticsSkipMaskedEntries() {
        let stats = TraceStatistics([0, -.infinity, 3, -4])
        #expect(stats.min == -4 && stats.max == 3 && stats.nonFiniteCount == 1)
        #expect(abs(stats.mean - (-1.0 / 3)) < 1e-6)
        #expect(abs(stats.rms - Float((25.0 / 3).squareRoot())) < 1e-6)
        #expect(TraceStatistics([]).rms == 0)
    }
}
