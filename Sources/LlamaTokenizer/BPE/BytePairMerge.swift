// Byte-pair merging of one piece, the same algorithm as tiktoken's `byte_pair_merge`
// (src/lib.rs): start from single bytes and repeatedly merge the adjacent pair whose
// merged bytes have the lowest rank, the leftmost one on a tie, until no pair is a token.
// Ranks are looked up by the merged bytes (not by a pair of ids), exactly as tiktoken does.
// Documentation: Documentation/08-Tokenizer.md

/// One part of a piece being merged: where it starts, and the rank of the token that
/// merging it with the next part would make (`TokenTable.noRank` if none).
struct MergePart {
    var start: Int
    var rank: UInt32
}

extension TokenTable {
    /// Appends the token ids of `piece` (at least 2 bytes, not itself a token) to `output`.
    ///
    /// - Parameters:
    ///   - piece: the bytes of one pre-tokenizer piece.
    ///   - parts: scratch storage, reused between calls to avoid allocating.
    ///   - output: receives the ids.
    /// - Complexity: O(n·m) for n bytes and m merges, like tiktoken: every merge rescans
    ///   the parts for the minimum. Pieces are short, where a flat array beats a heap.
    func bytePairMerge(_ piece: UnsafeBufferPointer<UInt8>, parts: inout [MergePart], into output: inout [Int32]) {
        guard let bytes = piece.baseAddress else { return }
        let count = piece.count
        parts.removeAll(keepingCapacity: true)
        var minRank = TokenTable.noRank
        var minIndex = 0
        for index in 0..<(count - 1) {
            let rank = rank(bytes + index, length: 2)
            if rank < minRank {
                minRank = rank
                minIndex = index
            }
            parts.append(MergePart(start: index, rank: rank))
        }
        parts.append(MergePart(start: count - 1, rank: TokenTable.noRank))
        parts.append(MergePart(start: count, rank: TokenTable.noRank))

        parts.withUnsafeMutableBufferPointer { parts in
            var partCount = parts.count
            // The rank of merging parts i, i+1 and i+2 into one token, looked up before
            // part i+1 is removed (hence i+3 is the end of the would-be token).
            func mergedRank(_ index: Int) -> UInt32 {
                guard index + 3 < partCount else { return TokenTable.noRank }
                let start = parts[index].start
                return rank(bytes + start, length: parts[index + 3].start - start)
            }
            // doc: bpe-merge-loop
            while minRank != TokenTable.noRank {
                let index = minIndex
                if index > 0 { parts[index - 1].rank = mergedRank(index - 1) }
                parts[index].rank = mergedRank(index)
                // Remove part index+1 by sliding the rest down.
                var move = index + 1
                while move + 1 < partCount {
                    parts[move] = parts[move + 1]
                    move += 1
                }
                partCount -= 1

                minRank = TokenTable.noRank
                for scan in 0..<(partCount - 1) where parts[scan].rank < minRank {
                    minRank = parts[scan].rank
                    minIndex = scan
                }
            }
            // doc: end
            // Every remaining part is a single byte or a merge that was found to be a
            // token. Only a byte with no token of its own (possible in a GGUF vocabulary)
            // finds none, and is left out.
            for index in 0..<(partCount - 1) {
                let start = parts[index].start
                let id = rank(bytes + start, length: parts[index + 1].start - start)
                if id != TokenTable.noRank { output.append(Int32(truncatingIfNeeded: id)) }
            }
        }
    }
}
