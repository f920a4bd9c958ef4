// ChatSession on the demo model: each session keeps its own history and KV cache, so turns
// interleaved between two sessions never re-run each other's prefixes (counted in prefilled
// tokens), and a session replies exactly as the model's own chat does for the same dialog.

import Foundation
import LlamaModel
import Testing
import TestSupport

@Suite("Chat sessions") struct ChatSessionTests {
    static func greedy(_ tokens: Int) -> GenerationParameters {
        var parameters = GenerationParameters()
        parameters.temperature = 0
        parameters.maxTokens = tokens
        return parameters
    }

    /// The reply's text and the run's summary.
    static func turn(_ session: ChatSession, _ message: String, tokens: Int = 6) async throws -> (String, GenerationSummary) {
        var text = ""
        var summary: GenerationSummary?
        for try await event in session.respond(to: message, parameters: greedy(tokens)) {
            switch event {
            case .piece(let piece): text += piece.text
            case .finished(let finished): summary = finished
            case .toolCall: Issue.record("a session without tools read a tool call")
            }
        }
        return (text, try #require(summary))
    }

    static func model() throws -> Llama {
        var options = Llama.Options()
        options.contextLength = 512
        options.threadCount = 2
        return try Llama(model: DemoModel.folder, options: options)
    }

    @Test func interleavedSessionsKeepTheirOwnPrefixes() async throws {
        let llama = try Self.model()
        let first = try ChatSession(model: llama, systemMessage: "You write Python.")
        let second = try ChatSession(model: llama, systemMessage: "You write documentation.")
        let (_, a1) = try await Self.turn(first, "How do I open a file?")
        #expect(a1.prefilledTokens == a1.promptTokens)  // a fresh cache runs everything
        let (_, b1) = try await Self.turn(second, "What is a list?")
        #expect(b1.prefilledTokens == b1.promptTokens)
        // The first session's second turn reuses its whole first prompt: the other
        // session's turn did not evict it.
        let (_, a2) = try await Self.turn(first, "And how do I close it?")
        #expect(a2.prefilledTokens <= a2.promptTokens - a1.promptTokens, "\(a2) after \(a1)")
        let (_, b2) = try await Self.turn(second, "And a tuple?")
        #expect(b2.prefilledTokens <= b2.promptTokens - b1.promptTokens, "\(b2) after \(b1)")
        #expect(first.messages.count == 5 && second.messages.count == 5)
    }

    @Test func messagesRecordTheTurnsAndReplyAsTheModelsChat() async throws {
        let llama = try Self.model()
        let session = try ChatSession(model: llama, systemMessage: "Be brief.")
        let (reply, _) = try await Self.turn(session, "What does len do?")
        #expect(session.messages == [
            ChatFormat.Message(role: .system, content: "Be brief."),
            ChatFormat.Message(role: .user, content: "What does len do?"),
            ChatFormat.Message(role: .assistant, content: reply),
        ])
        // The model's own chat on the same dialog gives the same reply, token for token.
        var text = ""
        for try await event in llama.chat(Array(session.messages.prefix(2)), parameters: Self.greedy(6)) {
            if case .piece(let piece) = event { text += piece.text }
        }
        #expect(text == reply)
    }

    @Test func clearKeepsTheSystemMessageAndForgetsTheCache() async throws {
        let llama = try Self.model()
        let session = try ChatSession(model: llama, systemMessage: "Be brief.",
                                      history: [ChatFormat.Message(role: .user, content: "Hi."),
                                                ChatFormat.Message(role: .assistant, content: "Hello.")])
        #expect(session.messages.count == 3)
        let (_, first) = try await Self.turn(session, "What is a dict?")
        #expect(first.prefilledTokens == first.promptTokens)  // the saved history runs with the first turn
        session.clear()
        #expect(session.messages == [ChatFormat.Message(role: .system, content: "Be brief.")])
        let (_, again) = try await Self.turn(session, "What is a dict?")
        #expect(again.prefilledTokens == again.promptTokens)
        #expect(again.promptTokens < first.promptTokens)
    }

    /// A turn cancelled before its turn came (the model busy with another request) runs
    /// nothing, ends as `.cancelled`, and leaves the history as it was.
    @Test func aCancelledTurnLeavesTheHistoryAlone() async throws {
        let llama = try Self.model()
        let session = try ChatSession(model: llama, systemMessage: "Be brief.")
        let busy = llama.generate(promptTokens: [1, 2, 3], parameters: Self.greedy(200))  // holds the queue
        let task = Task { () -> GenerationSummary? in
            var summary: GenerationSummary?
            for try await event in session.respond(to: "Hello.", parameters: Self.greedy(8)) {
                if case .finished(let finished) = event { summary = finished }
            }
            return summary
        }
        task.cancel()
        let summary = try await task.value
        for try await _ in busy {}
        #expect(summary?.finishReason == .cancelled)
        #expect(summary?.prefilledTokens == 0)
        #expect(session.messages == [ChatFormat.Message(role: .system, content: "Be brief.")])
        let (_, next) = try await Self.turn(session, "Hello.")
        #expect(next.prefilledTokens == next.promptTokens)
        #expect(session.messages.count == 3)
    }
}
