// The Llama 3 pre-tokenizer: Meta's split pattern, run by tiktoken before byte-pair
// merging, written out by hand over UTF-8 bytes. The pattern (tokenizer.py, pat_str):
//
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)        1 contractions, any case
//   |[^\r\n\p{L}\p{N}]?\p{L}+           2 a word, with at most one leading non-letter
//   |\p{N}{1,3}                         3 up to three digits
//   | ?[^\s\p{L}\p{N}]+[\r\n]*          4 punctuation, with one leading space and
//                                         trailing line breaks
//   |\s*[\r\n]+                         5 white space up to the last line break
//   |\s+(?!\S)                          6 white space, leaving the last one for the
//                                         next word
//   |\s+                                7 any other white space
//
// The regex tries the alternatives in order at each position and takes the first that
// matches (backtracking, not longest). `next()` decides which one matches from the first
// scalar or two, which is what makes it fast.
// Documentation: Documentation/08-Tokenizer.md

/// Splits UTF-8 text into the pieces that tiktoken's `find_iter` over Meta's pattern would
/// return, as byte ranges.
///
/// The text must be valid UTF-8 (it comes from a Swift `String`). Like tiktoken, which runs
/// the pattern over the slice between special tokens, the lookahead of alternative 6 sees
/// the end of `text` as the end of the input.
struct PreTokenizer {
    private let text: UnsafePointer<UInt8>
    private let end: Int
    private let classes: UnsafePointer<CharacterClass>
    private var position = 0

    /// Stands in for the base address of an empty buffer.
    nonisolated(unsafe) private static let noText = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    /// - Parameter text: valid UTF-8; must stay alive while the pre-tokenizer is used.
    init(_ text: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have a nil base address; nothing is read from it then.
        self.text = text.baseAddress ?? UnsafePointer(Self.noText)
        end = text.count
        classes = UnsafePointer(CharacterClassTable.shared.classes)
    }

    /// The byte range of the next piece, or nil at the end of the text.
    /// - Complexity: O(length of the piece), except that a run of white space is scanned
    ///   to its end even when the piece stops earlier (as the regex does).
    @inline(__always)
    mutating func next() -> Range<Int>? {
        let start = position
        guard start < end else { return nil }
        // doc: pretokenize-next
        let (first, firstLength) = scalarClass(at: start)
        var index = start + firstLength
        switch first {
        case .letter:
            index = skipLetters(from: index)  // 2, with no leading character
        case .number:
            // 3: at most three digits; a fourth starts the next piece.
            var digits = 1
            while digits < 3, index < end {
                let (next, length) = scalarClass(at: index)
                guard next == .number else { break }
                index += length
                digits += 1
            }
        case .other:
            if text[start] == UInt8(ascii: "'"), let contractionEnd = contraction(after: index) {
                index = contractionEnd  // 1
            } else if index < end, scalarClass(at: index).0 == .letter {
                index = skipLetters(from: index)  // 2: one punctuation character, then a word
            } else {
                index = skipNewlines(from: skipOthers(from: index))  // 4
            }
        case .whitespace, .newline:
            index = whitespacePiece(start: start, first: first, afterFirst: index)
        }
        position = index
        // doc: end
        return start..<index
    }

    /// The end of the piece that starts with white space at `start`.
    @inline(__always)
    private func whitespacePiece(start: Int, first: CharacterClass, afterFirst: Int) -> Int {
        if afterFirst < end {
            let (second, secondLength) = scalarClass(at: afterFirst)
            // 2: white space other than \r \n may lead a word (" hello", "\thello").
            if second == .letter, first == .whitespace { return skipLetters(from: afterFirst + secondLength) }
            // 4: only a plain space may lead punctuation (" (").
            if second == .other, text[start] == UInt8(ascii: " ") {
                return skipNewlines(from: skipOthers(from: afterFirst + secondLength))
            }
        }
        // The whole run of white space, remembering where its last scalar and its last
        // line break are.
        var index = afterFirst
        var lastScalarStart = start
        var lastNewlineEnd = first == .newline ? afterFirst : -1
        while index < end {
            let (next, length) = scalarClass(at: index)
            guard next == .whitespace || next == .newline else { break }
            lastScalarStart = index
            index += length
            if next == .newline { lastNewlineEnd = index }
        }
        // 5: `\s*` gives back characters until `[\r\n]+` can match, i.e. up to and including
        // the last line break of the run.
        if lastNewlineEnd >= 0 { return lastNewlineEnd }
        // 6: `\s+(?!\S)`: the run is followed by the end of the text, or it gives back its
        // last scalar so that the next piece is " word" rather than "word".
        if index == end { return index }
        if lastScalarStart > start { return lastScalarStart }
        // 7: a single white-space scalar before non-white-space that neither 2 nor 4 took,
        // e.g. the space in " 1" or the tab in "\t(".
        return index
    }

    /// 1: the end of `'s 't 're 've 'm 'll 'd` (any case) after an apostrophe, or nil.
    /// Rust's case-insensitive matching uses Unicode simple case folding, under which `s`
    /// also matches U+017F LATIN SMALL LETTER LONG S; tiktoken splits "'ſ" accordingly.
    @inline(__always)
    private func contraction(after index: Int) -> Int? {
        guard index < end else { return nil }
        let hasNext = index + 1 < end
        let next = hasNext ? text[index + 1] | 0x20 : 0  // ASCII lower case
        switch text[index] {
        case UInt8(ascii: "s"), UInt8(ascii: "S"), UInt8(ascii: "t"), UInt8(ascii: "T"),
            UInt8(ascii: "m"), UInt8(ascii: "M"), UInt8(ascii: "d"), UInt8(ascii: "D"):
            return index + 1
        case UInt8(ascii: "r"), UInt8(ascii: "R"), UInt8(ascii: "v"), UInt8(ascii: "V"):
            return next == UInt8(ascii: "e") ? index + 2 : nil
        case UInt8(ascii: "l"), UInt8(ascii: "L"):
            return next == UInt8(ascii: "l") ? index + 2 : nil
        case 0xC5:  // U+017F is C5 BF in UTF-8
            return hasNext && text[index + 1] == 0xBF ? index + 2 : nil
        default:
            return nil
        }
    }

    @inline(__always)
    private func skipLetters(from start: Int) -> Int {
        var index = start
        while index < end {
            let (next, length) = scalarClass(at: index)
            guard next == .letter else { break }
            index += length
        }
        return index
    }

    @inline(__always)
    private func skipOthers(from start: Int) -> Int {
        var index = start
        while index < end {
            let (next, length) = scalarClass(at: index)
            guard next == .other else { break }
            index += length
        }
        return index
    }

    @inline(__always)
    private func skipNewlines(from start: Int) -> Int {
        var index = start
        while index < end, text[index] == 0x0A || text[index] == 0x0D { index += 1 }
        return index
    }

    /// The class and UTF-8 length of the scalar starting at byte `index`.
    @inline(__always)
    private func scalarClass(at index: Int) -> (CharacterClass, Int) {
        classOfScalar(in: text, at: index, classes: classes)
    }
}

/// The class and UTF-8 length of the scalar that starts at `text[index]`, which must be
/// the first byte of a whole scalar of valid UTF-8.
/// - Parameter classes: `CharacterClassTable.shared.classes`, for planes 0 to 2.
@inline(__always)
func classOfScalar(in text: UnsafePointer<UInt8>, at index: Int, classes: UnsafePointer<CharacterClass>) -> (CharacterClass, Int) {
    let lead = UInt32(text[index])
    if lead < 0x80 { return (classes[Int(lead)], 1) }
    let value: UInt32
    let length: Int
    if lead < 0xE0 {
        value = (lead & 0x1F) << 6 | UInt32(text[index + 1] & 0x3F)
        length = 2
    } else if lead < 0xF0 {
        value = (lead & 0x0F) << 12 | UInt32(text[index + 1] & 0x3F) << 6 | UInt32(text[index + 2] & 0x3F)
        length = 3
    } else {
        value = (lead & 0x07) << 18 | UInt32(text[index + 1] & 0x3F) << 12
            | UInt32(text[index + 2] & 0x3F) << 6 | UInt32(text[index + 3] & 0x3F)
        length = 4
    }
    return (value < 0x10000 ? classes[Int(value)] : CharacterClassTable.classOfSupplementary(value), length)
}
