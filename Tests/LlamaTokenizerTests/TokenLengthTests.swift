// Token lengths are bounded: a vocabulary with a 100 KB token is refused at once, naming
// the line or id, and deriving GGUF merges (BPE under each token's rank) costs
// O(n log n) in a token's length, not the square of rescanning every pair.

import Foundation
import Testing
import TestSupport
@testable import LlamaTokenizer

@Suite struct TokenLengthTests {
    private let clock = ContinuousClock()

    /// Without the limit this loads in milliseconds; the cost of a long token comes later,
    /// in work that grows with its length (deriving its merge for a GGUF export).
    @Test func aRanksFileWithAHundredKilobyteTokenIsRefusedAtOnce() {
        let longToken = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let text = ranksFile(singleBytes + [longToken])
        let start = clock.now
        #expect(throws: TokenizerError.tokenTooLong(source: "long.model", line: 257, length: 100_000, limit: RanksFile.maximumTokenLength)) {
            try Tokenizer(ranksFileContents: Data(text.utf8), source: "long.model")
        }
        #expect(clock.now - start < .seconds(1), "took \(clock.now - start)")
    }

    @Test func aGGUFVocabularyWithAHundredKilobyteTokenIsRefusedAtOnce() {
        let tokens = singleBytes.map { ByteLevel.encode($0) } + [String(repeating: "a", count: 100_000)]
        let start = clock.now
        #expect(throws: TokenizerError.invalidGGUFVocabulary(
            source: "long.gguf", id: 256, reason: "expected at most \(RanksFile.maximumTokenLength) bytes, found a token of 100000")) {
            try Tokenizer(gguf: GGUFVocabulary(tokens: tokens, preTokenizer: "llama-bpe"), source: "long.gguf")
        }
        #expect(clock.now - start < .seconds(1), "took \(clock.now - start)")
    }

    /// A token of the largest length accepted is fine.
    @Test func aTokenAtTheLimitLoads() throws {
        let token = String(repeating: "a", count: RanksFile.maximumTokenLength)
        let tokenizer = try Tokenizer(ranksFileContents: Data(ranksFile(singleBytes + [Array(token.utf8)]).utf8))
        #expect(tokenizer.encode(token) == [256])
        #expect(tokenizer.encode(token + "a") == Array(repeating: 97, count: token.count + 1))
    }

    /// Runs of `a` of every power of two up to the limit, each made of two halves. (Deriving
    /// by rescanning every pair per merge grows with the square of a token's length: in a
    /// release build 0.09 s for a 1 KB run, 1.1 s for 5 KB, 18 s for 20 KB.)
    @Test func mergesOfLongTokensAreDerivedQuickly() throws {
        let runs = (1...10).map { [UInt8](repeating: UInt8(ascii: "a"), count: 1 << $0) }
        let tokenizer = try Tokenizer(ranksFileContents: Data(ranksFile(singleBytes + runs).utf8))
        let start = clock.now
        let merges = tokenizer.ggufVocabulary().merges
        #expect(clock.now - start < .seconds(1), "took \(clock.now - start)")
        #expect(merges == runs.map { run in
            let half = String(repeating: "a", count: run.count / 2)
            return half + " " + half
        })
    }

    /// The queue-based derivation agrees with the plain one (rescan every pair, merge the
    /// lowest rank below the token's own) on a sample of the real Llama 3 vocabulary.
    @Test func derivedMergesMatchTheRescanningDerivation() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        let table = tokenizer.table
        var ids = Array(stride(from: 256, to: table.mergeableCount, by: 61))
        ids += (0..<table.mergeableCount).sorted { table.bytes(of: $0).count > table.bytes(of: $1).count }.prefix(50)
        var parts: [Int32] = []
        for id in ids where table.bytes(of: id).count > 1 {
            parts.removeAll()
            table.bytePairMergeLong(table.bytes(of: id), ranksBelow: UInt32(id), into: &parts)
            let fast = parts.count == 2 ? [Array(table.bytes(of: Int(parts[0]))), Array(table.bytes(of: Int(parts[1])))] : nil
            let plain = rescanningLastMerge(of: Array(table.bytes(of: id)), rank: UInt32(id), in: table)
            #expect(fast == plain, "token \(id)")
        }
    }

    /// The reference: BPE over `bytes` with only ranks below `rank`, by rescanning.
    private func rescanningLastMerge(of bytes: [UInt8], rank: UInt32, in table: TokenTable) -> [[UInt8]]? {
        var parts = bytes.map { [$0] }
        while parts.count > 2 {
            var best: (index: Int, rank: UInt32)?
            for i in 0..<(parts.count - 1) {
                let merged = parts[i] + parts[i + 1]
                let r = merged.withUnsafeBufferPointer { table.rank($0.baseAddress!, length: $0.count) }
                if r < rank, r < (best?.rank ?? .max) { best = (i, r) }
            }
            guard let best else { return nil }
            parts[best.index] += parts[best.index + 1]
            parts.remove(at: best.index + 1)
        }
        return parts.count == 2 ? parts : nil
    }

    /// Lines and tokens quoted in errors are cut.
    @Test func hugeInputsMakeShortErrors() {
        let garbage = String(repeating: "z", count: 1_000_000)
        do {
            _ = try Tokenizer(ranksFileContents: Data("AA== \(garbage)\n".utf8), source: "t")
            Issue.record("expected invalidRank")
        } catch {
            #expect("\(error)".count < 300 && "\(error)".hasPrefix("t:1: expected a decimal rank, found 'zzzz"), "\("\(error)".prefix(400))")
        }
        do {
            _ = try Tokenizer(gguf: GGUFVocabulary(tokens: [String(repeating: "\u{1F600}", count: 1_000_000)], preTokenizer: "llama-bpe"), source: "g")
            Issue.record("expected invalidGGUFVocabulary")
        } catch {
            #expect("\(error)".count < 300 && "\(error)".contains("not byte-level text"), "\("\(error)".prefix(400))")
        }
    }
}
