// The vocabulary in memory: every token's bytes in one flat buffer, indexed by id, plus an
// open-addressing hash index from bytes to id for the mergeable tokens.
// Documentation: Documentation/08-Tokenizer.md

/// An immutable table of token byte strings.
///
/// Mergeable tokens are the ones byte-pair merging can make: the lines of `tokenizer.model`
/// (where a token's rank is its id), or a GGUF vocabulary's normal tokens. The others are
/// special tokens, stored here only so that decoding can treat every id alike. Only
/// mergeable tokens are in the hash index: special tokens never come out of merging.
///
/// The storage is raw memory owned by this object and never mutated after `init`, which is
/// what makes the `@unchecked Sendable` sound; the hot loops read it through pointers
/// without bounds checks or reference counting.
final class TokenTable: @unchecked Sendable {
    /// Number of mergeable tokens.
    let mergeableCount: Int
    /// Number of tokens, special ones included.
    let count: Int
    /// All token bytes, back to back.
    private let storage: UnsafeMutablePointer<UInt8>
    /// `offsets[id] ..< offsets[id + 1]` are the bytes of token `id` in `storage`.
    private let offsets: UnsafeMutablePointer<Int>
    /// Hash index: 0 is an empty slot, otherwise `(hash tag << 32) | (rank + 1)`.
    /// The tag (the hash's top 32 bits) rejects almost every wrong slot without touching
    /// the token bytes.
    private let slots: UnsafeMutablePointer<UInt64>
    private let slotMask: Int

    /// The sentinel rank for "no such token", as in tiktoken (`Rank::MAX`).
    static let noRank = UInt32.max

    /// Builds the table.
    ///
    /// - Parameters:
    ///   - bytes: all token bytes back to back, by id.
    ///   - offsets: `count + 1` offsets into `bytes`.
    ///   - isMergeable: whether a token id is mergeable (goes into the hash index).
    ///   - duplicate: called with the ids of the second and first occurrence when two
    ///     mergeable tokens have the same bytes; the table then keeps the first.
    init(bytes: [UInt8], offsets: [Int], isMergeable: (Int) -> Bool, duplicate: (Int, Int) throws -> Void) rethrows {
        count = offsets.count - 1
        let mergeable = (0..<count).filter(isMergeable)
        mergeableCount = mergeable.count
        storage = .allocate(capacity: max(bytes.count, 1))
        storage.initialize(from: bytes, count: bytes.count)
        self.offsets = .allocate(capacity: offsets.count)
        self.offsets.initialize(from: offsets, count: offsets.count)
        // A load factor of at most 1/2 keeps probe sequences short.
        var slotCount = 16
        while slotCount < mergeableCount * 2 { slotCount <<= 1 }
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        slotMask = slotCount - 1
        for id in mergeable {
            if let first = insert(id: id) { try duplicate(id, first) }
        }
    }

    deinit {
        storage.deallocate()
        offsets.deallocate()
        slots.deallocate()
    }

    /// Adds mergeable token `id` to the hash index; returns the id already there with the same
    /// bytes, if any.
    private func insert(id: Int) -> Int? {
        let start = storage + offsets[id]
        let length = offsets[id + 1] - offsets[id]
        let hash = hashBytes(start, count: length)
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 {
                slots[slot] = tag << 32 | UInt64(id + 1)
                return nil
            }
            if entry >> 32 == tag {
                let other = Int(entry & 0xFFFF_FFFF) - 1
                if equals(token: other, start, length) { return other }
            }
            slot = (slot + 1) & slotMask
        }
    }

    @inline(__always)
    private func equals(token id: Int, _ bytes: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        let start = offsets[id]
        guard offsets[id + 1] - start == length else { return false }
        return memcmpEqual(storage + start, bytes, length)
    }

    /// The id of the mergeable token whose bytes are `bytes[0..<length]` (its rank, when
    /// ranks are ids), or `TokenTable.noRank` when there is none.
    /// - Complexity: O(length) expected.
    @inline(__always)
    func rank(_ bytes: UnsafePointer<UInt8>, length: Int) -> UInt32 {
        rank(bytes, length: length, hash: hashBytes(bytes, count: length))
    }

    /// `rank(_:length:)` when the caller already has `hashBytes` of the bytes.
    @inline(__always)
    func rank(_ bytes: UnsafePointer<UInt8>, length: Int, hash: UInt64) -> UInt32 {
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { return Self.noRank }
            if entry >> 32 == tag {
                let id = Int(entry & 0xFFFF_FFFF) - 1
                if equals(token: id, bytes, length) { return UInt32(truncatingIfNeeded: id) }
            }
            slot = (slot + 1) & slotMask
        }
    }

    /// The bytes of token `id`, which must be in `0..<count` (callers check).
    @inline(__always)
    func bytes(of id: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage + offsets[id], count: offsets[id + 1] - offsets[id])
    }
}

/// Whether two byte ranges of equal `length` hold the same bytes.
@inline(__always)
func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
    var index = 0
    let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
    while index &+ 8 <= length {
        if rawA.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            != rawB.loadUnaligned(fromByteOffset: index, as: UInt64.self) { return false }
        index &+= 8
    }
    while index < length {
        if a[index] != b[index] { return false }
        index &+= 1
    }
    return true
}
