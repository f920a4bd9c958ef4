// Bounds-checked reads of little-endian integers and byte ranges from a file's bytes: every
// length, offset and count read from a file goes through here before it is used.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset`, or `nil` when it would reach past the end.
    func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size else { return nil }
        return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// `offset ..< offset + length` when it lies inside these bytes (no overflow), else `nil`.
    func range(at offset: Int, length: Int) -> Range<Int>? {
        guard offset >= 0, length >= 0 else { return nil }
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, end <= count else { return nil }
        return offset..<end
    }

    /// The bytes in `range`, which the caller has checked with `range(at:length:)`.
    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[range])
    }
}
