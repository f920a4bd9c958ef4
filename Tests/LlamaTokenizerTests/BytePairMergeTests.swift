// The two merge algorithms (tiktoken's flat scan for short pieces, the priority queue for
// long ones) must give identical ids on any input, since which one runs depends only on
// the piece's length.

@testable import LlamaTokenizer
import Testing

@Suite struct BytePairMergeTests {
    @Test func heapAndFlatMergesAgreeOnRandomPieces() throws {
        let tokenizer = try LlamaTokenizerFixture.load()
        var generator = SplitMix64(seed: 42)
        let alphabets: [[UInt8]] = [
            Array("abcdefghijklmnopqrstuvwxyz".utf8), Array("aab".utf8), Array("0123456789".utf8),
            Array("ěščřžýáíé".utf8), Array(0...255),
        ]
        for trial in 0..<300 {
            let alphabet = alphabets[trial % alphabets.count]
            let length = 2 + Int(generator.next() % 600)
            let piece = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            var flat: [Int32] = [], heap: [Int32] = []
            var parts: [MergePart] = []
            piece.withUnsafeBufferPointer { bytes in
                tokenizer.table.bytePairMerge(bytes, parts: &parts, into: &flat)
                tokenizer.table.bytePairMergeLong(bytes, into: &heap)
            }
            #expect(flat == heap, "trial \(trial), \(length) bytes")
            #expect(try tokenizer.bytes(for: heap) == piece)
        }
    }
}

/// A tiny seeded generator, so a failure can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
