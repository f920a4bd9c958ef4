// Our forward pass against Meta's reference model.py on the fixture checkpoints.

import Foundation
import Testing
import TestSupport
import LlamaLoader
@testable import LlamaModel

@Suite("Forward pass vs Meta's model.py")
struct ForwardPassTests {
    /// Greedy decoding with the KV cache reproduces Meta's tokens exactly, and every logit
    /// along the way is within 1e-3 of the reference.
    @Test(arguments: ModelFixtures.names)
    func greedyDecodingMatchesReference(fixture: String) throws {
        let reference = try ModelFixtures.reference(fixture)
        let folder = try ModelFolder(url: ModelFixtures.folderURL(fixture))
        let model = try Transformer(folder: folder, contextLength: reference.prompt.count + reference.greedy.count + 1,
                                    threadCount: 2)
        var logits = Array(try model.forward(reference.prompt, startingAt: 0))
        let tolerance: Float = fixture == "long-context" ? 2e-3 : 1e-3
        #expect(maxAbsoluteDifference(logits, reference.promptLastLogits) <= tolerance)
        var generated: [Int32] = []
        for step in 0..<reference.greedy.count {
            let next = Int32(logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!)
            generated.append(next)
            if step + 1 == reference.greedy.count { break }
            logits = Array(try model.forward([next], startingAt: reference.prompt.count + step))
            if let decode = reference.decodeLogits {
                #expect(maxAbsoluteDifference(logits, decode[step]) <= tolerance, "decode step \(step)")
            }
        }
        #expect(generated == reference.greedy)
    }

    /// One pass over prompt + generated tokens gives the reference's last logits too.
    @Test(arguments: ["gqa-scaled", "mha-unscaled", "tied-output"])
    func fullSequencePassMatchesReference(fixture: String) throws {
        let reference = try ModelFixtures.reference(fixture)
        let folder = try ModelFolder(url: ModelFixtures.folderURL(fixture))
        let tokens = reference.prompt + reference.greedy.dropLast()
        let model = try Transformer(folder: folder, contextLength: tokens.count, threadCount: 1, batchSize: 5)
        let logits = Array(try model.forward(tokens, startingAt: 0))
        #expect(maxAbsoluteDifference(logits, reference.fullLastLogits) <= 1e-3)
    }

    /// Prefill (batched matrix products) then decode gives bit-identical logits to running
    /// every token one at a time, and to 1, 2, 3 or 4 threads: each output element is
    /// computed by the same operations in every path.
    @Test func prefillDecodeAndThreadCountsAgreeExactly() throws {
        let reference = try ModelFixtures.reference("gqa-scaled")
        let folder = try ModelFolder(url: ModelFixtures.folderURL("gqa-scaled"))
        let tokens = reference.prompt
        var baseline: [Float]?
        for threads in [1, 2, 3, 4] {
            for batchSize in [1, 3, 64] {
                let model = try Transformer(folder: folder, contextLength: 64, threadCount: threads, batchSize: batchSize)
                var logits: [Float] = []
                if batchSize == 1 {
                    for (i, t) in tokens.enumerated() { logits = Array(try model.forward([t], startingAt: i)) }
                } else {
                    logits = Array(try model.forward(tokens, startingAt: 0))
                }
                if let baseline {
                    #expect(logits == baseline, "threads \(threads) batch \(batchSize)")
                } else {
                    baseline = logits
                }
            }
        }
    }

    /// The long fixture's logits with Llama 3.1 scaling differ clearly from unscaled ones,
    /// and ours match the scaled reference: scaling is applied, and applied right.
    @Test func longPromptUsesScaledRope() throws {
        let reference = try ModelFixtures.reference("long-context")
        #expect(reference.prompt.count > 2000)
        let unscaled = try #require(reference.promptLastLogitsUnscaled)
        let folder = try ModelFolder(url: ModelFixtures.folderURL("long-context"))
        #expect(folder.params.useScaledRope)
        let model = try Transformer(folder: folder, contextLength: reference.prompt.count, threadCount: 2)
        let logits = Array(try model.forward(reference.prompt, startingAt: 0))
        #expect(maxAbsoluteDifference(logits, reference.promptLastLogits) <= 2e-3)
        #expect(maxAbsoluteDifference(logits, unscaled) > 0.1)
    }

    @Test func rejectsBadTokensAndPositions() throws {
        let folder = try ModelFolder(url: ModelFixtures.folderURL("gqa-scaled"))
        let model = try Transformer(folder: folder, contextLength: 8, threadCount: 1)
        #expect(throws: ModelError.tokenOutOfRange(id: 997, vocabularySize: 997)) { try model.forward([1, 997], startingAt: 0) }
        #expect(throws: ModelError.tokenOutOfRange(id: -1, vocabularySize: 997)) { try model.forward([-1], startingAt: 0) }
        #expect(throws: ModelError.emptyInput) { try model.forward([], startingAt: 0) }
        #expect(throws: ModelError.contextFull(requested: 9, capacity: 8)) { try model.forward(Array(repeating: 1, count: 9), startingAt: 0) }
        #expect(throws: ModelError.positionMismatch(expected: 0, found: 3)) { try model.forward([1], startingAt: 3) }
        #expect(throws: ModelError.self) { try Transformer(folder: folder, contextLength: 0) }
        #expect(throws: ModelError.self) { try Transformer(folder: folder, threadCount: 0) }
    }
}
