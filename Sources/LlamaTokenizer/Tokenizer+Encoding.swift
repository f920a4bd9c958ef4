// Encoding: split text at special tokens (only when allowed), pre-tokenize each ordinary
// stretch, and byte-pair merge each piece. This mirrors tiktoken's `_encode_native`, and
// llama.cpp's `tokenize` for GGUF vocabularies.
// Documentation: Documentation/08-Tokenizer.md

extension Tokenizer {
    /// The token ids of `text`, as tiktoken's `Encoding.encode` with Meta's pattern (or
    /// llama.cpp's tokenizer, for a GGUF vocabulary).
    ///
    /// By default text that looks like a special token (a user typing `<|eot_id|>`) is
    /// ordinary text, as in Meta's `Tokenizer.encode` (`disallowed_special=()`), so user
    /// input can never inject control tokens. Meta's wrapper also cuts texts longer than
    /// 400,000 characters (and runs longer than 25,000) into separately encoded pieces; we
    /// do not, so long texts match tiktoken's `encode` on the whole text.
    /// - Parameters:
    ///   - text: the text to encode.
    ///   - bos: prepend `beginOfText` (`<|begin_of_text|>`), if the vocabulary has one.
    ///   - eos: append `endOfText` (`<|end_of_text|>`), if the vocabulary has one.
    ///   - allowSpecialTokens: encode the text of any special token as that token
    ///     (tiktoken's `allowed_special="all"`; the longest one wins where several start).
    /// - Returns: the ids.
    /// - Complexity: O(n log n) in the length of the text at worst; O(n) for text made of
    ///   ordinary words, which are whole tokens or in the merge cache.
    public func encode(_ text: String, bos: Bool = false, eos: Bool = false, allowSpecialTokens: Bool = false) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 2)
        if bos, let beginOfText { ids.append(beginOfText) }
        let encodeUTF8 = { (utf8: UnsafeBufferPointer<UInt8>) in
            if allowSpecialTokens {
                self.encodeAllowingSpecialTokens(utf8, into: &ids)
            } else {
                self.encodeOrdinary(utf8, into: &ids)
            }
        }
        if text.utf8.withContiguousStorageIfAvailable(encodeUTF8) == nil {
            // A bridged string that is not stored as UTF-8: copy it once.
            Array(text.utf8).withUnsafeBufferPointer(encodeUTF8)
        }
        if eos, let endOfText { ids.append(endOfText) }
        return ids
    }

    /// Encodes text in which special tokens are ordinary text.
    func encodeOrdinary(_ utf8: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        switch preTokenizer {
        case .llama3:
            var pieces = PreTokenizer(utf8)
            encodePieces(&pieces, of: utf8, into: &ids)
        case .gpt2, .smollm:
            var pieces = GPT2PreTokenizer(utf8, splitsDigits: preTokenizer == .smollm)
            encodePieces(&pieces, of: utf8, into: &ids)
        }
    }

    /// Merges each piece the pre-tokenizer finds.
    @inline(__always)
    private func encodePieces(_ pieces: inout some PieceSequence, of utf8: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        guard let base = utf8.baseAddress else { return }
        var parts: [MergePart] = []
        while let piece = pieces.next() {
            let start = base + piece.lowerBound
            let length = piece.count
            let hash = hashBytes(start, count: length)
            let bytes = UnsafeBufferPointer(start: start, count: length)
            if let mergeList {
                // A merge list decides every piece, even one that is itself a token
                // (Hugging Face's and llama.cpp's BPE without `ignore_merges`).
                if length <= MergeCache.maximumPieceLength, mergeCache.lookUp(bytes, hash: hash, into: &ids) { continue }
                let first = ids.count
                mergeList.merge(bytes, into: &ids)
                if length <= MergeCache.maximumPieceLength { mergeCache.store(bytes, hash: hash, ids: ids[first...]) }
                continue
            }
            // Most pieces (" the", "ing") are whole tokens: one lookup, as in tiktoken.
            let rank = table.rank(start, length: length, hash: hash)
            if rank != TokenTable.noRank {
                ids.append(Int32(truncatingIfNeeded: rank))
                continue
            }
            if length >= TokenTable.longPieceLength {
                table.bytePairMergeLong(bytes, into: &ids)
                continue
            }
            if length > MergeCache.maximumPieceLength {
                table.bytePairMerge(bytes, parts: &parts, into: &ids)
                continue
            }
            if mergeCache.lookUp(bytes, hash: hash, into: &ids) { continue }
            let first = ids.count
            table.bytePairMerge(bytes, parts: &parts, into: &ids)
            mergeCache.store(bytes, hash: hash, ids: ids[first...])
        }
    }

    /// Encodes text in which special tokens are recognized. Like tiktoken, the pattern runs
    /// over each stretch between special tokens on its own, so a stretch's end acts as the
    /// end of the text for the pattern's lookahead.
    func encodeAllowingSpecialTokens(_ utf8: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        var stretchStart = 0
        var index = 0
        while index < utf8.count {
            guard let (id, end) = specialTokens.match(utf8, at: index) else {
                index += 1
                continue
            }
            encodeOrdinary(UnsafeBufferPointer(rebasing: utf8[stretchStart..<index]), into: &ids)
            ids.append(id)
            index = end
            stretchStart = end
        }
        encodeOrdinary(UnsafeBufferPointer(rebasing: utf8[stretchStart...]), into: &ids)
    }
}
