// What the pre-tokenizer pattern's character classes mean, per Unicode scalar.
// tiktoken compiles Meta's pattern with Rust's fancy-regex/regex crates, where `\p{L}` is
// general category L (Lu Ll Lt Lm Lo), `\p{N}` is N (Nd Nl No) and `\s` is the Unicode
// White_Space property. Tests check every scalar against what tiktoken does
// (Tests/Fixtures/tokenizer/character-classes.json).
//
// The regex crate carries its own Unicode tables (16.0 in tiktoken 0.14), while Swift's
// standard library may be newer (Swift 6.3: Unicode 17.0, which adds ~4,700 letters and
// digits). To tiktoken those newer scalars are unassigned, so class "other"; we use each
// scalar's `age` to see them the same way.
// Documentation: Documentation/08-Tokenizer.md

/// The class of one Unicode scalar as Meta's pattern sees it. Every scalar is in exactly one.
enum CharacterClass: UInt8, Sendable {
    /// `\p{L}`.
    case letter
    /// `\p{N}`.
    case number
    /// `\s` except `\r` and `\n`.
    case whitespace
    /// `\r` or `\n`: white space that the pattern also names literally (`[\r\n]`).
    /// U+0085, U+2028 and U+2029 are plain `whitespace`: the pattern lists only these two.
    case newline
    /// Anything else: punctuation, symbols, marks (M is not L), controls, unassigned.
    case other

    /// The Unicode version of the tables in the regex crate that tiktoken is built with.
    static let tiktokenUnicodeVersion = (major: 16, minor: 0)

    /// The class of scalar value `value` from Unicode properties.
    /// - Complexity: O(1), but a few table lookups in the standard library; the
    ///   pre-tokenizer reads `CharacterClassTable` for planes 0 to 2.
    static func of(_ value: UInt32) -> CharacterClass {
        if value == 0x0A || value == 0x0D { return .newline }
        guard let scalar = Unicode.Scalar(value) else { return .other }
        let properties = scalar.properties
        // The general category first: it settles most scalars with one lookup. Every
        // White_Space scalar is a separator (Zs Zl Zp) or a control (Cc).
        let candidate: CharacterClass
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            candidate = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            candidate = .number
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control:
            guard properties.isWhitespace else { return .other }
            candidate = .whitespace
        default:
            return .other
        }
        guard let age = properties.age, age.major < tiktokenUnicodeVersion.major
            || (age.major == tiktokenUnicodeVersion.major && age.minor <= tiktokenUnicodeVersion.minor)
        else { return .other }  // assigned after the Unicode version tiktoken knows
        return candidate
    }
}

/// The classes of the 65,536 scalars of one Unicode plane, computed once per process
/// (a few milliseconds) on first use, so that classifying a scalar is one load instead of
/// three property lookups.
///
/// Immutable after `init` and never freed, hence `@unchecked Sendable`.
final class CharacterClassTable: @unchecked Sendable {
    /// Plane 0, the Basic Multilingual Plane: nearly all text.
    static let shared = CharacterClassTable(plane: 0)
    /// Plane 1: emoji, historic scripts, mathematical letters.
    static let supplementary = CharacterClassTable(plane: 1)
    /// Plane 2: rare CJK ideographs.
    static let ideographic = CharacterClassTable(plane: 2)

    /// `classes[v & 0xFFFF]` is the class of scalar value `v` of this plane (surrogates:
    /// `.other`).
    let classes: UnsafeMutablePointer<CharacterClass>

    private init(plane: UInt32) {
        classes = .allocate(capacity: 0x10000)
        for offset in 0..<UInt32(0x10000) {
            (classes + Int(offset)).initialize(to: CharacterClass.of(plane << 16 | offset))
        }
    }

    /// The class of a scalar above U+FFFF: from the plane tables for planes 1 and 2,
    /// from the properties for the rest (tags, private use, and CJK extension G and H).
    static func classOfSupplementary(_ value: UInt32) -> CharacterClass {
        switch value >> 16 {
        case 1: supplementary.classes[Int(value & 0xFFFF)]
        case 2: ideographic.classes[Int(value & 0xFFFF)]
        default: CharacterClass.of(value)
        }
    }
}
