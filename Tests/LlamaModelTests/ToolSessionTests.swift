// A ChatSession with tools on the demo model. The demo model was never trained to call
// tools, so a logit processor makes it write a given reply token by token; what is tested
// is everything around the model: the opening messages, reading the call, the
// `.toolCall` event, the history, and sending the result back with the cache reused.

import Foundation
import LlamaModel
import Testing
import TestSupport

/// Makes the model write `reply`, one token per step, then `end`.
struct ForcedReply: LogitProcessor {
    let reply: [Int32]
    let end: Int32
    var step = 0

    mutating func process(_ logits: UnsafeMutableBufferPointer<Float>, recentTokens: [Int32]) {
        let next = step < reply.count ? reply[step] : end
        step += 1
        for i in logits.indices { logits[i] = i == Int(next) ? 0 : -.infinity }
    }
}

@Suite("Chat sessions with tools") struct ToolSessionTests {
    static let weather = ToolSpec(name: "get_weather", description: "Get the current weather in a city",
                                  parameters: [.init(name: "city", type: "string", description: "The city")])

    /// Runs one turn, forcing `reply` (then `end`); returns the events.
    static func turn(_ stream: GenerationStream) async throws -> (calls: [ToolCall], summary: GenerationSummary) {
        var calls: [ToolCall] = []
        var summary: GenerationSummary?
        for try await event in stream {
            switch event {
            case .piece: break
            case .toolCall(let name, let arguments):
                #expect(summary == nil, "the call comes before the summary")
                calls.append(ToolCall(name: name, arguments: arguments))
            case .finished(let finished): summary = finished
            }
        }
        return (calls, try #require(summary))
    }

    static func forcing(_ reply: [Int32], end: Int32) -> GenerationParameters {
        var parameters = GenerationParameters()
        parameters.temperature = 0
        parameters.maxTokens = 64
        parameters.logitProcessors = [ForcedReply(reply: reply, end: end)]
        return parameters
    }

    @Test func aToolCallIsReadRecordedAndAnsweredWithTheCacheReused() async throws {
        var options = Llama.Options()
        options.contextLength = 1024
        options.threadCount = 2
        let llama = try Llama(model: DemoModel.folder, options: options)
        let tokenizer = try #require(llama.tokenizer)
        let pythonTag = try #require(tokenizer.specialTokenID("<|python_tag|>"))
        let endOfMessage = try #require(tokenizer.endOfMessage), endOfTurn = try #require(tokenizer.endOfTurn)
        let tools = ToolPrompt(builtinTools: [.braveSearch], customTools: [Self.weather])
        let session = try ChatSession(model: llama, systemMessage: "You are helpful.", tools: tools)
        #expect(session.messages == tools.messages(systemMessage: "You are helpful."))

        // A custom tool call as JSON after <|python_tag|>, ending with <|eom_id|>.
        let callText = #"{"type": "function", "name": "get_weather", "parameters": {"city": "Paris"}}"#
        let (calls, first) = try await Self.turn(session.respond(
            to: "Weather in Paris?", parameters: Self.forcing([pythonTag] + tokenizer.encode(callText), end: endOfMessage)))
        let expected = ToolCall(name: "get_weather", arguments: .object([("city", .string("Paris"))]))
        #expect(calls == [expected])
        #expect(first.stopToken == endOfMessage)
        #expect(session.messages.suffix(2) == [
            ChatFormat.Message(role: .user, content: "Weather in Paris?"),
            ChatFormat.Message(role: .assistant, content: "", stopReason: .endOfMessage, toolCall: expected),
        ])

        // The result goes back as an ipython message; the call's tokens are still in the
        // cache, so only <|eom_id|>, the ipython message and the reply's header run.
        let output = ToolPrompt.toolResponse(succeeded: true, output: #"{"temperature": 18}"#)
        let (noCalls, second) = try await Self.turn(session.respond(
            toToolOutput: output, parameters: Self.forcing(tokenizer.encode(" 18 degrees."), end: endOfTurn)))
        #expect(noCalls.isEmpty)
        #expect(second.stopToken == endOfTurn)
        let chat = try llama.chatFormat()
        let toolMessage = ChatFormat.Message(role: .ipython, content: output)
        #expect(second.promptTokens == chat.encodeDialogPrompt(session.messages.dropLast()).count)
        #expect(second.prefilledTokens == 1 + chat.encodeMessage(toolMessage).count + chat.encodeHeader(.assistant).count)
        #expect(session.messages.suffix(2) == [toolMessage, ChatFormat.Message(role: .assistant, content: " 18 degrees.")])

        // A built-in call without JSON: brave_search.call(query="...").
        let (searches, _) = try await Self.turn(session.respond(
            to: "Gold price?",
            parameters: Self.forcing([pythonTag] + tokenizer.encode(#"brave_search.call(query="gold price")"#), end: endOfMessage)))
        #expect(searches == [ToolCall(name: "brave_search", arguments: .object([("query", .string("gold price"))]))])

        // clear() keeps the opening messages.
        session.clear()
        #expect(session.messages == tools.messages(systemMessage: "You are helpful."))
    }

    @Test func aSessionWithoutToolsReadsNoCalls() async throws {
        var options = Llama.Options()
        options.contextLength = 512
        options.threadCount = 2
        let llama = try Llama(model: DemoModel.folder, options: options)
        let tokenizer = try #require(llama.tokenizer)
        let session = try ChatSession(model: llama)
        let text = #"{"name": "get_weather", "parameters": {"city": "Paris"}}"#
        let (calls, _) = try await Self.turn(session.respond(
            to: "Hi", parameters: Self.forcing(tokenizer.encode(text), end: try #require(tokenizer.endOfTurn))))
        #expect(calls.isEmpty)
        #expect(session.messages.last == ChatFormat.Message(role: .assistant, content: text))
    }
}
