// The two merge algorithms (tiktoken's flat scan for short pieces, the priority queue for
// long ones) must give identical ids on any input, since which one runs depends only on
// the piece's length.

@testable import LlamaTokenizer
import TestSupport
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

