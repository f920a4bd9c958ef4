// Chat formats: how a dialog becomes one token sequence. Two layouts cover the
// Llama-family models people run:
//
// - Llama 3.1 (llama_models/llama3/chat_format.py): each message is
//   <|start_header_id|>role<|end_header_id|>\n\n content <|eot_id|>, after one
//   <|begin_of_text|>, and a prompt ends with an open assistant header for the model to
//   complete.
// - ChatML (SmolLM2, Qwen and many others): each message is
//   <|im_start|>role\n content <|im_end|>\n, and a prompt ends with <|im_start|>assistant\n.
//   The template may add a system message when the dialog has none.
//
// Content is encoded as is (no stripping) and as ordinary text, so a message cannot forge
// headers with typed special tokens. Between two special tokens the text is encoded as
// one stretch, as Hugging Face's tokenizer does with the rendered template: for ChatML the
// role, its line break and the content are one stretch.
// Documentation: Documentation/08-Tokenizer.md

/// Encodes dialogs for a chat model: exactly as Meta's `ChatFormat.encode_dialog_prompt`
/// does for Llama 3 (text-only messages), and as Hugging Face's `apply_chat_template`
/// does for a ChatML template.
///
/// ```swift
/// let chat = try ChatFormat(tokenizer: tokenizer)
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
        /// For assistant messages, the tool call the assistant made, written after
        /// `<|python_tag|>` and the content (`ToolCall.promptText`).
        public var toolCall: ToolCall?

        /// Creates a message.
        /// - Parameters:
        ///   - role: who wrote it.
        ///   - content: its text.
        ///   - stopReason: how an assistant message ended; `.endOfTurn` unless the
        ///     assistant made a tool call and waits for its result.
        ///   - toolCall: the call an assistant message made.
        public init(role: Role, content: String, stopReason: StopReason = .endOfTurn, toolCall: ToolCall? = nil) {
            self.role = role
            self.content = content
            self.stopReason = stopReason
            self.toolCall = toolCall
        }
    }

    /// The layout of a dialog.
    public enum Style: Sendable, Equatable {
        /// Llama 3's headers and `<|eot_id|>`.
        case llama3
        /// ChatML's `<|im_start|>` and `<|im_end|>`, with the system message the template
        /// adds when a dialog does not start with one (nil: it adds none).
        case chatML(defaultSystemMessage: String?)

        /// The layout a Jinja chat template writes (GGUF's `tokenizer.chat_template`), or
        /// nil for a template that writes neither.
        ///
        /// The template is recognized by the special tokens it writes. Its default system
        /// message is the literal text it writes after `<|im_start|>system` and a line
        /// break, up to `<|im_end|>`, when that text is one plain string in the template.
        /// - Parameter template: the template's source.
        public init?(template: String) {
            if template.contains("<|start_header_id|>") {
                self = .llama3
            } else if template.contains("<|im_start|>") {
                self = .chatML(defaultSystemMessage: Self.literalSystemMessage(in: template))
            } else {
                return nil
            }
        }

        /// A short name for messages: `llama3` or `chatml`.
        public var name: String {
            switch self {
            case .llama3: return "llama3"
            case .chatML: return "chatml"
            }
        }

        /// The text of the first `'<|im_start|>system\n...<|im_end|>` in `template` whose
        /// middle is plain text (no quote, expression or concatenation), with Jinja's
        /// `\n` escapes read.
        private static func literalSystemMessage(in template: String) -> String? {
            for opening in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
                var searchStart = template.startIndex
                while let start = template.range(of: opening, range: searchStart..<template.endIndex) {
                    searchStart = start.upperBound
                    guard let end = template.range(of: "<|im_end|>", range: start.upperBound..<template.endIndex) else { break }
                    let middle = template[start.upperBound..<end.lowerBound]
                    if middle.contains("'") || middle.contains("\"") || middle.contains("{") || middle.contains("}") { continue }
                    return middle.replacingOccurrences(of: "\\n", with: "\n")
                }
            }
            return nil
        }
    }

    /// The tokenizer that encodes headers and content.
    public let tokenizer: Tokenizer
    /// The layout.
    public let style: Style
    /// The special tokens the layout writes: Llama 3's begin-of-text, header start, header
    /// end, end of turn and end of message; ChatML's start and end of a message.
    private let opening: Int32
    private let headerStart: Int32
    private let headerEnd: Int32
    private let endOfTurn: Int32
    private let endOfMessage: Int32
    /// `<|python_tag|>`, which opens a tool call (nil in vocabularies without it).
    private let pythonTag: Int32?

    /// Creates a chat format over `tokenizer`.
    /// - Parameters:
    ///   - tokenizer: a tokenizer whose vocabulary has the layout's special tokens.
    ///   - style: the layout; Llama 3's by default.
    /// - Throws: `TokenizerError.missingSpecialToken` naming the first special token the
    ///   layout needs that the vocabulary lacks. Llama 3.0 has no `<|eom_id|>`; there an
    ///   assistant message that waits for a tool ends with `<|eot_id|>`.
    public init(tokenizer: Tokenizer, style: Style = .llama3) throws {
        self.tokenizer = tokenizer
        self.style = style
        func token(_ name: String) throws -> Int32 {
            guard let id = tokenizer.specialTokenID(name) else {
                throw TokenizerError.missingSpecialToken(name: name, format: style.name)
            }
            return id
        }
        switch style {
        case .llama3:
            opening = try token("<|begin_of_text|>")
            headerStart = try token("<|start_header_id|>")
            headerEnd = try token("<|end_header_id|>")
            endOfTurn = try token("<|eot_id|>")
            endOfMessage = tokenizer.specialTokenID("<|eom_id|>") ?? endOfTurn
            pythonTag = tokenizer.specialTokenID("<|python_tag|>")
        case .chatML:
            headerStart = try token("<|im_start|>")
            endOfTurn = try token("<|im_end|>")
            opening = headerStart
            headerEnd = endOfTurn
            endOfMessage = endOfTurn
            pythonTag = nil
        }
    }

    // doc: chat-message
    /// The header of a message: `<|start_header_id|>role<|end_header_id|>\n\n`, as Meta's
    /// `_encode_header`, or ChatML's `<|im_start|>role\n`.
    /// - Parameter role: the speaker.
    /// - Returns: the header's ids.
    public func encodeHeader(_ role: Role) -> [Int32] {
        switch style {
        case .llama3:
            return [headerStart] + tokenizer.encode(role.rawValue) + [headerEnd] + tokenizer.encode("\n\n")
        case .chatML:
            return [headerStart] + tokenizer.encode(role.rawValue + "\n")
        }
    }

    /// A whole message: header, content, then `<|eot_id|>` (or `<|eom_id|>` for an
    /// assistant message that ended with `.endOfMessage`), as Meta's `encode_message`; or
    /// ChatML's `<|im_start|>role\ncontent<|im_end|>\n`. An assistant message with a tool
    /// call starts with `<|python_tag|>` and has the call's text after its content (each
    /// encoded on its own, as Meta's code does).
    /// - Parameter message: the message.
    /// - Returns: its ids.
    public func encodeMessage(_ message: Message) -> [Int32] {
        let call = message.role == .assistant ? message.toolCall : nil
        switch style {
        case .llama3:
            let endsMessage = message.role == .assistant && message.stopReason == .endOfMessage
            var ids = encodeHeader(message.role)
            if call != nil, let pythonTag { ids.append(pythonTag) }
            ids += tokenizer.encode(message.content)
            if let call { ids += tokenizer.encode(call.promptText) }
            return ids + [endsMessage ? endOfMessage : endOfTurn]
        case .chatML:
            return [headerStart] + tokenizer.encode(message.role.rawValue + "\n" + message.content + (call?.promptText ?? ""))
                + [endOfTurn] + tokenizer.encode("\n")
        }
    }
    // doc: end

    /// A prompt for the model: every message, then the header of the assistant message
    /// the model is to write. Llama 3 starts with `<|begin_of_text|>`, as Meta's
    /// `encode_dialog_prompt`; ChatML adds its default system message when the dialog has
    /// no system message first, as the template does.
    /// - Parameter messages: the dialog so far, oldest first.
    /// - Returns: the prompt's ids.
    /// - Complexity: O(total length of the messages).
    public func encodeDialogPrompt(_ messages: [Message]) -> [Int32] {
        encodeDialog(messages, addGenerationPrompt: true)
    }

    /// The dialog's ids, with or without the assistant header at the end (Hugging Face's
    /// `add_generation_prompt`).
    /// - Parameters:
    ///   - messages: the dialog, oldest first.
    ///   - addGenerationPrompt: end with the header of the assistant's next message.
    /// - Returns: the ids.
    public func encodeDialog(_ messages: [Message], addGenerationPrompt: Bool) -> [Int32] {
        var ids: [Int32] = []
        switch style {
        case .llama3:
            ids.append(opening)
        case let .chatML(defaultSystemMessage):
            if let defaultSystemMessage, let first = messages.first, first.role != .system {
                ids += encodeMessage(Message(role: .system, content: defaultSystemMessage))
            }
        }
        for message in messages { ids += encodeMessage(message) }
        if addGenerationPrompt { ids += encodeHeader(.assistant) }
        return ids
    }
}
