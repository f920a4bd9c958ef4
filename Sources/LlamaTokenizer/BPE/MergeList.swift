// Byte-pair merging by a list of merges, as GPT-2-style vocabularies define it (Hugging
// Face's BPE model, llama.cpp's `llm_tokenizer_bpe_session`): `tokenizer.ggml.merges`
// holds lines "left right", and a pair's rank is its line number. Merging starts from
// single bytes and repeatedly merges the adjacent pair of lowest rank, the leftmost on a
// tie, until no adjacent pair is in the list.
//
// This differs from tiktoken's rule (Tokenizer for tokenizer.model), which ranks a pair
// by the token the two parts make. The two agree when the list was derived from the
// ranks, as for Llama 3; they need not agree otherwise, so a vocabulary that brings its
// own merges is merged by them.
// Documentation: Documentation/08-Tokenizer.md

/// The merges of a vocabulary: for a pair of token ids, its rank and the id it makes.
final class MergeList: Sendable {
    /// Key: `left << 32 | right`; value: `rank << 32 | merged`.
    let pairs: [UInt64: UInt64]
    /// The id of each single byte's token, or -1 for a byte with no token of its own.
    let byteTokens: [Int32]

    /// The number of merges that made it into the list.
    var count: Int { pairs.count }

    /// - Parameters:
    ///   - pairs: the merges in rank order, as token ids: the left part, the right part and
    ///     the token they make. A pair listed twice keeps its first rank, as in llama.cpp.
    ///   - byteTokens: the id of each byte's token, -1 where there is none.
    init(pairs list: [(left: Int32, right: Int32, merged: Int32)], byteTokens: [Int32]) {
        var pairs: [UInt64: UInt64] = [:]
        pairs.reserveCapacity(list.count)
        for (rank, pair) in list.enumerated() {
            let key = Self.key(pair.left, pair.right)
            if pairs[key] == nil {
                pairs[key] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: pair.merged))
            }
        }
        self.pairs = pairs
        self.byteTokens = byteTokens
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// The rank of merging `left` and `right`, or `TokenTable.noRank` when they do not
    /// merge.
    @inline(__always)
    func rank(_ left: Int32, _ right: Int32) -> UInt32 {
        guard let value = pairs[Self.key(left, right)] else { return TokenTable.noRank }
        return UInt32(truncatingIfNeeded: value >> 32)
    }

    /// The id that merging `left` and `right` makes; the pair must be in the list.
    @inline(__always)
    func merged(_ left: Int32, _ right: Int32) -> Int32 {
        Int32(truncatingIfNeeded: pairs[Self.key(left, right)] ?? UInt64(UInt32.max))
    }

    /// Appends the token ids of `piece` to `output`.
    ///
    /// The parts are a linked list over the piece's byte tokens, and a priority queue holds
    /// `(rank, index)`, so the merges come in the order of the rule above; entries made
    /// stale by an earlier merge are skipped. A byte with no token of its own is dropped
    /// before merging, as Hugging Face's BPE drops a character it has no token for (with no
    /// unknown token), so the bytes on either side of it may merge; llama.cpp instead keeps
    /// it as a part that merges with nothing, then drops it.
    /// - Complexity: O(n log n) for a piece of n bytes.
    func merge(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [Int32]) {
        guard !piece.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: ListMergePart.self, capacity: piece.count) { parts in
            var count = 0
            for byte in piece where byteTokens[Int(byte)] >= 0 {
                parts[count] = ListMergePart(id: byteTokens[Int(byte)], next: count + 1, previous: count - 1,
                                             rank: TokenTable.noRank)
                count += 1
            }
            guard count > 0 else { return }
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 3 * count) { queueStorage in
                var queue = MinimumQueue(storage: queueStorage)
                for index in 0..<(count - 1) {
                    let rank = rank(parts[index].id, parts[index + 1].id)
                    parts[index].rank = rank
                    queue.push(rank: rank, start: index)
                }
                while let (mergeRank, index) = queue.pop() {
                    guard parts[index].next >= 0, parts[index].rank == mergeRank else { continue }
                    let removed = parts[index].next
                    let after = parts[removed].next
                    parts[index].id = merged(parts[index].id, parts[removed].id)
                    parts[removed].next = -1
                    parts[index].next = after
                    if after < count { parts[after].previous = index }
                    let rank = after < count ? rank(parts[index].id, parts[after].id) : TokenTable.noRank
                    parts[index].rank = rank
                    queue.push(rank: rank, start: index)
                    let before = parts[index].previous
                    if before >= 0 {
                        let beforeRank = self.rank(parts[before].id, parts[index].id)
                        parts[before].rank = beforeRank
                        queue.push(rank: beforeRank, start: before)
                    }
                }
                var index = 0
                while index < count {
                    output.append(parts[index].id)
                    index = parts[index].next
                }
            }
        }
    }
}

/// A part of a piece being merged by the list, named by its index among the piece's
/// byte tokens.
struct ListMergePart {
    /// The token this part is.
    var id: Int32
    /// The index of the next part (the number of byte tokens for the last), or -1 once
    /// merged into the part before.
    var next: Int
    /// The index of the previous part, or -1.
    var previous: Int
    /// The rank of merging this part with the next one.
    var rank: UInt32
}

extension MergeList {
    /// The pairs, lowest rank first (to write the list back out).
    func pairsInRankOrder() -> [(left: Int32, right: Int32)] {
        pairs.sorted { $0.value < $1.value }.map { (Int32(bitPattern: UInt32($0.key >> 32)), Int32(bitPattern: UInt32($0.key & 0xFFFF_FFFF))) }
    }
}
