// A fast hash of a short byte string, for the vocabulary index and the merge cache.
// Documentation: Documentation/08-Tokenizer.md

/// Hashes `count` bytes at `bytes`. Not stable across processes or machines (it reads
/// native-endian words); only used for in-memory tables.
///
/// Pieces are a few bytes long, so this reads 8 bytes at a time and mixes with two
/// multiplies (in the spirit of SplitMix64) instead of Swift's seeded SipHash, which costs
/// several times more per lookup.
/// - Complexity: O(count).
@inline(__always)
func hashBytes(_ bytes: UnsafePointer<UInt8>, count: Int) -> UInt64 {
    var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: count &+ 1)
    var index = 0
    let raw = UnsafeRawPointer(bytes)
    while index &+ 8 <= count {
        let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 31
        index &+= 8
    }
    if index < count {
        var word: UInt64 = 0
        var shift: UInt64 = 0
        while index < count {
            word |= UInt64(bytes[index]) << shift
            shift &+= 8
            index &+= 1
        }
        hash = (hash ^ word) &* 0x94D0_49BB_1331_11EB
    }
    return hash ^ (hash >> 29)
}
