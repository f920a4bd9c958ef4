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
    private let conversation: Conversation
    private let format: ChatFormat
    private let lock = NSLock()
    private var history: [ChatFormat.Message]

    /// Starts a session.
    /// - Parameters:
    ///   - model: The loaded model; its weights and threads are shared.
    ///   - systemMessage: A system message to open the dialog with (the model's default
    ///     system message, for a ChatML model, when `nil`).
    ///   - history: Earlier turns to continue from, after the system message. They are
    ///     run (prefilled) with the first `respond(to:)`.
    /// - Throws: What `Llama.chatFormat()` throws (a model with no usable chat format);
    ///   `ModelError.outOfMemory` if the session's KV cache cannot be reserved.
    public init(model: Llama, systemMessage: String? = nil, history: [ChatFormat.Message] = []) throws {
        self.model = model
        self.systemMessage = systemMessage
        format = try model.chatFormat()
        conversation = Conversation(try Transformer(weights: model.source.weights, params: model.params,
                                                    contextLength: model.options.contextLength,
                                                    pool: model.transformer.pool, batchSize: model.options.batchSize))
        self.history = (systemMessage.map { [ChatFormat.Message(role: .system, content: $0)] } ?? []) + history
    }

    /// The dialog so far: the system message (when there is one), then the turns.
    public var messages: [ChatFormat.Message] {
        lock.withLock { history }
    }

    /// Streams the reply to `message`. When the reply ends (a stop token, the length limit
    /// or the context's end, not a cancellation or an error), the user message and the
    /// reply join `messages`.
    public func respond(to message: String, parameters: GenerationParameters = GenerationParameters())
        -> GenerationStream {
        let user = ChatFormat.Message(role: .user, content: message)
        // The dialog is read when this request's turn comes, so a turn queued behind another
        // of the same session sees the reply before it.
        return model.stream(parameters: parameters, in: conversation, finished: { summary, text in
            guard summary.finishReason != .cancelled else { return }
            self.lock.withLock {
                self.history.append(user)
                self.history.append(ChatFormat.Message(role: .assistant, content: text))
            }
        }) {
            self.format.encodeDialogPrompt(self.messages + [user])
        }
    }

    /// Forgets the turns (keeping the system message) and the session's KV cache.
    public func clear() {
        model.queue.run {
            conversation.reset()
            lock.withLock {
                history = systemMessage.map { [ChatFormat.Message(role: .system, content: $0)] } ?? []
            }
        }
    }
}
