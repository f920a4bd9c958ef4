// Byte-pair merging of a long piece in O(n log n): the same merges in the same order as
// the flat-array algorithm (which is what tiktoken runs), found with a priority queue.
// tiktoken's own comment on `byte_pair_merge` suggests this ("We could do something with a
// heap and do O(m log n) work"); it matters for pathological input such as a 100,000-letter
// word, which costs the quadratic algorithm billions of steps.
// Documentation: Documentation/08-Tokenizer.md

extension TokenTable {
    /// Pieces at least this long are merged with `bytePairMergeLong`.
    static let longPieceLength = 256

    /// Appends the token ids of `piece` (at least 2 bytes) to `output`, choosing merges
    /// exactly as `bytePairMerge`: the lowest rank first, the leftmost on a tie.
    ///
    /// Parts are a linked list named by their first byte's offset; the queue holds
    /// `(rank, start)` pairs, ordered like that rule, and entries made stale by a merge
    /// are skipped when they come up.
    /// - Parameters:
    ///   - piece: the bytes to merge.
    ///   - limit: only tokens ranked below it are made (deriving a token's merge runs BPE
    ///     with the tokens ranked below the token itself); all of them by default.
    ///   - output: receives the ids.
    /// - Complexity: O(n log n) for a piece of n bytes.
    func bytePairMergeLong(_ piece: UnsafeBufferPointer<UInt8>, ranksBelow limit: UInt32 = TokenTable.noRank,
                           into output: inout [Int32]) {
        guard let bytes = piece.baseAddress else { return }
        let count = piece.count
        // Each part makes one queue entry at first and each merge at most two more, and
        // there are fewer merges than bytes.
        withUnsafeTemporaryAllocation(of: LongMergePart.self, capacity: count) { parts in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 3 * count) { queueStorage in
                var queue = MinimumQueue(storage: queueStorage, ranksBelow: limit)
                for start in 0..<count {
                    let rank = start + 1 < count ? self.rank(bytes + start, length: 2) : TokenTable.noRank
                    parts[start] = LongMergePart(next: start + 1, previous: start - 1, rank: rank)
                    queue.push(rank: rank, start: start)
                }
                while let (mergeRank, start) = queue.pop() {
                    // Skip entries made stale by an earlier merge.
                    guard parts[start].next >= 0, parts[start].rank == mergeRank else { continue }
                    // Merge part `start` with the part after it.
                    let removed = parts[start].next
                    let after = parts[removed].next
                    parts[removed].next = -1
                    parts[start].next = after
                    if after < count { parts[after].previous = start }
                    // The new pairs: (merged part, part after) and (part before, merged part).
                    let rank = after < count ? self.rank(bytes + start, length: parts[after].next - start) : TokenTable.noRank
                    parts[start].rank = rank
                    queue.push(rank: rank, start: start)
                    let before = parts[start].previous
                    if before >= 0 {
                        let beforeRank = self.rank(bytes + before, length: after - before)
                        parts[before].rank = beforeRank
                        queue.push(rank: beforeRank, start: before)
                    }
                }
                var start = 0
                while start < count {
                    let next = parts[start].next
                    let id = self.rank(bytes + start, length: next - start)
                    if id != TokenTable.noRank { output.append(Int32(truncatingIfNeeded: id)) }
                    start = next
                }
            }
        }
    }
}

/// A part of a long piece, named by the offset of its first byte.
struct LongMergePart {
    /// The start of the part after this one (the piece's length for the last part), or -1
    /// once this part has been merged into the one before it.
    var next: Int
    /// The start of the part before this one, or -1.
    var previous: Int
    /// The rank of merging this part with the next one.
    var rank: UInt32
}

/// A binary min-heap of `(rank, start)` packed into one `UInt64`, so that comparing keys
/// compares the rank first and the position second, the order of tiktoken's scan.
struct MinimumQueue {
    private let keys: UnsafeMutableBufferPointer<UInt64>
    private let limit: UInt32
    private var count = 0

    /// - Parameters:
    ///   - storage: room for every key that will be pushed.
    ///   - limit: pairs of this rank or above are never merged.
    init(storage: UnsafeMutableBufferPointer<UInt64>, ranksBelow limit: UInt32 = TokenTable.noRank) {
        keys = storage
        self.limit = limit
    }

    /// Adds a pair; pairs that are not tokens (`TokenTable.noRank`), or not below the
    /// limit, are never merged and are left out.
    @inline(__always)
    mutating func push(rank: UInt32, start: Int) {
        guard rank < limit else { return }
        let key = UInt64(rank) << 32 | UInt64(start)
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard key < keys[parent] else { break }
            keys[child] = keys[parent]
            child = parent
        }
        keys[child] = key
    }

    /// Removes and returns the pair of lowest rank, leftmost first.
    @inline(__always)
    mutating func pop() -> (rank: UInt32, start: Int)? {
        guard count > 0 else { return nil }
        let first = keys[0]
        count -= 1
        let last = keys[count]
        // Sift `last` down from the root.
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count, keys[child + 1] < keys[child] { child += 1 }
            guard keys[child] < last else { break }
            keys[parent] = keys[child]
            parent = child
        }
        if count > 0 { keys[parent] = last }
        return (UInt32(first >> 32), Int(first & 0xFFFF_FFFF))
    }
}
