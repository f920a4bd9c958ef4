// The replacement rule on hand-picked byte strings, independent of any vocabulary
// (decode.json checks the same rule against Python on real tokens).

@testable import LlamaTokenizer
import Testing

@Suite struct UTF8RepairTests {
    private func repaired(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { UTF8Repair.string($0) }
    }

    @Test func eachMaximalSubpartBecomesOneReplacementCharacter() {
        #expect(repaired([0xF0, 0x9F, 0x98]) == "\u{FFFD}")  // truncated emoji
        #expect(repaired([0xED, 0xA0, 0x80]) == "\u{FFFD}\u{FFFD}\u{FFFD}")  // surrogate
        #expect(repaired([0xC0, 0x80]) == "\u{FFFD}\u{FFFD}")  // overlong
        #expect(repaired([0xE2, 0x82, 0x41]) == "\u{FFFD}A")
        #expect(repaired([0xF4, 0x90, 0x80, 0x80]) == String(repeating: "\u{FFFD}", count: 4))
        #expect(repaired([0x61, 0xE2, 0x82, 0xAC]) == "a€")
        #expect(repaired([]) == "")
    }

    @Test func onlyATruncatedCharacterAtTheEndIsHeldBack() {
        func settled(_ bytes: [UInt8]) -> Int { bytes.withUnsafeBufferPointer { UTF8Repair.settledPrefixLength($0) } }
        #expect(settled([0x61, 0xF0, 0x9F, 0x98]) == 1)
        #expect(settled([0x61, 0xF0, 0x9F, 0x98, 0x80]) == 5)
        #expect(settled([0xE2, 0x41]) == 2)  // ill-formed: nothing can fix it
        #expect(settled([0x80, 0x80, 0x80, 0xE2]) == 3)
        #expect(settled([0xF0]) == 0)
    }
}
