// A conversation that keeps its own history and KV cache, on a model shared with other
// conversations. Explained in Documentation/16-Using-the-Library.md.

import Foundation
import LlamaTensor
import LlamaTokenizer

/// A conversation with a model: its own history and its own KV cache, over weights and
/// threads that every session of the model shares.
///
/// ```swift
/// let llama = try await Llama.load(model: url)
/// let session = try ChatSession(model: llama, systemMessage: "You answer in one sentence.")
/// for try await event in session.respond(to: "What is the capital of France?") {
///     if case .piece(let piece) = event { print(piece.text, terminator: "") }
/// }
/// // session.messages now ends with the question and the reply.
/// ```
///
/// Each turn runs only what the session's cache does not hold yet: the new user message
/// and the reply's header. Two sessions of one model keep their prefixes apart, so turns
/// may interleave between them without either re-running its history. Sessions and the
/// model's own `generate` and `chat` share one queue: requests run one at a time, in the
/// order they were made.
///
/// Memory: a session's KV cache is `Transformer.cacheBytesPerPosition` bytes per position
/// it holds (keys and values of every layer in f32: 64 KiB for Llama 3.2 1B, 256 KiB for
/// Llama 3.1 8B), reserved as virtual memory for the model's context length and given
/// physical pages only as positions are written; plus one batch of activations (a few MiB
/// for 8B). The weights are not copied.
public final class ChatSession: @unchecked Sendable {
    // @unchecked Sendable: `history` is guarded by `lock`; the conversation by the model's
    // request queue.

    /// The model the session talks to.
    public let model: Llama
    /// The system message the session started with, kept by `clear()`.
    public let systemMessage: String?
    /// The tools the session offers, or nil.
    public let tools: ToolPrompt?
    let conversation: Conversation
    let format: ChatFormat
    /// `<|eom_id|>`: a reply that ends with it waits for a tool's output.
    private let endOfMessage: Int32?
    private let lock = NSLock()
    private var history: [ChatFormat.Message]

    /// Starts a session.
    /// - Parameters:
    ///   - model: The loaded model; its weights and threads are shared.
    ///   - systemMessage: A system message to open the dialog with (the model's default
    ///     system message, for a ChatML model, when `nil`).
    ///   - tools: Tools to offer, in Llama 3.1's format: the dialog then opens with the
    ///     messages `ToolPrompt.messages(systemMessage:)` writes, and replies are read for
    ///     tool calls (`GenerationEvent.toolCall`).
    ///   - history: Earlier turns to continue from, after the opening messages. They are
    ///     run (prefilled) with the first `respond(to:)`.
    /// - Throws: What `Llama.chatFormat()` throws (a model with no usable chat format);
    ///   `TokenizerError.missingSpecialToken` when there are tools and the vocabulary lacks
    ///   Llama 3.1's `<|python_tag|>` or `<|eom_id|>`; `ModelError.outOfMemory` if the
    ///   session's KV cache cannot be reserved.
    public init(model: Llama, systemMessage: String? = nil, tools: ToolPrompt? = nil,
                history: [ChatFormat.Message] = []) throws {
        self.model = model
        self.systemMessage = systemMessage
        self.tools = tools
        format = try model.chatFormat()
        endOfMessage = model.tokenizer?.endOfMessage
        if tools != nil {
            for name in ["<|python_tag|>", "<|eom_id|>"] where format.style != .llama3 || model.tokenizer?.specialTokenID(name) == nil {
                throw TokenizerError.missingSpecialToken(name: name, format: "Llama 3.1 tool-calling")
            }
        }
        conversation = Conversation(try Transformer(weights: model.source.weights, params: model.params,
                                                    contextLength: model.options.contextLength,
                                                    pool: model.transformer.pool, batchSize: model.options.batchSize))
        self.history = Self.opening(systemMessage: systemMessage, tools: tools) + history
    }

    /// The messages a dialog starts with: the tools' messages, or the system message.
    private static func opening(systemMessage: String?, tools: ToolPrompt?) -> [ChatFormat.Message] {
        if let tools { return tools.messages(systemMessage: systemMessage) }
        return systemMessage.map { [ChatFormat.Message(role: .system, content: $0)] } ?? []
    }

    /// The dialog so far: the opening messages, then the turns.
    public var messages: [ChatFormat.Message] {
        lock.withLock { history }
    }

    /// Streams the reply to `message`. When the reply ends (a stop token, the length limit
    /// or the context's end, not a cancellation or an error), the user message and the
    /// reply join `messages`. In a session with tools, a reply that is a tool call streams
    /// `.toolCall` before `.finished` and joins `messages` as that call.
    public func respond(to message: String, parameters: GenerationParameters = GenerationParameters())
        -> GenerationStream {
        respond(after: ChatFormat.Message(role: .user, content: message), parameters: parameters)
    }

    /// Sends a tool's output (an `ipython` message) and streams the model's reply to it, as
    /// `respond(to:)` does. `ToolPrompt.toolResponse(succeeded:output:)` writes the form
    /// Meta's code uses for a run that printed `output`.
    public func respond(toToolOutput output: String, parameters: GenerationParameters = GenerationParameters())
        -> GenerationStream {
        respond(after: ChatFormat.Message(role: .ipython, content: output), parameters: parameters)
    }

    /// `respond(to:)` without a stream: runs in the calling thread once the model is free,
    /// calling `onPiece` for every token (return `false` to stop). A tool call, in a
    /// session with tools, is then `messages.last?.toolCall`.
    /// - Parameters:
    ///   - message: The user's message, or a tool's output when `role` is `.ipython`.
    ///   - role: `.user` or `.ipython`.
    ///   - isCancelled: Asked between the prompt's batches and layers, as in
    ///     `Llama.generate(promptTokens:parameters:isCancelled:onPiece:)`.
    /// - Throws: What `Llama.generate` throws.
    public func respond(to message: String, as role: ChatFormat.Role = .user, parameters: GenerationParameters,
                        isCancelled: (() -> Bool)? = nil,
                        onPiece: (GeneratedPiece) throws -> Bool) throws -> GenerationSummary {
        let turn = ChatFormat.Message(role: role, content: message)
        return try model.queue.run {
            var text = ""
            let summary = try model.generateInTurn(in: conversation, promptTokens: format.encodeDialogPrompt(messages + [turn]),
                                                   parameters: parameters, isCancelled: isCancelled) { piece in
                text += piece.text
                return try onPiece(piece)
            }
            _ = record(turn, summary: summary, reply: text)
            return summary
        }
    }

    private func respond(after turn: ChatFormat.Message, parameters: GenerationParameters) -> GenerationStream {
        // The dialog is read when this request's turn comes, so a turn queued behind another
        // of the same session sees the reply before it.
        model.stream(parameters: parameters, in: conversation, finished: { summary, text in
            self.record(turn, summary: summary, reply: text)
        }) {
            self.format.encodeDialogPrompt(self.messages + [turn])
        }
    }

    /// Adds a finished turn and its reply to the history (nothing when it was cancelled),
    /// and returns the events the reply adds before `.finished`: its tool call, if any.
    private func record(_ turn: ChatFormat.Message, summary: GenerationSummary, reply text: String) -> [GenerationEvent] {
        guard summary.finishReason != .cancelled else { return [] }
        var reply = ChatFormat.Message(role: .assistant, content: text,
                                       stopReason: summary.stopToken != nil && summary.stopToken == endOfMessage
                                           ? .endOfMessage : .endOfTurn)
        var events: [GenerationEvent] = []
        if tools != nil, case (let content, let call?) = ToolCall.parse(reply: text) {
            reply.content = content
            reply.toolCall = call
            events.append(.toolCall(name: call.name, arguments: call.arguments))
        }
        lock.withLock {
            history.append(turn)
            history.append(reply)
        }
        return events
    }

    /// The number of opening messages: the system message, or the tools' messages.
    public var openingMessageCount: Int {
        Self.opening(systemMessage: systemMessage, tools: tools).count
    }

    /// Forgets the turns (keeping the opening messages) and the session's KV cache.
    public func clear() {
        model.queue.run {
            conversation.reset()
            lock.withLock {
                history = Self.opening(systemMessage: systemMessage, tools: tools)
            }
        }
    }
}
