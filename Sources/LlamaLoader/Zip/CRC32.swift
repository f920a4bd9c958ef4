// CRC-32 (the zip / IEEE 802.3 polynomial), to check small entries such as data.pkl.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

/// The CRC-32 checksum zip records for each entry.
enum CRC32 {
    /// One table entry per byte value: the classic byte-at-a-time algorithm, fast enough
    /// for the few kilobytes of a pickle (tensor data is never checksummed: that would
    /// read the whole checkpoint).
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
        }
        return crc
    }

    /// The CRC-32 of `bytes`.
    /// - Complexity: O(n).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return ~crc
    }
}
