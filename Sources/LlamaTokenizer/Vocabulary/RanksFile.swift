// Reading tokenizer.model: one "base64(token bytes) rank" per line, rank = token id.
// Meta's loader (llama_models/tokenizer_utils.py, load_bpe_file) skips lines it cannot
// parse with a warning; we refuse them with an error naming the line, because a skipped
// line silently shifts every later id.
// Documentation: Documentation/08-Tokenizer.md

enum RanksFile {
    /// The longest token accepted, in bytes. Llama 3's longest is 128 bytes; eight times
    /// that leaves room for other vocabularies while bounding the work per token: deriving
    /// a token's merge (`ggufVocabulary`) and each rank lookup while merging take time in
    /// the token's length.
    static let maximumTokenLength = 1024

    /// Parses a whole `tokenizer.model` and appends Meta's special tokens after the base
    /// vocabulary.
    ///
    /// Blank lines are skipped, as Meta's loader does; `\r\n` line ends are accepted.
    /// - Parameters:
    ///   - contents: the file's bytes.
    ///   - source: the file name used in errors.
    /// - Returns: the vocabulary, base tokens first, then `Llama3SpecialTokens.names`.
    /// - Throws: `TokenizerError` naming `source` and the 1-based line of the first bad
    ///   line: bad base64, a token longer than `maximumTokenLength`, a missing or
    ///   non-numeric rank, a rank out of order, a duplicate token; or `emptyRanksFile`,
    ///   `missingByteToken`.
    /// - Complexity: O(n) in the file size.
    static func parse(_ contents: UnsafeRawBufferPointer, source: String) throws -> TokenTable {
        let end = contents.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(end)  // base64 is 4/3 the size of what it encodes
        var offsets = [0]
        var lines: [Int] = []
        var lineNumber = 0
        var position = 0
        while position < end {
            lineNumber += 1
            var lineEnd = position
            while lineEnd < end, contents[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            let nextLine = lineEnd + 1
            defer { position = nextLine }
            // The fields, separated by runs of spaces or tabs (Python's `line.split()`).
            var fields: [Range<Int>] = []
            var index = position
            while index < lineEnd, fields.count < 3 {
                while index < lineEnd, isSpace(contents[index]) { index += 1 }
                let fieldStart = index
                while index < lineEnd, !isSpace(contents[index]) { index += 1 }
                if index > fieldStart { fields.append(fieldStart..<index) }
            }
            if fields.isEmpty { continue }
            guard Base64.decode(UnsafeRawBufferPointer(rebasing: contents[fields[0]]), appendingTo: &bytes)
            else { throw TokenizerError.invalidBase64(source: source, line: lineNumber) }
            let length = bytes.count - offsets[offsets.count - 1]
            guard length <= maximumTokenLength else {
                throw TokenizerError.tokenTooLong(source: source, line: lineNumber, length: length, limit: maximumTokenLength)
            }
            guard fields.count >= 2 else { throw TokenizerError.missingRank(source: source, line: lineNumber) }
            let expected = offsets.count - 1
            guard fields.count == 2, let rank = parseRank(contents, fields[1]) else {
                let rest = String(decoding: UnsafeRawBufferPointer(rebasing: contents[fields[1].lowerBound..<lineEnd]), as: UTF8.self)
                throw TokenizerError.invalidRank(
                    source: source, line: lineNumber,
                    found: TokenizerError.excerpt(rest.trimmingTrailing(while: { $0 == "\r" || $0 == " " || $0 == "\t" })))
            }
            guard rank == expected else {
                throw TokenizerError.rankOutOfOrder(source: source, line: lineNumber, expected: expected, found: rank)
            }
            offsets.append(bytes.count)
            lines.append(lineNumber)
        }
        let baseCount = offsets.count - 1
        guard baseCount > 0 else { throw TokenizerError.emptyRanksFile(source: source) }
        for name in Llama3SpecialTokens.names {
            bytes.append(contentsOf: name.utf8)
            offsets.append(bytes.count)
        }
        let table = try TokenTable(bytes: bytes, offsets: offsets, isMergeable: { $0 < baseCount }) { id, firstID in
            throw TokenizerError.duplicateToken(source: source, line: lines[id], firstRank: firstID)
        }
        // Byte-pair merging starts from single bytes, so each must be a token.
        for byte in UInt8.min...UInt8.max {
            var value = byte
            if table.rank(&value, length: 1) == TokenTable.noRank {
                throw TokenizerError.missingByteToken(source: source, byte: byte)
            }
        }
        return table
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    /// A decimal rank that fits an `Int32` token id, or nil.
    private static func parseRank(_ contents: UnsafeRawBufferPointer, _ field: Range<Int>) -> Int? {
        var value = 0
        for index in field {
            let digit = Int(contents[index]) - Int(UInt8(ascii: "0"))
            guard (0...9).contains(digit) else { return nil }
            value = value * 10 + digit
            // Leave room for the special tokens after the base vocabulary.
            guard value <= Int(Int32.max) - Llama3SpecialTokens.count else { return nil }
        }
        return value
    }
}

extension String {
    fileprivate func trimmingTrailing(while predicate: (Character) -> Bool) -> String {
        var result = self
        while let last = result.last, predicate(last) { result.removeLast() }
        return result
    }
}
