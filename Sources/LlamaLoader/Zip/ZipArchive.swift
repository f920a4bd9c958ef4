// The zip container of a PyTorch checkpoint: finding the central directory and turning
// each stored entry into a byte range of the mapped file.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

/// The entries of a zip archive held in a `MappedFile`, read without copying.
///
/// `torch.save` writes a zip archive whose entries are *stored*, not compressed, and
/// aligned to 64 bytes, precisely so that a reader can use each tensor storage in place.
/// Reading one means: find the end-of-central-directory record at the end of the file
/// (and, for archives over 4 GiB, the zip64 record it points to), walk the central
/// directory, and for each entry skip its local header to where its bytes begin.
///
/// ```swift
/// let archive = try ZipArchive(file: MappedFile(url: checkpointURL))
/// archive.entries.map(\.name)   // ["consolidated/data.pkl", "consolidated/byteorder", ...]
/// ```
///
/// - Complexity: O(number of entries); no entry's data is read. Each entry's local header
///   is touched, though: see `TorchCheckpoint` for keeping that from paging in data.
public struct ZipArchive: Sendable {
    /// One file in the archive.
    public struct Entry: Sendable, Equatable {
        /// The entry's path inside the archive, for example `consolidated/data/0`.
        public let name: String
        /// 0 for stored (readable in place), 8 for deflate, ...
        public let compressionMethod: UInt16
        /// The CRC-32 that the central directory records for the uncompressed bytes.
        public let crc32: UInt32
        /// The size of the entry once uncompressed.
        public let uncompressedSize: Int
        /// Where the entry's (possibly compressed) bytes lie in the file.
        public let dataRange: Range<Int>

        /// Whether the entry is stored uncompressed, so its bytes can be used in place.
        public var isStored: Bool { compressionMethod == 0 }
    }

    /// The mapped archive.
    public let file: MappedFile
    /// The entries in central-directory order.
    public let entries: [Entry]
    private let indexByName: [String: Int]

    /// Reads the archive's directory.
    /// - Throws: `LoaderError.invalidArchive` when the file is not a zip archive (empty,
    ///   random bytes, a legacy `torch.save` pickle) or any offset or size in it points
    ///   outside the file.
    public init(file: MappedFile) throws {
        self.file = file
        let reader = ZipDirectoryReader(bytes: file.bytes, fileName: file.url.lastPathComponent)
        let entries = try reader.readEntries()
        var indexByName: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            guard indexByName.updateValue(index, forKey: entry.name) == nil else {
                throw LoaderError.invalidArchive(
                    file: file.url.lastPathComponent, reason: "entry \(entry.name) appears twice")
            }
        }
        self.entries = entries
        self.indexByName = indexByName
    }

    /// The entry called `name`, if there is one.
    public func entry(named name: String) -> Entry? {
        indexByName[name].map { entries[$0] }
    }

    /// The stored bytes of `entry`, a region of the mapping (no copy).
    /// - Throws: `LoaderError.unsupportedEntry` when the entry is compressed.
    public func bytes(of entry: Entry) throws -> UnsafeRawBufferPointer {
        guard entry.isStored else {
            throw LoaderError.unsupportedEntry(
                file: file.url.lastPathComponent, entry: entry.name,
                reason: "expected a stored (uncompressed) entry, found compression method \(entry.compressionMethod)")
        }
        return file.bytes.slice(entry.dataRange)
    }

    /// The stored bytes of `entry` after checking them against the recorded CRC-32.
    /// Meant for small entries such as `data.pkl`: it reads every byte.
    /// - Throws: `LoaderError.unsupportedEntry` (compressed) or `.invalidArchive` (mismatch).
    public func checkedBytes(of entry: Entry) throws -> UnsafeRawBufferPointer {
        let bytes = try bytes(of: entry)
        let found = CRC32.checksum(bytes)
        guard found == entry.crc32 else {
            throw LoaderError.invalidArchive(
                file: file.url.lastPathComponent,
                reason: "entry \(entry.name): expected CRC-32 \(hex(entry.crc32)), found \(hex(found))")
        }
        return bytes
    }
}

private func hex(_ value: UInt32) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
}
