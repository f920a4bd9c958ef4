// How one KV head's cached keys are laid out in blocks of eight positions, for the
// attention scores. Explained in Documentation/11-Attention-and-the-KV-Cache.md.

/// How one KV head's cached keys are laid out for `attentionScores`: blocks of eight
/// consecutive positions, each block dimension-major. Element `i` of the keys of positions
/// `8b ..< 8b + 8` are eight consecutive floats, so one `SIMD8` load gives dimension `i` of
/// eight keys, and one multiply-add per query head advances eight scores at once.
///
/// Why not one key after another (`[position][headDim]`)? A dot product of two rows ends
/// in a horizontal sum and scattered scalar stores, per key; with keys in rows, the scores
/// cost about 1.2 instructions per multiply-add on SSE2. In blocks they come out as whole
/// vectors, about 0.8, and the 1B shape's score loop (four query heads per KV head, 64
/// dimensions) takes about 0.7 of the time per key, in cache or from memory.
package enum KeyBlocks {
    /// Positions per block: one `SIMD8` of scores.
    package static let positions = 8

    /// Floats taken by one head's keys for `capacity` positions: whole blocks.
    package static func floats(capacity: Int, headDim: Int) -> Int {
        (capacity + positions - 1) / positions * positions * headDim
    }

    /// Where element `dimension` of `position`'s key lives, counted in floats from the
    /// head's first key.
    @inlinable
    package static func index(position: Int, dimension: Int, headDim: Int) -> Int {
        (position / positions) * positions * headDim + dimension * positions + position % positions
    }

    /// Copies one position's key (`headDim` floats) into its place among `keys`.
    package static func store(_ key: UnsafePointer<Float>, position: Int, headDim: Int,
                             into keys: UnsafeMutablePointer<Float>) {
        let first = keys + index(position: position, dimension: 0, headDim: headDim)
        for i in 0..<headDim { first[i * positions] = key[i] }
    }
}
