// A Llama 3.0 GGUF vocabulary, llama.cpp's own ggml-vocab-llama-bpe.gguf: it has no
// <|eom_id|> or <|python_tag|> (only 3.1 does), and its tokenizer test gives the ids
// llama.cpp produces for 46 texts.

import Foundation
import LlamaModel
import Testing
import TestSupport

@Suite struct LlamaCppVocabularyTests {
    @Test func textsEncodeAsLlamaCppEncodesThem() throws {
        let cases = try LlamaCppVocabulary.cases()
        #expect(cases.count == 46)
        let tokenizer = try #require(try GGUFFile(url: LlamaCppVocabulary.url).loadTokenizer())
        for item in cases {
            #expect(tokenizer.encode(item.text) == item.ids, "\(item.text.debugDescription)")
        }
    }

    @Test func llama30HasNoEndOfMessageAndNeedsNone() throws {
        let tokenizer = try #require(try GGUFFile(url: LlamaCppVocabulary.url).loadTokenizer())
        #expect(tokenizer.vocabularySize == 128_256 && tokenizer.preTokenizer == .llama3 && tokenizer.mergeCount == nil)
        #expect(tokenizer.beginOfText == 128_000 && tokenizer.addsBeginOfText)
        #expect(tokenizer.endOfText == 128_001 && tokenizer.endOfTurn == 128_009 && tokenizer.endOfMessage == nil)
        #expect(tokenizer.specialTokenID("<|python_tag|>") == nil)
        #expect(tokenizer.stopTokens == [128_001, 128_009])
        // The Llama 3 chat format works; a tool-waiting message ends with <|eot_id|> instead.
        let chat = try ChatFormat(tokenizer: tokenizer)
        let prompt = chat.encodeDialogPrompt([.init(role: .user, content: "Hi")])
        #expect(prompt == [128_000, 128_006, 882, 128_007, 271, 13347, 128_009, 128_006, 78191, 128_007, 271])
        #expect(chat.encodeMessage(.init(role: .assistant, content: "x", stopReason: .endOfMessage)).last == 128_009)
    }

    /// The same texts through Meta's tokenizer.model (tiktoken's ranks): the two
    /// vocabularies are one.
    @Test func metasTokenizerAgrees() throws {
        let cases = try LlamaCppVocabulary.cases()
        let meta = try Tokenizer(contentsOf: Fixtures.llamaTokenizerURL)
        for item in cases {
            #expect(meta.encode(item.text) == item.ids, "\(item.text.debugDescription)")
        }
    }
}
