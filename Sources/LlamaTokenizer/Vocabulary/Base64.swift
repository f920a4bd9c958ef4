// Strict standard base64 (RFC 4648, with padding), the encoding of each token in
// tokenizer.model. Hand-written because Foundation's decoder allocates a Data per call and
// we decode 128,000 short tokens while loading.
// Documentation: Documentation/08-Tokenizer.md

enum Base64 {
    /// The 6-bit value of each ASCII byte of the standard alphabet; 0xFF for any other byte.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()

    /// Decodes `text` and appends the bytes to `output`.
    ///
    /// - Parameters:
    ///   - text: base64 characters; the length must be a multiple of 4 and `=` may only
    ///     pad the last group.
    ///   - output: receives the decoded bytes.
    /// - Returns: `false` (with `output` unchanged) when `text` is not valid base64.
    /// - Complexity: O(n) in the length of `text`.
    static func decode(_ text: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) -> Bool {
        let count = text.count
        guard count > 0, count % 4 == 0 else { return false }
        let originalCount = output.count
        return values.withUnsafeBufferPointer { values in
            var index = 0
            while index < count {
                let a = values[Int(text[index])], b = values[Int(text[index + 1])]
                let c3 = text[index + 2], c4 = text[index + 3]
                let c = values[Int(c3)], d = values[Int(c4)]
                let isLast = index + 4 == count
                guard a != 0xFF, b != 0xFF else { break }
                output.append(a << 2 | b >> 4)
                if c == 0xFF {
                    // "xx==" is the only legal form with a padded third character.
                    guard isLast, c3 == UInt8(ascii: "="), c4 == UInt8(ascii: "=") else { break }
                    return true
                }
                output.append(b << 4 | c >> 2)
                if d == 0xFF {
                    guard isLast, c4 == UInt8(ascii: "=") else { break }
                    return true
                }
                output.append(c << 6 | d)
                index += 4
            }
            if index == count { return true }
            output.removeSubrange(originalCount...)
            return false
        }
    }
}
