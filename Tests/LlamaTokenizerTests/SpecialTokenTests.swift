// Special token ids follow the base vocabulary in Meta's order, whatever its size.

import Foundation
import LlamaTokenizer
import Testing

@Suite struct SpecialTokenTests {
    @Test func llama3SpecialTokensHaveMetasIDs() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        #expect(tokenizer.baseVocabularySize == 128_000)
        #expect(tokenizer.vocabularySize == 128_256)
        #expect(tokenizer.beginOfText == 128_000)
        #expect(tokenizer.endOfText == 128_001)
        #expect(tokenizer.specialTokenID("<|start_header_id|>") == 128_006)
        #expect(tokenizer.specialTokenID("<|end_header_id|>") == 128_007)
        #expect(tokenizer.endOfMessage == 128_008)
        #expect(tokenizer.endOfTurn == 128_009)
        #expect(tokenizer.specialTokenID("<|python_tag|>") == 128_010)
        #expect(tokenizer.specialTokenID("<|finetune_right_pad_id|>") == 128_004)
        #expect(tokenizer.specialTokenID("<|image|>") == 128_011)
        #expect(tokenizer.specialTokenID("<|reserved_special_token_2|>") == 128_012)
        #expect(tokenizer.specialTokenID("<|reserved_special_token_245|>") == 128_255)
        #expect(tokenizer.specialTokenID("<|reserved_special_token_246|>") == nil)
        #expect(tokenizer.specialTokenID("eot_id") == nil)
        #expect(tokenizer.stopTokens == [128_001, 128_008, 128_009])
    }

    /// Nothing assumes 128,000 base tokens: a 259-token file works the same way.
    @Test func aTokenizerOfAnotherSizeWorksTheSameWay() throws {
        let tokenizer = try Tokenizer(ranksFileContents: Data(tinyTokenizerFile.utf8))
        #expect(tokenizer.baseVocabularySize == 259)
        #expect(tokenizer.vocabularySize == 259 + 256)
        #expect(tokenizer.beginOfText == 259)
        #expect(tokenizer.endOfTurn == 268)
        #expect(tokenizer.specialTokenID("<|reserved_special_token_245|>") == 514)
        // "hello" merges h+e (256), then l+l (257), then he+ll (258): [hell, o].
        #expect(tokenizer.encode("hello") == [258, 111])
        #expect(tokenizer.encode("hello<|eot_id|>", bos: true, allowSpecialTokens: true) == [259, 258, 111, 268])
        #expect(try tokenizer.decode([259, 258, 111, 32]) == "<|begin_of_text|>hello ")
        #expect(throws: TokenizerError.tokenOutOfRange(id: 515, vocabularySize: 515)) { try tokenizer.decode([515]) }
    }
}
