// The byte layout of zip's end records, central directory and local headers (with zip64),
// each field checked against the file size before it is trusted.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

/// Reads the directory of a zip archive from its bytes (the zip specification, APPNOTE.TXT).
struct ZipDirectoryReader {
    let bytes: UnsafeRawBufferPointer
    let fileName: String

    // Record signatures and fixed sizes.
    private static let endSignature: UInt32 = 0x0605_4B50
    private static let endSize = 22
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64LocatorSize = 20
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64EndSize = 56
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let centralSize = 46
    private static let localSignature: UInt32 = 0x0403_4B50
    private static let localSize = 30
    private static let zip64ExtraID: UInt16 = 0x0001
    /// The largest comment an end record can carry: where to stop searching backwards.
    private static let maxCommentLength = 0xFFFF

    /// Where the central directory lies and how many entries it holds.
    private struct Directory {
        var offset: Int
        var size: Int
        var count: Int
    }

    func readEntries() throws -> [ZipArchive.Entry] {
        let directory = try findDirectory()
        var entries: [ZipArchive.Entry] = []
        entries.reserveCapacity(directory.count)
        var offset = directory.offset
        let end = directory.offset + directory.size
        for _ in 0..<directory.count {
            let (entry, next) = try readCentralEntry(at: offset, directoryEnd: end)
            entries.append(entry)
            offset = next
        }
        return entries
    }

    // MARK: End of central directory

    private func findDirectory() throws -> Directory {
        guard bytes.count > 0 else { throw invalid("the file is empty") }
        if bytes.count >= 2, bytes[0] == 0x80, bytes[1] <= 5 {
            // A pickle protocol header at the very start: torch.save's legacy format.
            throw invalid("expected a zip archive, found a bare pickle (the legacy torch.save format, from _use_new_zipfile_serialization=False; re-save it with a current torch)")
        }
        guard bytes.count >= Self.endSize else {
            throw invalid("expected at least \(Self.endSize) bytes, found \(bytes.count)")
        }
        let endOffset = try findEndRecord()
        func field<T: FixedWidthInteger>(_ type: T.Type, _ at: Int) -> T {
            // Inside the record found above, which lies inside the file.
            bytes.littleEndian(type, at: endOffset + at) ?? 0
        }
        let disk = field(UInt16.self, 4), directoryDisk = field(UInt16.self, 6)
        let countOnDisk = field(UInt16.self, 8), count = field(UInt16.self, 10)
        let size = field(UInt32.self, 12), offset = field(UInt32.self, 16)

        // Any field at its maximum means the real value is in the zip64 record.
        let needsZip64 = count == 0xFFFF || countOnDisk == 0xFFFF || size == 0xFFFF_FFFF
            || offset == 0xFFFF_FFFF || disk == 0xFFFF || directoryDisk == 0xFFFF
        let locatorOffset = endOffset - Self.zip64LocatorSize
        if locatorOffset >= 0, bytes.littleEndian(UInt32.self, at: locatorOffset) == Self.zip64LocatorSignature {
            return try readZip64End(locatorOffset: locatorOffset)
        }
        guard !needsZip64 else {
            throw invalid("the end record points to a zip64 record, found no zip64 locator before it")
        }
        guard disk == 0, directoryDisk == 0, countOnDisk == count else {
            throw invalid("expected a single-disk archive, found disk \(disk) of a multi-disk archive")
        }
        return try checkedDirectory(offset: UInt64(offset), size: UInt64(size), count: UInt64(count))
    }

    /// The offset of the end-of-central-directory record: its signature, searched backwards
    /// from the end (it is followed only by a comment of up to 65,535 bytes).
    private func findEndRecord() throws -> Int {
        let lastCandidate = bytes.count - Self.endSize
        let firstCandidate = max(0, lastCandidate - Self.maxCommentLength)
        var offset = lastCandidate
        while offset >= firstCandidate {
            if bytes.littleEndian(UInt32.self, at: offset) == Self.endSignature,
               let commentLength = bytes.littleEndian(UInt16.self, at: offset + 20),
               offset + Self.endSize + Int(commentLength) <= bytes.count {
                return offset
            }
            offset -= 1
        }
        throw invalid("expected an end-of-central-directory record in the last \(bytes.count - firstCandidate) bytes, found none (truncated, or not a zip archive)")
    }

    private func readZip64End(locatorOffset: Int) throws -> Directory {
        guard let recordOffset = bytes.littleEndian(UInt64.self, at: locatorOffset + 8),
              let totalDisks = bytes.littleEndian(UInt32.self, at: locatorOffset + 16) else {
            throw invalid("truncated zip64 locator")
        }
        guard totalDisks <= 1 else {
            throw invalid("expected a single-disk archive, found \(totalDisks) disks")
        }
        guard recordOffset <= UInt64(Int.max), let at = bytes.range(at: Int(recordOffset), length: Self.zip64EndSize)?.lowerBound,
              bytes.littleEndian(UInt32.self, at: at) == Self.zip64EndSignature else {
            throw invalid("expected a zip64 end record at offset \(recordOffset), found none")
        }
        func field<T: FixedWidthInteger>(_ type: T.Type, _ offset: Int) -> T {
            bytes.littleEndian(type, at: at + offset) ?? 0  // inside the range checked above
        }
        let countOnDisk = field(UInt64.self, 24), count = field(UInt64.self, 32)
        guard field(UInt32.self, 16) == 0, field(UInt32.self, 20) == 0, countOnDisk == count else {
            throw invalid("expected a single-disk archive, found a multi-disk zip64 record")
        }
        return try checkedDirectory(offset: field(UInt64.self, 48), size: field(UInt64.self, 40), count: count)
    }

    private func checkedDirectory(offset: UInt64, size: UInt64, count: UInt64) throws -> Directory {
        guard offset <= UInt64(Int.max), size <= UInt64(Int.max),
              bytes.range(at: Int(offset), length: Int(size)) != nil else {
            throw invalid("the central directory (\(size) bytes at offset \(offset)) runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        // Each entry takes at least 46 bytes, which bounds a lying count before we reserve.
        guard count <= size / UInt64(Self.centralSize) else {
            throw invalid("a \(size)-byte central directory cannot hold \(count) entries")
        }
        return Directory(offset: Int(offset), size: Int(size), count: Int(count))
    }

    // MARK: Central directory and local headers

    private func readCentralEntry(at offset: Int, directoryEnd: Int) throws -> (ZipArchive.Entry, next: Int) {
        guard let header = bytes.range(at: offset, length: Self.centralSize), header.upperBound <= directoryEnd,
              bytes.littleEndian(UInt32.self, at: offset) == Self.centralSignature else {
            throw invalid("expected a central directory entry at offset \(offset), found none")
        }
        func field<T: FixedWidthInteger>(_ type: T.Type, _ at: Int) -> T {
            bytes.littleEndian(type, at: offset + at) ?? 0  // inside the header checked above
        }
        let flags = field(UInt16.self, 8), method = field(UInt16.self, 10), crc = field(UInt32.self, 16)
        var compressedSize = UInt64(field(UInt32.self, 20))
        var uncompressedSize = UInt64(field(UInt32.self, 24))
        let nameLength = Int(field(UInt16.self, 28)), extraLength = Int(field(UInt16.self, 30))
        let commentLength = Int(field(UInt16.self, 32))
        var localOffset = UInt64(field(UInt32.self, 42))
        let variableLength = nameLength + extraLength + commentLength
        guard let variable = bytes.range(at: header.upperBound, length: variableLength),
              variable.upperBound <= directoryEnd else {
            throw invalid("the central directory entry at offset \(offset) runs past the directory's end")
        }
        let nameRange = header.upperBound..<(header.upperBound + nameLength)
        let name = String(decoding: bytes.slice(nameRange), as: UTF8.self)
        let extra = bytes.slice(nameRange.upperBound..<(nameRange.upperBound + extraLength))

        // zip64: each 32-bit field at its maximum is replaced, in this order, by a 64-bit
        // value in the zip64 extra field.
        if uncompressedSize == 0xFFFF_FFFF || compressedSize == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
            var values = try zip64Values(in: extra, entry: name)
            func next() throws -> UInt64 {
                guard !values.isEmpty else { throw invalid("entry \(name): zip64 extra field too short") }
                return values.removeFirst()
            }
            if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try next() }
            if compressedSize == 0xFFFF_FFFF { compressedSize = try next() }
            if localOffset == 0xFFFF_FFFF { localOffset = try next() }
        }
        guard flags & 0x1 == 0 else {
            throw LoaderError.unsupportedEntry(file: fileName, entry: name, reason: "the entry is encrypted")
        }
        let dataRange = try localDataRange(localOffset: localOffset, compressedSize: compressedSize,
                                           nameLength: nameLength, entry: name)
        guard method != 0 || compressedSize == uncompressedSize, uncompressedSize <= UInt64(Int.max) else {
            throw invalid("stored entry \(name): compressed size \(compressedSize) differs from size \(uncompressedSize)")
        }
        let entry = ZipArchive.Entry(name: name, compressionMethod: method, crc32: crc,
                                     uncompressedSize: Int(uncompressedSize), dataRange: dataRange)
        return (entry, variable.upperBound)
    }

    private func zip64Values(in extra: UnsafeRawBufferPointer, entry: String) throws -> [UInt64] {
        var offset = 0
        while let id = extra.littleEndian(UInt16.self, at: offset),
              let size = extra.littleEndian(UInt16.self, at: offset + 2) {
            guard let body = extra.range(at: offset + 4, length: Int(size)) else { break }
            if id == Self.zip64ExtraID {
                return stride(from: body.lowerBound, to: body.upperBound - 7, by: 8).compactMap {
                    extra.littleEndian(UInt64.self, at: $0)
                }
            }
            offset = body.upperBound
        }
        throw invalid("entry \(entry): expected a zip64 extra field, found none")
    }

    /// Where an entry's data begins: after its local header, whose name and extra-field
    /// lengths may differ from the central directory's (torch pads the local extra field so
    /// that the data is 64-byte aligned).
    private func localDataRange(localOffset: UInt64, compressedSize: UInt64, nameLength: Int,
                                entry: String) throws -> Range<Int> {
        guard localOffset <= UInt64(Int.max), let header = bytes.range(at: Int(localOffset), length: Self.localSize),
              bytes.littleEndian(UInt32.self, at: header.lowerBound) == Self.localSignature,
              let localNameLength = bytes.littleEndian(UInt16.self, at: header.lowerBound + 26),
              let localExtraLength = bytes.littleEndian(UInt16.self, at: header.lowerBound + 28) else {
            throw invalid("entry \(entry): expected a local header at offset \(localOffset), found none")
        }
        guard Int(localNameLength) == nameLength else {
            throw invalid("entry \(entry): the local header's name length \(localNameLength) differs from the directory's \(nameLength)")
        }
        let dataStart = header.upperBound + Int(localNameLength) + Int(localExtraLength)
        guard compressedSize <= UInt64(Int.max),
              let range = bytes.range(at: dataStart, length: Int(compressedSize)) else {
            throw invalid("entry \(entry): its \(compressedSize) bytes at offset \(dataStart) run past the end of the \(bytes.count)-byte file (truncated?)")
        }
        return range
    }

    private func invalid(_ reason: String) -> LoaderError {
        .invalidArchive(file: fileName, reason: reason)
    }
}
