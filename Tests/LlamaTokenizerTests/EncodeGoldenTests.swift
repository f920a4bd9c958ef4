// Encoding against golden ids from Meta's tokenizer (tiktoken), over a corpus of prose,
// code, white space, numbers, many scripts, emoji, marks, zero-width characters, special
// token look-alikes, very long words and seeded random mixes.

import LlamaTokenizer
import Testing
import TestSupport

@Suite struct EncodeGoldenTests {
    @Test func encodingMatchesTiktokenOnTheWholeCorpus() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let fixture = try loadFixture("encode.json", as: EncodeFixture.self)
        #expect(fixture.cases.count > 500)
        var failures = 0
        for testCase in fixture.cases {
            let ids = tokenizer.encode(testCase.text, allowSpecialTokens: testCase.allowSpecialTokens ?? false)
            if ids != testCase.ids {
                failures += 1
                // Report a few in full; one mismatch usually explains the rest.
                if failures <= 5 {
                    Issue.record("\(testCase.name): \(testCase.text.debugDescription)\n  expected \(testCase.ids)\n  found    \(ids)")
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(fixture.cases.count) texts encode differently from tiktoken")
    }

    /// Decoding must give back the exact text, whatever it holds: byte-level BPE loses nothing.
    @Test func decodingAnEncodingGivesTheTextBack() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let fixture = try loadFixture("encode.json", as: EncodeFixture.self)
        for testCase in fixture.cases {
            let allow = testCase.allowSpecialTokens ?? false
            let decoded = try tokenizer.decode(tokenizer.encode(testCase.text, allowSpecialTokens: allow))
            #expect(decoded == testCase.text, "\(testCase.name)")
        }
    }

    @Test func typedSpecialTokensAreOrdinaryTextUnlessAllowed() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let text = "Hi<|eot_id|>"
        let endOfTurn = try #require(tokenizer.endOfTurn)
        #expect(!tokenizer.encode(text).contains(endOfTurn))
        #expect(tokenizer.encode(text, allowSpecialTokens: true).last == endOfTurn)
        #expect(tokenizer.encode("<|eot_id|>", allowSpecialTokens: true) == [endOfTurn])
    }

    @Test func bosAndEosWrapTheText() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        #expect(tokenizer.encode("Hello, world!", bos: true) == [128000, 9906, 11, 1917, 0])
        #expect(tokenizer.encode("Hello, world!", bos: true, eos: true) == [128000, 9906, 11, 1917, 0, 128001])
        #expect(tokenizer.encode("", bos: true, eos: true) == [128000, 128001])
        #expect(tokenizer.encode("") == [])
    }

    /// Meta's wrapper cuts texts into 25,000-character runs and encodes them apart; we follow
    /// tiktoken on the whole text, where a long word is one piece and never splits at a cut.
    @Test func longRunsAreNotCutLikeMetasWrapper() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let word = String(repeating: "ab", count: 20_000)
        let ids = tokenizer.encode(word)
        #expect(try tokenizer.decode(ids) == word)
        // Every token of a 40,000-letter word repeats the same merge pattern.
        #expect(Set(ids).count <= 4)
    }
}

/// One tokenizer is shared by every task of a program (it is `Sendable`); its merge cache
/// is the only shared mutable state, so concurrent encodes must agree with serial ones.
@Suite struct ConcurrentEncodeTests {
    @Test func concurrentEncodesMatchSerialOnes() async throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let texts = try loadFixture("encode.json", as: EncodeFixture.self).cases
            .filter { $0.allowSpecialTokens != true }.map(\.text)
        let expected = texts.map { tokenizer.encode($0) }
        // A fresh tokenizer, so that the workers start with an empty cache and race to fill it.
        let fresh = try Tokenizer(contentsOf: Fixtures.llamaTokenizerURL)
        let results = await withTaskGroup(of: (Int, [[Int32]]).self) { group in
            for worker in 0..<4 {
                group.addTask {
                    // Each worker walks the texts in a different order to mix cache hits and misses.
                    let order = worker % 2 == 0 ? Array(texts.indices) : texts.indices.reversed()
                    var ids = [[Int32]](repeating: [], count: texts.count)
                    for index in order { ids[index] = fresh.encode(texts[index]) }
                    return (worker, ids)
                }
            }
            var all: [(Int, [[Int32]])] = []
            for await result in group { all.append(result) }
            return all
        }
        for (worker, ids) in results {
            #expect(ids == expected, "worker \(worker)")
        }
    }
}
