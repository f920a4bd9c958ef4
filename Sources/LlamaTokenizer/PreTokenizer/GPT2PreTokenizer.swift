// GPT-2's pre-tokenizer, used by most byte-level BPE vocabularies outside Llama 3
// (Hugging Face's ByteLevel pre-tokenizer with use_regex=True). The pattern:
//
//   's|'t|'re|'ve|'m|'ll|'d       1 contractions, lower case only
//   | ?\p{L}+                     2 a word, with at most one leading plain space
//   | ?\p{N}+                     3 a number, likewise
//   | ?[^\s\p{L}\p{N}]+           4 punctuation, likewise
//   |\s+(?!\S)                    5 white space, leaving the last one for the next word
//   |\s+                          6 any other white space
//
// Unlike Llama 3's pattern, only a plain space (not a tab or a line break) joins the word
// after it, digits are not grouped by three, and line breaks are ordinary white space.
// SmolLM's variant first makes every digit a piece of its own (Hugging Face's
// `Digits(individual_digits=True)`, llama.cpp's `\p{N}` expression) and runs the pattern
// over the text between digits, whose ends then act as ends of text for the lookahead.
// Documentation: Documentation/08-Tokenizer.md

/// Splits valid UTF-8 text into the pieces GPT-2's pattern finds, as byte ranges.
struct GPT2PreTokenizer: PieceSequence {
    private let text: UnsafePointer<UInt8>
    private let end: Int
    private let classes: UnsafePointer<CharacterClass>
    private let splitsDigits: Bool
    private var position = 0
    /// Where the current stretch of text ends: the next digit when digits are split,
    /// otherwise the end of the text. The pattern sees this as the end of its input.
    private var stretchEnd = -1

    nonisolated(unsafe) private static let noText = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    /// - Parameters:
    ///   - text: valid UTF-8; must stay alive while the pre-tokenizer is used.
    ///   - splitsDigits: make each `\p{N}` scalar a piece of its own first (SmolLM).
    init(_ text: UnsafeBufferPointer<UInt8>, splitsDigits: Bool) {
        self.text = text.baseAddress ?? UnsafePointer(Self.noText)
        end = text.count
        classes = UnsafePointer(CharacterClassTable.shared.classes)
        self.splitsDigits = splitsDigits
    }

    mutating func next() -> Range<Int>? {
        let start = position
        guard start < end else { return nil }
        if splitsDigits {
            let (first, length) = scalarClass(at: start)
            if first == .number {
                position = start + length
                return start..<position
            }
            if stretchEnd <= start {
                // The stretch runs to the next digit.
                var index = start
                while index < end {
                    let (next, length) = scalarClass(at: index)
                    if next == .number { break }
                    index += length
                }
                stretchEnd = index
            }
        } else {
            stretchEnd = end
        }
        position = pieceEnd(from: start, limit: stretchEnd)
        return start..<position
    }

    /// The end of the piece that starts at `start`, with `limit` as the end of the text.
    @inline(__always)
    private func pieceEnd(from start: Int, limit: Int) -> Int {
        let (first, firstLength) = scalarClass(at: start)
        let afterFirst = start + firstLength
        switch first {
        case .letter, .number:
            return skip(first, from: afterFirst, limit: limit)  // 2, 3
        case .other:
            if text[start] == UInt8(ascii: "'"), let contractionEnd = contraction(after: afterFirst, limit: limit) {
                return contractionEnd  // 1
            }
            return skip(.other, from: afterFirst, limit: limit)  // 4
        case .whitespace, .newline:
            if text[start] == UInt8(ascii: " "), afterFirst < limit {
                let (second, secondLength) = scalarClass(at: afterFirst)
                if second != .whitespace, second != .newline {
                    return skip(second, from: afterFirst + secondLength, limit: limit)  // 2, 3, 4
                }
            }
            // 5: the run of white space, giving back its last scalar when something other
            // than white space follows; 6: a single white-space scalar before it.
            var index = afterFirst
            var lastScalarStart = start
            while index < limit {
                let (next, length) = scalarClass(at: index)
                guard next == .whitespace || next == .newline else { break }
                lastScalarStart = index
                index += length
            }
            if index == limit || lastScalarStart == start { return index }
            return lastScalarStart
        }
    }

    /// 1: the end of `'s 't 're 've 'm 'll 'd` (lower case) after an apostrophe, or nil.
    @inline(__always)
    private func contraction(after index: Int, limit: Int) -> Int? {
        guard index < limit else { return nil }
        let next = index + 1 < limit ? text[index + 1] : 0
        switch text[index] {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return index + 1
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return next == UInt8(ascii: "e") ? index + 2 : nil
        case UInt8(ascii: "l"):
            return next == UInt8(ascii: "l") ? index + 2 : nil
        default:
            return nil
        }
    }

    /// The end of the run of scalars of class `kind` that starts at `start`.
    @inline(__always)
    private func skip(_ kind: CharacterClass, from start: Int, limit: Int) -> Int {
        var index = start
        while index < limit {
            let (next, length) = scalarClass(at: index)
            guard next == kind else { break }
            index += length
        }
        return index
    }

    @inline(__always)
    private func scalarClass(at index: Int) -> (CharacterClass, Int) {
        classOfScalar(in: text, at: index, classes: classes)
    }
}
