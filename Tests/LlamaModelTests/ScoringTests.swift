// Scoring a given text (Llama.score, `llama-cli perplexity`) against Meta's reference:
// teacher-forced along Meta's greedy continuation, the model's first choice is the next
// token everywhere, and the log-probabilities equal those generation reports.

import Foundation
@testable import LlamaModel
import Testing
import TestSupport

@Suite struct ScoringTests {
    @Test func scoresFollowMetasGreedyContinuationAndEqualGenerationsLogprobs() throws {
        let reference = try ModelFixtures.reference("gqa-scaled")
        var options = Llama.Options()
        options.contextLength = 64
        options.batchSize = 4  // several batches, and a window that ends inside one
        let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"), options: options)
        let sequence = reference.prompt + reference.greedy
        let scores = try llama.score(sequence, window: 64)
        #expect(scores.count == sequence.count - 1)
        #expect(scores.map(\.id) == Array(sequence.dropFirst()))
        let continuation = scores.suffix(reference.greedy.count)
        #expect(continuation.map(\.best) == reference.greedy)

        var parameters = GenerationParameters()
        parameters.temperature = 0
        parameters.maxTokens = reference.greedy.count
        parameters.logprobs = 0
        var generated: [Float] = []
        _ = try llama.generate(promptTokens: reference.prompt, parameters: parameters) { piece in
            if let logprob = piece.logprobs?.first { generated.append(logprob.logprob) }
            return true
        }
        #expect(generated == continuation.map(\.logprob))
    }

    @Test func windowsRestartTheContext() throws {
        let reference = try ModelFixtures.reference("gqa-scaled")
        let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"))
        let sequence = reference.prompt + reference.greedy
        let windowed = try llama.score(sequence, window: 5)
        // Windows of 5 tokens score 4 each: the first token of each is only context.
        #expect(windowed.count == sequence.count - (sequence.count + 4) / 5)
        #expect(throws: ModelError.invalidOption(name: "window", expected: "2...\(llama.transformer.contextLength)", found: "1")) {
            try llama.score(sequence, window: 1)
        }
        #expect(throws: ModelError.tokenOutOfRange(id: 997, vocabularySize: 997)) { try llama.score([1, 997], window: 8) }
    }
}
