// Finding special tokens in text: `<|im_start|>` typed into a prompt that allows special
// tokens becomes that one token. Like Hugging Face's added-token matching and llama.cpp's
// `tokenizer_st_partition`, the longest special token that starts at a position wins,
// and the text between matches is encoded as ordinary text.
// Documentation: Documentation/08-Tokenizer.md

/// The special tokens of a vocabulary, indexed by their first byte for matching in text.
struct SpecialTokenMatcher: Sendable {
    /// One special token: its text and its id.
    struct Entry: Sendable {
        let text: [UInt8]
        let id: Int32
    }

    /// `candidates[b]`: the special tokens whose text starts with byte `b`, longest first.
    private let candidates: [[Entry]]

    /// - Parameter entries: every special token; empty texts are left out.
    init(_ entries: [Entry]) {
        var candidates = [[Entry]](repeating: [], count: 256)
        for entry in entries where !entry.text.isEmpty {
            candidates[Int(entry.text[0])].append(entry)
        }
        for index in candidates.indices {
            candidates[index].sort { $0.text.count > $1.text.count }
        }
        self.candidates = candidates
    }

    /// The longest special token whose text starts at `utf8[index]`: its id and where it
    /// ends, or nil.
    @inline(__always)
    func match(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> (id: Int32, end: Int)? {
        let list = candidates[Int(utf8[index])]
        if list.isEmpty { return nil }
        let remaining = utf8.count - index
        for entry in list where entry.text.count <= remaining {
            var offset = 1  // the first byte chose the list
            while offset < entry.text.count, entry.text[offset] == utf8[index + offset] { offset += 1 }
            if offset == entry.text.count { return (entry.id, index + offset) }
        }
        return nil
    }
}
