// The Llama 3.1 chat format (llama_models/llama3/chat_format.py): each message is
// <|start_header_id|>role<|end_header_id|>\n\n content <|eot_id|>, after one
// <|begin_of_text|>, and a prompt ends with an open assistant header for the model to
// complete. Meta encodes the content as is (no stripping) and as ordinary text, so a
// message cannot forge headers with typed special tokens.
// Documentation: Documentation/06-Tokenizer.md

/// Encodes Llama 3.1 dialogs exactly as Meta's `ChatFormat.encode_dialog_prompt` does for
/// text-only messages.
///
/// ```swift
/// let chat = ChatFormat(tokenizer: tokenizer)
/// let prompt = chat.encodeDialogPrompt([
///     .init(role: .system, content: "You are a helpful assistant."),
///     .init(role: .user, content: "Who wrote Hamlet?"),
/// ])
/// ```
public struct ChatFormat: Sendable {
    /// Who speaks; the raw value is the text of the header.
    public enum Role: String, Sendable, CaseIterable {
        /// Instructions that frame the conversation.
        case system
        /// The person's messages.
        case user
        /// The model's messages.
        case assistant
        /// The output of a tool call (Meta's role `tool`, written `ipython` in the header).
        case ipython
    }

    /// Why an assistant message ended, which picks the token that closes it.
    public enum StopReason: Sendable {
        /// The assistant finished its turn: `<|eot_id|>`.
        case endOfTurn
        /// The assistant called a tool and waits for its output: `<|eom_id|>`.
        case endOfMessage
    }

    /// One message of a dialog.
    public struct Message: Sendable, Equatable {
        /// Who wrote it.
        public var role: Role
        /// Its text, encoded as is: special-token text in it stays ordinary text.
        public var content: String
        /// For assistant messages, how the message ended; ignored for other roles, which
        /// always end with `<|eot_id|>`.
        public var stopReason: StopReason

        /// Creates a message.
        /// - Parameters:
        ///   - role: who wrote it.
        ///   - content: its text.
        ///   - stopReason: how an assistant message ended; `.endOfTurn` unless the
        ///     assistant made a tool call and waits for its result.
        public init(role: Role, content: String, stopReason: StopReason = .endOfTurn) {
            self.role = role
            self.content = content
            self.stopReason = stopReason
        }
    }

    /// The tokenizer that encodes headers and content.
    public let tokenizer: Tokenizer

    /// Creates a chat format over `tokenizer`.
    /// - Parameter tokenizer: a Llama 3 tokenizer.
    public init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    // doc: chat-message
    /// `<|start_header_id|>role<|end_header_id|>\n\n`, as Meta's `_encode_header`.
    /// - Parameter role: the speaker.
    /// - Returns: the header's ids.
    public func encodeHeader(_ role: Role) -> [Int32] {
        [tokenizer.startHeader] + tokenizer.encode(role.rawValue) + [tokenizer.endHeader]
            + tokenizer.encode("\n\n")
    }

    /// A whole message: header, content, then `<|eot_id|>` (or `<|eom_id|>` for an
    /// assistant message that ended with `.endOfMessage`), as Meta's `encode_message`.
    /// - Parameter message: the message.
    /// - Returns: its ids.
    public func encodeMessage(_ message: Message) -> [Int32] {
        let endsMessage = message.role == .assistant && message.stopReason == .endOfMessage
        return encodeHeader(message.role) + tokenizer.encode(message.content)
            + [endsMessage ? tokenizer.endOfMessage : tokenizer.endOfTurn]
    }
    // doc: end

    /// A prompt for the model: `<|begin_of_text|>`, every message, then the header of the
    /// assistant message the model is to write, as Meta's `encode_dialog_prompt`.
    /// - Parameter messages: the dialog so far, oldest first.
    /// - Returns: the prompt's ids.
    /// - Complexity: O(total length of the messages).
    public func encodeDialogPrompt(_ messages: [Message]) -> [Int32] {
        var ids = [tokenizer.beginOfText]
        for message in messages { ids += encodeMessage(message) }
        ids += encodeHeader(.assistant)
        return ids
    }
}
