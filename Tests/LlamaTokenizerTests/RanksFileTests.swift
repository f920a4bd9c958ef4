// Loading tokenizer.model: malformed input is a typed error naming the line, never a crash
// or a silently shifted vocabulary.

import Foundation
import LlamaTokenizer
import Testing
import TestSupport

@Suite struct RanksFileTests {
    private func load(_ text: String) throws -> Tokenizer {
        try Tokenizer(ranksFileContents: Data(text.utf8), source: "test.model")
    }

    @Test func theRealTokenizerLoads() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        #expect(tokenizer.baseVocabularySize == 128_000)
    }

    @Test func crlfLineEndsAndBlankLinesAreAccepted() throws {
        let text = tinyTokenizerFile.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n\n"
        let tokenizer = try load(text)
        #expect(tokenizer.baseVocabularySize == 259)
        #expect(tokenizer.encode("hello") == [258, 111])
    }

    @Test func invalidBase64NamesTheLine() {
        #expect(throws: TokenizerError.invalidBase64(source: "test.model", line: 3)) {
            try load("AA== 0\nAQ== 1\n!!!! 2\n")
        }
        #expect(throws: TokenizerError.invalidBase64(source: "test.model", line: 2)) {
            try load("AA== 0\nAQ 1\n")  // not a multiple of 4 characters
        }
        #expect(throws: TokenizerError.invalidBase64(source: "test.model", line: 1)) {
            try load("A=A= 0\n")  // padding inside
        }
    }

    @Test func aMissingRankNamesTheLine() {
        #expect(throws: TokenizerError.missingRank(source: "test.model", line: 2)) {
            try load("AA== 0\nAQ==\n")
        }
    }

    @Test func aNonNumericRankNamesTheLine() {
        #expect(throws: TokenizerError.invalidRank(source: "test.model", line: 2, found: "one")) {
            try load("AA== 0\nAQ== one\n")
        }
        #expect(throws: TokenizerError.invalidRank(source: "test.model", line: 1, found: "-1")) {
            try load("AA== -1\n")
        }
        #expect(throws: TokenizerError.invalidRank(source: "test.model", line: 1, found: "0 7")) {
            try load("AA== 0 7\n")
        }
        #expect(throws: TokenizerError.invalidRank(source: "test.model", line: 1, found: "99999999999999999999")) {
            try load("AA== 99999999999999999999\n")
        }
    }

    /// A rank is the token's id, so ranks must count 0, 1, 2, ... with no gap or repeat.
    @Test func duplicateAndOutOfOrderRanksNameTheLine() {
        #expect(throws: TokenizerError.rankOutOfOrder(source: "test.model", line: 2, expected: 1, found: 0)) {
            try load("AA== 0\nAQ== 0\n")
        }
        #expect(throws: TokenizerError.rankOutOfOrder(source: "test.model", line: 2, expected: 1, found: 2)) {
            try load("AA== 0\nAQ== 2\n")
        }
        #expect(throws: TokenizerError.rankOutOfOrder(source: "test.model", line: 1, expected: 0, found: 1)) {
            try load("AA== 1\n")
        }
    }

    @Test func aDuplicateTokenNamesTheLine() {
        #expect(throws: TokenizerError.duplicateToken(source: "test.model", line: 3, firstRank: 0)) {
            try load("AA== 0\nAQ== 1\nAA== 2\n")
        }
    }

    @Test func anEmptyFileIsAnError() {
        #expect(throws: TokenizerError.emptyRanksFile(source: "test.model")) { try load("") }
        #expect(throws: TokenizerError.emptyRanksFile(source: "test.model")) { try load("\n \n\r\n") }
    }

    @Test func everySingleByteMustBeAToken() {
        #expect(throws: TokenizerError.missingByteToken(source: "test.model", byte: 1)) {
            try load("AA== 0\n")
        }
    }

    @Test func aMissingFileIsAnErrorNamingIt() {
        let url = URL(fileURLWithPath: "/nonexistent/tokenizer.model")
        #expect {
            try Tokenizer(contentsOf: url)
        } throws: { error in
            guard case .unreadableFile(let source, _) = error as? TokenizerError else { return false }
            return source == url.path
        }
    }

    @Test func errorDescriptionsNameFileAndLine() {
        let error = TokenizerError.rankOutOfOrder(source: "tokenizer.model", line: 7, expected: 6, found: 9)
        #expect(error.description == "tokenizer.model:7: expected rank 6 (ranks count up from 0), found 9")
    }
}
