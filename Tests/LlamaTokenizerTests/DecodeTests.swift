// Decoding ids to text: invalid UTF-8 becomes U+FFFD exactly as tiktoken's decode (Python's
// errors="replace"), and ids outside the vocabulary are errors, not crashes.

import LlamaTokenizer
import Testing

@Suite struct DecodeTests {
    @Test func invalidUTF8IsReplacedAsPythonDoes() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let fixture = try loadFixture("decode.json", as: DecodeFixture.self)
        for testCase in fixture.cases {
            #expect(try tokenizer.decode(testCase.ids) == testCase.text, "ids \(testCase.ids)")
        }
    }

    @Test func outOfRangeIDsAreErrors() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let size = tokenizer.vocabularySize
        #expect(size == 128_256)
        for id in [Int32(-1), Int32(size), Int32.max, Int32.min] {
            #expect(throws: TokenizerError.tokenOutOfRange(id: id, vocabularySize: size)) {
                try tokenizer.decode([9906, id])
            }
            #expect(throws: TokenizerError.tokenOutOfRange(id: id, vocabularySize: size)) {
                try tokenizer.piece(for: id)
            }
        }
        // The last special token is in range.
        #expect(try tokenizer.decode([Int32(size - 1)]) == "<|reserved_special_token_245|>")
    }

    @Test func piecesAndBytesOfSingleTokens() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        #expect(try tokenizer.piece(for: 1917) == " world")
        #expect(try tokenizer.piece(for: try #require(tokenizer.endOfTurn)) == "<|eot_id|>")
        // Token 9468 is the first two bytes of many emoji: not a character on its own.
        #expect(try tokenizer.bytes(for: [9468]) == [0xF0, 0x9F])
        #expect(try tokenizer.piece(for: 9468) == "\u{FFFD}")
    }
}
