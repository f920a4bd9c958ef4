// A cache of byte-pair merge results, shared by all encode calls of one tokenizer.
// The same words recur all through a text, and merging a piece costs a few dozen hash
// lookups, while the cache costs one. tiktoken keeps no such cache.
// Documentation: Documentation/08-Tokenizer.md

import Foundation

/// Maps the bytes of a short piece to the ids byte-pair merging gives it. Thread-safe.
///
/// A direct-mapped table of 64-byte slots (one cache line each) in one block of memory: a
/// piece can only live in the slot its hash picks, and a newer piece simply overwrites an
/// older one. So a lookup or a store never allocates, memory stays fixed (2 MB), and text
/// where nothing repeats (random characters) costs no more than a miss per piece.
final class MergeCache: @unchecked Sendable {
    /// Longer pieces are merged every time: they are rare and repeat little.
    static let maximumPieceLength = 22
    /// Pieces that merge into more ids are not cached (they are mostly stray bytes).
    static let maximumIDCount = 8

    // Slot layout, in bytes: hash (8), piece length (1; 0 = empty), id count (1),
    // piece bytes (22), ids (8 x Int32).
    private static let slotCount = 32768
    private static let pieceOffset = 10
    private static let idsOffset = 32
    private static let slotStride = 64

    private let slots: UnsafeMutableRawPointer
    private let lock = NSLock()

    init() {
        let size = Self.slotCount * Self.slotStride
        slots = .allocate(byteCount: size, alignment: Self.slotStride)
        slots.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    }

    deinit {
        slots.deallocate()
    }

    private func slot(for hash: UInt64) -> UnsafeMutableRawPointer {
        slots + Int(truncatingIfNeeded: hash & UInt64(Self.slotCount - 1)) * Self.slotStride
    }

    /// Appends the cached ids of `piece` to `output` and returns true, or returns false.
    /// - Parameter hash: `hashBytes` of the piece, which must be at most
    ///   `maximumPieceLength` bytes.
    func lookUp(_ piece: UnsafeBufferPointer<UInt8>, hash: UInt64, into output: inout [Int32]) -> Bool {
        guard let bytes = piece.baseAddress else { return false }
        guard piece.count <= Self.maximumPieceLength else { return false }
        let slot = slot(for: hash)
        lock.lock()
        defer { lock.unlock() }
        guard slot.load(fromByteOffset: 8, as: UInt8.self) == piece.count,
            slot.load(as: UInt64.self) == hash,
            memcmpEqual((slot + Self.pieceOffset).assumingMemoryBound(to: UInt8.self), bytes, piece.count)
        else { return false }
        let count = Int(slot.load(fromByteOffset: 9, as: UInt8.self))
        let ids = (slot + Self.idsOffset).assumingMemoryBound(to: Int32.self)
        output.append(contentsOf: UnsafeBufferPointer(start: ids, count: count))
        return true
    }

    /// Remembers that `piece` merges to `ids`.
    /// - Parameters:
    ///   - piece: at most `maximumPieceLength` bytes.
    ///   - hash: `hashBytes` of the piece.
    ///   - ids: the piece's ids; more than `maximumIDCount` are not stored.
    func store(_ piece: UnsafeBufferPointer<UInt8>, hash: UInt64, ids: ArraySlice<Int32>) {
        guard let bytes = piece.baseAddress, piece.count <= Self.maximumPieceLength, ids.count <= Self.maximumIDCount
        else { return }
        let slot = slot(for: hash)
        lock.lock()
        defer { lock.unlock() }
        // The hash's low bits chose the slot; the whole hash and the bytes confirm a hit.
        slot.storeBytes(of: hash, as: UInt64.self)
        slot.storeBytes(of: UInt8(piece.count), toByteOffset: 8, as: UInt8.self)
        slot.storeBytes(of: UInt8(ids.count), toByteOffset: 9, as: UInt8.self)
        (slot + Self.pieceOffset).copyMemory(from: bytes, byteCount: piece.count)
        ids.withUnsafeBytes { source in
            if let source = source.baseAddress { (slot + Self.idsOffset).copyMemory(from: source, byteCount: ids.count * 4) }
        }
    }
}
