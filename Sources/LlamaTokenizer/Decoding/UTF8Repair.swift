// Turning token bytes into text. A token can end in the middle of a character, so the
// bytes of a few ids need not be valid UTF-8. tiktoken decodes with Python's
// `bytes.decode("utf-8", errors="replace")`, which puts one U+FFFD in place of each
// "maximal subpart" of an ill-formed sequence (Unicode chapter 3, "U+FFFD Substitution of
// Maximal Subparts"): the longest prefix of a well-formed sequence, or else one byte.
// So b"\xF0\x9F\x98" (a truncated emoji) is one U+FFFD, and b"\xED\xA0\x80" (an encoded
// surrogate) is three.
// Documentation: Documentation/14-Streaming-Text.md (and 08-Tokenizer.md)

enum UTF8Repair {
    /// What starts at one position of a byte buffer.
    enum Step: Equatable {
        /// A well-formed character of this many bytes.
        case character(length: Int)
        /// An ill-formed maximal subpart of this many bytes: one U+FFFD.
        case illFormed(length: Int)
        /// The start of a well-formed character, cut off by the end of the buffer after
        /// this many bytes. More bytes may complete it.
        case truncated(length: Int)
    }

    /// Classifies the bytes at `index` (which must be `< bytes.count`).
    @inline(__always)
    static func step(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Step {
        let lead = bytes[index]
        if lead < 0x80 { return .character(length: 1) }
        // How many continuation bytes follow, and the range allowed for the first one;
        // the narrower ranges exclude overlong forms, surrogates and values past U+10FFFF.
        let continuations: Int
        var allowed: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: continuations = 1
        case 0xE0: continuations = 2; allowed = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE, 0xEF: continuations = 2
        case 0xED: continuations = 2; allowed = 0x80...0x9F
        case 0xF0: continuations = 3; allowed = 0x90...0xBF
        case 0xF1...0xF3: continuations = 3
        case 0xF4: continuations = 3; allowed = 0x80...0x8F
        default: return .illFormed(length: 1)  // 80...C1 (continuation, overlong), F5...FF
        }
        for offset in 1...continuations {
            guard index + offset < bytes.count else { return .truncated(length: offset) }
            guard allowed.contains(bytes[index + offset]) else { return .illFormed(length: offset) }
            allowed = 0x80...0xBF
        }
        return .character(length: continuations + 1)
    }

    /// The text of `bytes`, with each ill-formed or truncated maximal subpart replaced by
    /// U+FFFD, exactly as Python's `bytes.decode("utf-8", errors="replace")`.
    /// - Complexity: O(n).
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var index = 0
        // Fast path: most decodes are valid UTF-8 and need no copy.
        while index < bytes.count, case .character(let length) = step(bytes, at: index) { index += length }
        if index == bytes.count { return String(decoding: bytes, as: UTF8.self) }

        var repaired = Array(bytes[..<index])
        repaired.reserveCapacity(bytes.count + 8)
        while index < bytes.count {
            switch step(bytes, at: index) {
            case .character(let length):
                repaired.append(contentsOf: bytes[index..<(index + length)])
                index += length
            case .illFormed(let length), .truncated(let length):
                repaired.append(contentsOf: [0xEF, 0xBF, 0xBD])  // U+FFFD
                index += length
            }
        }
        return String(decoding: repaired, as: UTF8.self)
    }

    /// The length of the longest prefix of `bytes` whose text cannot change when more
    /// bytes are appended: everything except a truncated character at the very end.
    static func settledPrefixLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        // A character is at most 4 bytes, so only the last 3 can start a truncated one.
        // Starting there is safe even mid-character: a step never swallows a lead byte,
        // so every lead byte is a step boundary however the scan began.
        var index = max(0, bytes.count - 3)
        while index < bytes.count {
            switch step(bytes, at: index) {
            case .character(let length), .illFormed(let length): index += length
            case .truncated: return index
            }
        }
        return bytes.count
    }
}
