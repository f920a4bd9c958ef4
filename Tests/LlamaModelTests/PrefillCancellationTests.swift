// Cancellation reaches the prefill: a long prompt stops between layers, the cache keeps the
// batches that finished, and the next call runs only the rest and gives the same tokens.

import Foundation
import Testing
import TestSupport
@testable import LlamaModel

@Suite("Prefill cancellation")
struct PrefillCancellationTests {
    /// A prompt of 40 tokens in batches of 8: cancelled in the middle of the third batch
    /// (one check per layer). Nothing is generated, the cache holds the two whole
    /// batches (16 positions), and the same call then prefills only the other 24 tokens and
    /// generates what a fresh model generates.
    @Test func cancelledPrefillKeepsWholeBatchesAndResumes() throws {
        var options = Llama.Options()
        options.contextLength = 64
        options.batchSize = 8
        let url = ModelFixtures.folderURL("gqa-scaled")
        let llama = try Llama(model: url, options: options)
        let prompt = (0..<40).map { Int32(($0 * 37 + 11) % 200) }
        let layers = llama.params.nLayers
        var checks = 0
        var pieces = 0
        let cancelled = try llama.generate(promptTokens: prompt, parameters: greedy(6),
                                           isCancelled: { checks += 1; return checks > 2 * layers + layers / 2 }) { _ in
            pieces += 1
            return true
        }
        #expect(cancelled.finishReason == .cancelled)
        #expect(cancelled.generatedTokens == 0 && pieces == 0)
        #expect(cancelled.prefilledTokens == 16)
        #expect(llama.transformer.position == 16)

        var resumedIDs: [Int32] = []
        let resumed = try llama.generate(promptTokens: prompt, parameters: greedy(6)) { piece in
            resumedIDs += piece.tokenIDs
            return true
        }
        #expect(resumed.prefilledTokens == 24, "only what the cache did not hold")
        let fresh = try Llama(model: url, options: options)
        var freshIDs: [Int32] = []
        _ = try fresh.generate(promptTokens: prompt, parameters: greedy(6)) { piece in
            freshIDs += piece.tokenIDs
            return true
        }
        #expect(resumedIDs == freshIDs && freshIDs.count == 6)
    }

    /// A cancelled forward pass throws `.cancelled` naming the positions kept.
    @Test func forwardThrowsCancelledWithThePositionsKept() throws {
        let source = try ModelSource(url: ModelFixtures.folderURL("gqa-scaled"))
        let transformer = try Transformer(weights: source.weights, params: source.params, contextLength: 32,
                                          threadCount: 1, batchSize: 4)
        #expect(throws: ModelError.cancelled(position: 0)) {
            try transformer.forward([1, 2, 3], startingAt: 0, isCancelled: { true })
        }
        try transformer.forward([1, 2, 3, 4], startingAt: 0)
        var checks = 0
        #expect(throws: ModelError.cancelled(position: 8)) {
            try transformer.forward([5, 6, 7, 8, 9, 10], startingAt: 4, isCancelled: { checks += 1; return checks > source.params.nLayers })
        }
        #expect(transformer.position == 8)
    }
}
