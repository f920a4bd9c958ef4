// A real GGUF vocabulary (SmolLM2: GPT-2-style byte-level BPE with a merge list, the
// "smollm" pre-tokenizer, 17 control tokens first, bytes with no token of their own)
// against Hugging Face's tokenizers and apply_chat_template
// (Scripts/make_smollm2_fixtures.py, Tests/Fixtures/smollm2/).

import Foundation
import LlamaModel
import Testing
import TestSupport

@Suite struct SmolLM2TokenizerTests {
    struct TokenizeFixture: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int32]
            let decoded: String
        }
        let cases: [Case]
        let special_cases: [Case]
    }

    struct ChatFixture: Decodable {
        struct Message: Decodable {
            let role: String
            let content: String
        }
        struct Case: Decodable {
            let messages: [Message]
            let add_generation_prompt: Bool
            let ids: [Int32]
        }
        let cases: [Case]
    }

    /// The vocabulary of the published Q4_1 file: only its metadata is read.
    static func tokenizer() throws -> (Tokenizer, GGUFFile) {
        let file = try GGUFFile(url: try SmolLM2.require(SmolLM2.quantizedURL))
        return (try #require(try file.loadTokenizer()), file)
    }

    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: Fixtures.url("smollm2/\(name)")))
    }

    @Test func vocabularyRolesComeFromTheMetadata() throws {
        let (tokenizer, _) = try Self.tokenizer()
        #expect(tokenizer.vocabularySize == 49_152)
        #expect(tokenizer.baseVocabularySize == 49_135)
        #expect(tokenizer.mergeCount == 48_900)
        #expect(tokenizer.preTokenizer == .smollm)
        #expect(tokenizer.beginOfText == 1 && !tokenizer.addsBeginOfText)
        #expect(tokenizer.endOfText == 2 && tokenizer.endOfTurn == 2 && tokenizer.endOfMessage == nil)
        // <|im_end|> from the metadata, <|endoftext|> by name, as llama.cpp collects them.
        #expect(tokenizer.stopTokens == [0, 2])
        #expect(tokenizer.specialTokenID("<|im_start|>") == 1)
        #expect(tokenizer.specialTokenID("<jupyter_code>") == 13)
    }

    @Test func textEncodesAsHuggingFaceDoes() throws {
        let (tokenizer, _) = try Self.tokenizer()
        let fixture = try Self.fixture("tokenize.json", as: TokenizeFixture.self)
        #expect(fixture.cases.count > 50)
        for item in fixture.cases {
            #expect(tokenizer.encode(item.text) == item.ids, "\(item.text.debugDescription)")
            #expect(try tokenizer.decode(item.ids) == item.decoded, "\(item.text.debugDescription)")
        }
        for item in fixture.special_cases {
            #expect(tokenizer.encode(item.text, allowSpecialTokens: true) == item.ids, "\(item.text.debugDescription)")
        }
    }

    struct LlamaCppTokens: Decodable {
        struct Tokenize: Decodable {
            struct Case: Decodable {
                let text: String
                let ids: [Int32]
            }
            let texts_differing_from_hf: [String]
            let cases: [Case]
        }
        let tokenize: Tokenize
    }

    /// llama.cpp's llama-tokenize on the same texts agrees, except on the two texts where a
    /// byte with no token sits between bytes that merge: there llama.cpp keeps it as a
    /// barrier (".." twice) and Hugging Face, followed here, merges across it ("....").
    @Test func textEncodesAsLlamaCppExceptAcrossMissingBytes() throws {
        let (tokenizer, _) = try Self.tokenizer()
        let llamaCpp = try Self.fixture("llamacpp.json", as: LlamaCppTokens.self).tokenize
        #expect(llamaCpp.texts_differing_from_hf == ["..\u{4}..", "!!\u{4}!!"])
        #expect(llamaCpp.cases.count > 50)
        for item in llamaCpp.cases {
            let ours = tokenizer.encode(item.text)
            if llamaCpp.texts_differing_from_hf.contains(item.text) {
                #expect(ours != item.ids && ours.count < item.ids.count, "\(item.text.debugDescription)")
            } else {
                #expect(ours == item.ids, "\(item.text.debugDescription)")
            }
        }
    }

    /// A byte with no token of its own is dropped, and its neighbours merge across it, as
    /// Hugging Face's BPE does: "..\u{4}.." is one token "....".
    @Test func bytesWithoutATokenAreDropped() throws {
        let (tokenizer, _) = try Self.tokenizer()
        let dots = try #require(tokenizer.encode("....").first)
        #expect(tokenizer.encode("..\u{4}..") == [dots])
        #expect(tokenizer.encode("\u{4}").isEmpty)
        #expect(try tokenizer.decode(tokenizer.encode("a\u{4}b")) == "ab")
    }

    @Test func chatPromptsEqualApplyChatTemplate() throws {
        let (tokenizer, file) = try Self.tokenizer()
        let template = try #require(file.metadata["tokenizer.chat_template"]?.string)
        let style = try #require(ChatFormat.Style(template: template))
        #expect(style == .chatML(defaultSystemMessage: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        let chat = try ChatFormat(tokenizer: tokenizer, style: style)
        let fixture = try Self.fixture("chat.json", as: ChatFixture.self)
        #expect(fixture.cases.count >= 6)
        for item in fixture.cases {
            let messages = try item.messages.map { message in
                ChatFormat.Message(role: try #require(ChatFormat.Role(rawValue: message.role)), content: message.content)
            }
            #expect(chat.encodeDialog(messages, addGenerationPrompt: item.add_generation_prompt) == item.ids,
                    "\(item.messages.map(\.content))")
        }
    }

    @Test func templatesAreRecognizedByWhatTheyWrite() {
        #expect(ChatFormat.Style(template: "{{ '<|start_header_id|>' + message['role'] }}") == .llama3)
        #expect(ChatFormat.Style(template: "{{'<|im_start|>' + message['role'] + '\\n'}}") == .chatML(defaultSystemMessage: nil))
        // Qwen's: the first system text is an expression, the second a plain literal.
        let qwen = "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}"
            + "{{- '<|im_start|>system\\nYou are Qwen.<|im_end|>\\n' }}"
        #expect(ChatFormat.Style(template: qwen) == .chatML(defaultSystemMessage: "You are Qwen."))
        #expect(ChatFormat.Style(template: "{{ bos_token }}[INST] {{ message['content'] }} [/INST]") == nil)
    }
}
