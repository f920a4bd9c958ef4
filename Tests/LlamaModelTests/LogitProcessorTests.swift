// An app's own sampling steps, on the demo model, through the public API only (no
// @testable import): a `LogitBias` or a processor defined here reaches `Llama.generate` and
// `ChatSession.respond` through `GenerationParameters.logitProcessors`.

import Foundation
import LlamaModel
import Testing
import TestSupport

/// An app's own step: no token twice in one reply. It remembers where the prompt ends on
/// its first call, which works because every generation starts from a fresh copy.
private struct NoRepeatedTokens: LogitProcessor {
    private var promptLength: Int?

    mutating func process(_ logits: UnsafeMutableBufferPointer<Float>, recentTokens: [Int32]) {
        let start = promptLength ?? recentTokens.count
        promptLength = start
        for id in recentTokens[start...] where Int(id) < logits.count { logits[Int(id)] = -.infinity }
    }
}

@Suite("Logit processors") struct LogitProcessorTests {
    static func model() throws -> Llama {
        var options = Llama.Options()
        options.contextLength = 256
        options.threadCount = 2
        return try Llama(model: DemoModel.folder, options: options)
    }

    static func greedy(_ tokens: Int, _ processors: [any LogitProcessor]) -> GenerationParameters {
        var parameters = GenerationParameters()
        parameters.temperature = 0
        parameters.maxTokens = tokens
        parameters.logitProcessors = processors
        return parameters
    }

    static func tokens(_ stream: GenerationStream) async throws -> [Int32] {
        var ids: [Int32] = []
        for try await event in stream {
            if case .piece(let piece) = event { ids += piece.tokenIDs }
        }
        return ids
    }

    /// Banning Meta's first greedy token changes the reply, and the banned id never comes;
    /// banning repeats gives 24 distinct tokens where plain greedy repeats one by the 20th.
    @Test func generateRunsTheAppsSteps() async throws {
        let reference = try DemoReference.load()
        let llama = try Self.model()
        let banned = reference.greedy[0]
        let biased = try await Self.tokens(llama.generate(
            prompt: reference.promptText, parameters: Self.greedy(12, [LogitBias([banned: -.infinity])])))
        #expect(biased.count == 12 && !biased.contains(banned))

        #expect(Set(reference.greedy.prefix(24)).count < 24)
        let distinct = try await Self.tokens(llama.generate(
            prompt: reference.promptText, parameters: Self.greedy(24, [NoRepeatedTokens()])))
        #expect(distinct.count == 24 && Set(distinct).count == 24)
        #expect(distinct != Array(reference.greedy.prefix(24)))
    }

    /// The same through a chat session: the session's reply without the banned token
    /// differs from the reply with it, and never contains it.
    @Test func chatSessionRunsTheAppsSteps() async throws {
        let llama = try Self.model()
        let plain = try await Self.tokens(ChatSession(model: llama).respond(to: "What is a list?",
                                                                            parameters: Self.greedy(8, [])))
        let banned = try #require(plain.first)
        let session = try ChatSession(model: llama)
        let biased = try await Self.tokens(session.respond(to: "What is a list?",
                                                           parameters: Self.greedy(8, [LogitBias([banned: -.infinity])])))
        #expect(!biased.isEmpty && biased != plain && !biased.contains(banned))
        #expect(session.messages.count == 2)
    }
}
