// Streaming decoding holds back the bytes of an unfinished character, so an emoji split
// over tokens comes out whole, and the pieces always add up to `decode` of all the ids.

import Foundation
import LlamaTokenizer
import Testing

@Suite struct StreamingTextDecoderTests {
    @Test func anEmojiSplitOverTokensComesOutWhole() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let text = "Hi 👨‍👩‍👧 there 👍🏽"
        let ids = tokenizer.encode(text)
        var decoder = StreamingTextDecoder(tokenizer: tokenizer)
        var pieces: [String] = []
        for id in ids { pieces.append(try decoder.append(id)) }
        pieces.append(decoder.finish())
        #expect(pieces.joined() == text)
        #expect(!pieces.contains { $0.contains("\u{FFFD}") })
        // " \u{F0}\u{9F}\u{91}" is a token: the decoder must have waited at least once.
        #expect(pieces.contains(""))
        #expect(pieces.contains(" 👍🏽") || pieces.contains("👍🏽") || pieces.last == "")
    }

    @Test func piecesAddUpToDecodeEvenForInvalidUTF8() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let fixture = try loadFixture("decode.json", as: DecodeFixture.self)
        for testCase in fixture.cases {
            var decoder = StreamingTextDecoder(tokenizer: tokenizer)
            var text = ""
            for id in testCase.ids { text += try decoder.append(id) }
            text += decoder.finish()
            #expect(text == testCase.text, "ids \(testCase.ids)")
        }
    }

    @Test func byteByByteACharacterWaitsUntilComplete() throws {
        // In the tiny vocabulary, byte b is token b.
        let tokenizer = try Tokenizer(ranksFileContents: Data(tinyTokenizerFile.utf8))
        var decoder = StreamingTextDecoder(tokenizer: tokenizer)
        #expect(try decoder.append(0x61) == "a")
        #expect(try decoder.append(0xF0) == "")
        #expect(try decoder.append(0x9F) == "")
        #expect(try decoder.append(0x98) == "")
        #expect(try decoder.append(0x80) == "😀")
        // A byte that cannot continue the pending one is replaced at once.
        #expect(try decoder.append(0xE2) == "")
        #expect(try decoder.append(0x41) == "\u{FFFD}A")
        // A truncated character left at the end becomes U+FFFD on finish.
        #expect(try decoder.append(0xF0) == "")
        #expect(decoder.finish() == "\u{FFFD}")
        #expect(decoder.finish() == "")
    }

    @Test func anOutOfRangeIDIsAnErrorAndChangesNothing() throws {
        let tokenizer = try Tokenizer(ranksFileContents: Data(tinyTokenizerFile.utf8))
        var decoder = StreamingTextDecoder(tokenizer: tokenizer)
        #expect(try decoder.append(0xE2) == "")
        #expect(throws: TokenizerError.tokenOutOfRange(id: 9999, vocabularySize: 515)) { try decoder.append(9999) }
        #expect(try decoder.append(0x82) == "")
        #expect(try decoder.append(0xAC) == "€")
    }
}
