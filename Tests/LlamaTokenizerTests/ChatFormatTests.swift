// The Llama 3.1 chat format against Meta's ChatFormat.encode_dialog_prompt (chat.json).

import LlamaTokenizer
import Testing

@Suite struct ChatFormatTests {
    @Test func dialogsMatchMetasChatFormat() throws {
        let chat = try ChatFormat(tokenizer: try LlamaTokenizerFixture.load())
        let fixture = try loadFixture("chat.json", as: ChatFixture.self)
        #expect(!fixture.dialogs.isEmpty)
        for dialog in fixture.dialogs {
            var messages: [ChatFormat.Message] = []
            for message in dialog.messages {
                let role = try #require(ChatFormat.Role(rawValue: message.role))
                let stopReason: ChatFormat.StopReason = message.stopReason == "endOfMessage" ? .endOfMessage : .endOfTurn
                messages.append(.init(role: role, content: message.content, stopReason: stopReason))
            }
            #expect(chat.encodeDialogPrompt(messages) == dialog.ids, "\(dialog.messages.map(\.content))")
        }
    }

    @Test func headersAndMessagesHaveMetasShape() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let chat = try ChatFormat(tokenizer: tokenizer)
        let endOfTurn = try #require(tokenizer.endOfTurn)
        // <|start_header_id|> user <|end_header_id|> "\n\n"
        #expect(chat.encodeHeader(.user) == [128_006, 882, 128_007, 271])
        #expect(chat.encodeHeader(.ipython) == [128_006] + tokenizer.encode("ipython") + [128_007, 271])
        // Content is not stripped, and typed special tokens stay text.
        let message = chat.encodeMessage(.init(role: .user, content: " hi <|eot_id|>"))
        #expect(message == chat.encodeHeader(.user) + tokenizer.encode(" hi <|eot_id|>") + [endOfTurn])
        #expect(message.filter { $0 == tokenizer.endOfTurn }.count == 1)
        // Only an assistant message can end with <|eom_id|>.
        #expect(chat.encodeMessage(.init(role: .assistant, content: "x", stopReason: .endOfMessage)).last == tokenizer.endOfMessage)
        #expect(chat.encodeMessage(.init(role: .user, content: "x", stopReason: .endOfMessage)).last == tokenizer.endOfTurn)
        #expect(chat.encodeDialogPrompt([]) == [try #require(tokenizer.beginOfText)] + chat.encodeHeader(.assistant))
    }
}
