// The session examples of Documentation/16-Using-the-Library.md: a conversation, stopping a
// reply, a sampling step of the app's own, tools, and a saved prompt. Complete, compiled in
// CI and run by a test on the demo model:
//
//   swift run llama-sessions Models/demo

import Foundation
import LlamaModel

@main
struct Sessions {
    static func main() async {
        guard CommandLine.arguments.count == 2 else {
            print("usage: llama-sessions MODEL_DIR")
            exit(2)
        }
        do {
            let llama = try await Llama.load(model: URL(fileURLWithPath: CommandLine.arguments[1]))
            try await conversation(llama)
            try await stopping(llama)
            try await tools(llama)
            try promptCache(llama)
        } catch {
            print("error: \(error.localizedDescription)")
            exit(1)
        }
    }

    // doc: session
    /// Two turns of one conversation; the second runs only its own message.
    static func conversation(_ llama: Llama) async throws {
        let session = try ChatSession(model: llama, systemMessage: "You answer in one sentence.")
        var parameters = GenerationParameters()
        parameters.maxTokens = 24
        parameters.logitProcessors = [LogitBias([13: -.infinity])]  // an app's own step: never token 13
        for question in ["What is a list?", "And a tuple?"] {
            for try await event in session.respond(to: question, parameters: parameters) {
                switch event {
                case .piece(let piece): print(piece.text, terminator: "")
                case .toolCall: break  // only sessions with tools see calls
                case .finished(let summary):
                    print("\n[ran \(summary.prefilledTokens) of \(summary.promptTokens) prompt tokens]")
                }
            }
        }
        print("[\(session.messages.count) messages]")
    }
    // doc: end

    // doc: stopping
    /// Cancelling the task that reads a stream stops the generation, even in the prompt;
    /// the stream still ends with `.finished`, and the session stays as it was.
    static func stopping(_ llama: Llama) async throws {
        let session = try ChatSession(model: llama)
        let reply = Task {
            var pieces = 0
            for try await event in session.respond(to: "Tell me about dictionaries.") {
                if case .piece = event {
                    pieces += 1
                    if pieces == 3 { withUnsafeCurrentTask { $0?.cancel() } }  // or reply.cancel() elsewhere
                }
                if case .finished(let summary) = event { return summary.finishReason }
            }
            return FinishReason.cancelled
        }
        print("[stopped: \(try await reply.value); \(session.messages.count) messages]")
    }
    // doc: end

    // doc: tools
    /// A tool the model may call, and the loop that runs it and sends back its output.
    static func tools(_ llama: Llama) async throws {
        let weather = ToolSpec(name: "get_weather", description: "Get the current weather in a city",
                               parameters: [.init(name: "city", type: "string", description: "The city")])
        let session = try ChatSession(model: llama, systemMessage: "You are a helpful assistant.",
                                      tools: ToolPrompt(builtinTools: [.braveSearch], customTools: [weather]))
        var parameters = GenerationParameters()
        parameters.maxTokens = 32
        var stream = session.respond(to: "What is the weather in Paris?", parameters: parameters)
        for _ in 0..<3 {  // at most three tool calls in a row
            var call: (name: String, arguments: JSONValue)?
            for try await event in stream {
                if case .piece(let piece) = event { print(piece.text, terminator: "") }
                if case .toolCall(let name, let arguments) = event { call = (name, arguments) }
            }
            guard let call else { break }
            let output = call.name == "get_weather"
                ? #"{"city": \#(call.arguments["city"] ?? .null), "sky": "clear", "celsius": 18}"#
                : "no such tool: \(call.name)"
            print("\n[tool call \(call.name) \(call.arguments)]")
            stream = session.respond(toToolOutput: output, parameters: parameters)
        }
        print("\n[tools: \(session.messages.count) messages]")
    }
    // doc: end

    // doc: prompt-cache
    /// A long opening runs once; later sessions start after it.
    static func promptCache(_ llama: Llama) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("llama-sessions-\(getpid()).cache")
        defer { try? FileManager.default.removeItem(at: file) }
        let system = "You are a librarian of Python's standard library. You answer with the module's name."
        var parameters = GenerationParameters()
        parameters.maxTokens = 8

        let first = try ChatSession(model: llama, systemMessage: system)
        _ = try first.respond(to: "Which module reads CSV files?", parameters: parameters) { _ in true }
        try first.savePromptCache(to: file, messageCount: first.openingMessageCount)

        let later = try ChatSession(model: llama, systemMessage: system)
        let info = try later.loadPromptCache(from: file)
        let summary = try later.respond(to: "Which module parses JSON?", parameters: parameters) { _ in true }
        print("[prompt cache: \(info.tokens.count) tokens restored, "
              + "ran \(summary.prefilledTokens) of \(summary.promptTokens) prompt tokens]")
    }
    // doc: end
}
