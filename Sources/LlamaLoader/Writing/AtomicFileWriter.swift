// Writing a file so that nothing of the user's is ever lost: a reader sees the old file or
// the whole new one, never a part, and an output never lands on one of the run's inputs.
// Explained in Documentation/17-Bad-Input.md.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Musl)
private let systemWrite = Musl.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// Writes a file atomically: into a temporary file beside the target, flushed to the disk
/// (`fsync`), then renamed over the target in one step.
///
/// Until `commit()` the old file is untouched, so an error, a full disk, a signal or a
/// crash part way leaves it exactly as it was. Two writers racing to the same target each
/// write their own temporary file, and the target ends as one of the two whole files.
///
/// Before anything is created the target is checked, after resolving symbolic links:
/// - it must not be any of the run's inputs (compared by device and inode, so a symbolic
///   link or a hard link to an input is caught too);
/// - if it exists, it must be a regular file (never a device node, a FIFO or a folder).
///
/// When the target is a symbolic link to a regular file, the file it points to is replaced
/// and the link stays.
///
/// ```swift
/// let writer = try AtomicFileWriter(replacing: out, protecting: source.inputFiles)
/// try writer.write(header)
/// try writer.commit()          // without it, the temporary file is removed
/// ```
public final class AtomicFileWriter {
    /// The file that `commit()` replaces (the requested path, symbolic links resolved).
    public let destination: URL
    /// The path as the caller gave it, for messages.
    private let requestedPath: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var slot: Int?
    private var committed = false

    /// Checks `url` against `inputs` and creates the temporary file beside it.
    /// - Parameters:
    ///   - url: The file to write. Its folder must exist.
    ///   - inputs: Files this run reads; writing over any of them is refused.
    /// - Throws: `LoaderError.unsafeOutput` when `url` is an input or exists and is not a
    ///   regular file; `LoaderError.cannotWrite` when the folder is missing or the temporary
    ///   file cannot be created (with the system's reason).
    public init(replacing url: URL, protecting inputs: [URL] = []) throws {
        requestedPath = url.path
        let target = try Self.resolveTarget(url.path)
        destination = URL(fileURLWithPath: target.path)
        if let identity = target.identity {
            for input in inputs {
                var info = stat()
                if stat(input.path, &info) == 0, FileIdentity(info) == identity {
                    throw LoaderError.unsafeOutput(
                        path: url.path, reason: "it is \(input.path), an input of this run (nothing was written)")
                }
            }
        }
        let folder = destination.deletingLastPathComponent().path
        let name = destination.lastPathComponent
        var created: (path: String, descriptor: Int32)?
        for _ in 0..<16 where created == nil {
            let candidate = "\(folder)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 {
                created = (candidate, fd)
            } else if errno != EEXIST {
                throw LoaderError.cannotWrite(path: url.path, reason: Self.systemReason(errno, creating: candidate))
            }
        }
        guard let created else {
            throw LoaderError.cannotWrite(path: url.path, reason: "could not create a temporary file in \(folder)")
        }
        temporaryPath = created.path
        descriptor = created.descriptor
        if let mode = target.mode {
            // The new file keeps the permissions of the one it replaces.
            _ = fchmod(descriptor, mode & 0o7777)
        }
        slot = UnfinishedFiles.register(temporaryPath)
    }

    /// Appends `bytes` to the temporary file.
    /// - Throws: `LoaderError.cannotWrite` with the system's reason (a full disk is named as
    ///   such); the temporary file is removed then.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard descriptor >= 0 else {
            throw LoaderError.cannotWrite(path: requestedPath, reason: "the file was already finished")
        }
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written = systemWrite(descriptor, next, left)
            if written < 0 {
                if errno == EINTR { continue }
                let code = errno
                abandon()
                throw LoaderError.cannotWrite(path: requestedPath, reason: Self.systemReason(code))
            }
            next += written
            left -= written
        }
    }

    /// Appends `data` to the temporary file.
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// Flushes the temporary file to the disk and renames it over the destination.
    /// - Throws: `LoaderError.cannotWrite` when flushing or renaming fails; the temporary
    ///   file is removed then and the destination is unchanged.
    public func commit() throws {
        guard descriptor >= 0 else {
            throw LoaderError.cannotWrite(path: requestedPath, reason: "the file was already finished")
        }
        if fsync(descriptor) != 0 {
            let code = errno
            abandon()
            throw LoaderError.cannotWrite(path: requestedPath, reason: Self.systemReason(code))
        }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, destination.path) == 0 else {
            let code = errno
            abandon()
            throw LoaderError.cannotWrite(path: requestedPath, reason: Self.systemReason(code))
        }
        committed = true
        release()
        // The rename is durable once the folder's entry is on the disk too.
        let folder = open(destination.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// Removes the temporary file; the destination stays as it was. Called on any error,
    /// and when the writer goes away without `commit()`.
    public func abandon() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        if !committed { unlink(temporaryPath) }
        release()
    }

    deinit {
        if !committed { abandon() }
    }

    private func release() {
        if let slot { UnfinishedFiles.unregister(slot) }
        slot = nil
    }

    /// Writes `data` to `url` atomically (see the type's documentation).
    /// - Throws: as `init(replacing:protecting:)`, `write(_:)` and `commit()`.
    public static func write(_ data: Data, to url: URL, protecting inputs: [URL] = []) throws {
        let writer = try AtomicFileWriter(replacing: url, protecting: inputs)
        try writer.write(data)
        try writer.commit()
    }

    /// Removes every temporary file that a writer in this process has not yet committed.
    ///
    /// Async-signal-safe once it has run before (it then only reads a fixed table and calls
    /// `unlink`), so a program calls it once when it installs its SIGINT or SIGTERM handler,
    /// and the handler calls it again before exiting: an interrupted write then leaves
    /// nothing behind.
    public static func removeUnfinishedFiles() {
        UnfinishedFiles.removeAll()
    }

    // MARK: Checking the target

    /// The path to replace (symbolic links resolved) and, when it exists, its identity and
    /// permissions.
    private static func resolveTarget(_ path: String) throws
        -> (path: String, identity: FileIdentity?, mode: mode_t?) {
        var link = stat()
        if lstat(path, &link) == 0 {
            guard let resolved = realpath(path, nil) else {
                throw LoaderError.unsafeOutput(path: path, reason: "it is a symbolic link that leads nowhere (\(String(cString: strerror(errno))))")
            }
            defer { free(resolved) }
            let real = String(cString: resolved)
            var info = stat()
            guard stat(real, &info) == 0 else {
                throw LoaderError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                throw LoaderError.unsafeOutput(
                    path: path, reason: "it exists and is \(fileKind(info.st_mode)), not a regular file (nothing was written)")
            }
            return (real, FileIdentity(info), info.st_mode)
        }
        // A new file: its folder must exist; resolve the folder so the temporary file and the
        // rename are in the same folder (rename is atomic only within one file system).
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        guard let resolved = realpath(folder, nil) else {
            throw LoaderError.cannotWrite(path: path, reason: "its folder \(folder): \(String(cString: strerror(errno)))")
        }
        defer { free(resolved) }
        let real = String(cString: resolved)
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw LoaderError.cannotWrite(path: path, reason: "\(folder) is not a folder")
        }
        return ((real == "/" ? "" : real) + "/" + url.lastPathComponent, nil, nil)
    }

    /// "a folder", "a FIFO", ... for messages.
    static func fileKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    /// The system's text for `code`, saying plainly when the disk is full.
    private static func systemReason(_ code: Int32, creating path: String? = nil) -> String {
        let text = String(cString: strerror(code))
        switch code {
        case ENOSPC: return "the disk is full (\(text)); the old file, if any, is unchanged"
        case EDQUOT: return "the disk quota is used up (\(text)); the old file, if any, is unchanged"
        default: return path.map { "cannot create \($0): \(text)" } ?? text
        }
    }
}

/// A file's identity: the same pair means the same file, whatever path leads to it.
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// The temporary files not yet committed, in memory that a signal handler can read without
/// locks or allocation: a fixed table of path slots, each with a flag set after its path is
/// complete.
private enum UnfinishedFiles {
    static let slotCount = 16
    static let pathCapacity = Int(PATH_MAX) + 1
    /// One flag per slot: 1 while its path is in use.
    nonisolated(unsafe) static let flags: UnsafeMutablePointer<Int32> = {
        let memory = UnsafeMutablePointer<Int32>.allocate(capacity: slotCount)
        memory.initialize(repeating: 0, count: slotCount)
        return memory
    }()
    /// `slotCount` paths of `pathCapacity` bytes each, NUL-terminated.
    nonisolated(unsafe) static let paths: UnsafeMutablePointer<CChar> = {
        let memory = UnsafeMutablePointer<CChar>.allocate(capacity: slotCount * pathCapacity)
        memory.initialize(repeating: 0, count: slotCount * pathCapacity)
        return memory
    }()
    static let lock = NSLock()

    /// Records `path`; returns its slot, or nil when the table is full (the file is then
    /// still removed on errors, just not by a signal handler).
    static func register(_ path: String) -> Int? {
        let bytes = Array(path.utf8CString)
        guard bytes.count <= pathCapacity else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let base = paths, flags = flags
        for slot in 0..<slotCount where flags[slot] == 0 {
            bytes.withUnsafeBufferPointer { source in
                (base + slot * pathCapacity).update(from: source.baseAddress!, count: source.count)
            }
            flags[slot] = 1
            return slot
        }
        return nil
    }

    static func unregister(_ slot: Int) {
        lock.lock()
        flags[slot] = 0
        lock.unlock()
    }

    /// Unlinks every registered path. No locks and no allocation: safe in a signal handler.
    static func removeAll() {
        let base = paths, flags = flags
        for slot in 0..<slotCount where flags[slot] == 1 {
            unlink(base + slot * pathCapacity)
        }
    }
}
