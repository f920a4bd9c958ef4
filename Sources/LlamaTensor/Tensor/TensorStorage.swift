// Where a tensor's bytes live: memory we own, or a region of a memory mapping that we
// borrow and keep alive. Explained in Documentation/07-Tensors.md.

import Foundation

/// The bytes behind one or more tensors.
///
/// Either owned (allocated here, 64-byte aligned, zero-filled, freed with the storage) or
/// borrowed: a region of someone else's memory, typically a read-only `mmap` of a
/// checkpoint, together with the object that owns that memory. Holding the owner keeps the
/// mapping alive for as long as any tensor views it, which is what makes loading zero-copy
/// and safe.
public final class TensorStorage: @unchecked Sendable {
    // @unchecked Sendable: the bytes are only written through `mutableBytes`, by code that
    // owns the tensor (activation buffers); borrowed storage is read-only.

    /// The first byte.
    public let baseAddress: UnsafeRawPointer
    /// The number of bytes.
    public let byteCount: Int
    /// Keeps borrowed memory alive (for example a `MappedFile`); `nil` when owned.
    public let owner: AnyObject?
    private let allocation: UnsafeMutableRawPointer?

    /// Allocates `byteCount` zero-filled bytes, aligned to 64 bytes (a cache line).
    public init(byteCount: Int) {
        precondition(byteCount >= 0, "negative byte count")
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        self.allocation = memory
        self.baseAddress = UnsafeRawPointer(memory)
        self.byteCount = byteCount
        self.owner = nil
    }

    /// Borrows `bytes`, which stay valid while `owner` is alive.
    /// - Parameters:
    ///   - bytes: The region, for example part of a memory-mapped file.
    ///   - owner: The object whose lifetime guarantees the region (retained here).
    public init(borrowing bytes: UnsafeRawBufferPointer, keepingAlive owner: AnyObject) {
        // An empty region may have a nil base address; any non-null pointer will do then.
        self.baseAddress = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 64)!
        self.byteCount = bytes.count
        self.owner = owner
        self.allocation = nil
    }

    /// Whether this storage was allocated here (and so may be written).
    public var isOwned: Bool { allocation != nil }

    /// The bytes, writable. Only owned storage can be written; borrowed storage is a
    /// read-only mapping and writing it would crash, so asking is a programming error.
    public var mutableBaseAddress: UnsafeMutableRawPointer {
        guard let allocation else {
            preconditionFailure("attempt to write borrowed (read-only) tensor storage")
        }
        return allocation
    }

    deinit {
        allocation?.deallocate()
    }
}
