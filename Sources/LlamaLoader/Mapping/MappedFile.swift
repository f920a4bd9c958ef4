// A whole file mapped read-only into memory, so tensors can view a checkpoint's bytes
// without copying them. Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only `mmap` of a whole file.
///
/// Mapping costs no reading: the operating system pages bytes in when they are first
/// touched, and may drop them again under memory pressure because the file itself backs
/// them. Opening a 16 GB checkpoint therefore takes milliseconds, and a weight that is
/// never used is never read. Tensors borrow regions of `bytes` and keep the `MappedFile`
/// alive (see `TensorStorage(borrowing:keepingAlive:)`), so the mapping lasts exactly as
/// long as anything uses it.
///
/// The file must not be truncated while mapped: touching a page past the new end raises
/// `SIGBUS`, which no file format check can prevent.
public final class MappedFile: @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable and the memory is mapped
    // read-only, so sharing across threads is safe.

    /// The file that is mapped.
    public let url: URL
    /// The file's size in bytes when it was mapped.
    public let byteCount: Int
    private let base: UnsafeRawPointer?

    /// Maps `url` read-only.
    /// - Throws: `LoaderError.cannotOpen` when the file is missing, is not a regular file,
    ///   cannot be read or cannot be mapped.
    public init(url: URL) throws {
        self.url = url
        let name = url.lastPathComponent
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait, forever, for a
        // writer; this way it opens at once and fstat below refuses it. (The flag changes
        // nothing for a regular file.)
        let descriptor = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw LoaderError.cannotOpen(file: name, reason: "\(Self.systemError()) (\(url.path))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw LoaderError.cannotOpen(file: name, reason: Self.systemError())
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw LoaderError.cannotOpen(
                file: name, reason: "\(AtomicFileWriter.fileKind(info.st_mode)), not a regular file (\(url.path))")
        }
        let size = Int(info.st_size)
        self.byteCount = size
        if size == 0 {
            // mmap refuses a length of 0; an empty file is an empty buffer.
            self.base = nil
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw LoaderError.cannotOpen(file: name, reason: "mmap failed: \(Self.systemError())")
        }
        self.base = UnsafeRawPointer(address)
    }

    /// The whole file, read-only. Valid while this object is alive.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: byteCount)
    }

    /// How the mapping is about to be read, so the kernel can page ahead (or not).
    public enum AccessPattern: Sendable {
        /// The default: read around each page that is touched.
        case normal
        /// Scattered small reads: bring in only the pages touched. Without this, each
        /// touch may read megabytes around it (`read_ahead_kb`, 8 MB on some disks).
        case random
        /// Front to back: read far ahead.
        case sequential
        /// Everything soon: start reading the whole file in the background now.
        case willNeed
    }

    /// Tells the kernel how the mapping will be read (`madvise`). Only a hint: it never
    /// changes what is read, and failures are ignored.
    public func advise(_ pattern: AccessPattern) {
        guard let base else { return }
        let advice: Int32
        switch pattern {
        case .normal: advice = MADV_NORMAL
        case .random: advice = MADV_RANDOM
        case .sequential: advice = MADV_SEQUENTIAL
        case .willNeed: advice = MADV_WILLNEED
        }
        _ = madvise(UnsafeMutableRawPointer(mutating: base), byteCount, advice)
    }

    deinit {
        if let base {
            munmap(UnsafeMutableRawPointer(mutating: base), byteCount)
        }
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
