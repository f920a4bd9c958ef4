// The pre-tokenizer's notion of \p{L}, \p{N} and \s for every Unicode scalar, against what
// tiktoken's regex engine does (character-classes.json). A difference here means some
// text splits differently from Meta's tokenizer, so every scalar is checked, not samples.

@testable import LlamaTokenizer
import Testing

@Suite struct CharacterClassTests {
    @Test func everyScalarIsClassifiedAsTiktokenDoes() throws {
        let fixture = try loadFixture("character-classes.json", as: CharacterClassFixture.self)
        var runs: [(start: UInt32, name: String)] = []
        for run in fixture.runs {
            guard run.count == 2, case .value(let start) = run[0], case .name(let name) = run[1] else {
                Issue.record("malformed run \(run)")
                return
            }
            runs.append((start, name))
        }
        let table = CharacterClassTable.shared.classes
        var mismatches: [String] = []
        for (index, run) in runs.enumerated() {
            let end = index + 1 < runs.count ? runs[index + 1].start : 0x110000
            for value in run.start..<end where !(0xD800..<0xE000).contains(value) {
                let found = value < 0x10000 ? table[Int(value)] : CharacterClassTable.classOfSupplementary(value)
                let name: String
                switch found {
                case .letter: name = "L"
                case .number: name = "N"
                case .whitespace, .newline: name = "S"
                case .other: name = "O"
                }
                if name != run.name { mismatches.append(String(format: "U+%04X: tiktoken %@, ours %@", value, run.name, name)) }
            }
        }
        #expect(mismatches.count == 0, "scalars classified differently: \(mismatches.prefix(20))")
    }
}
