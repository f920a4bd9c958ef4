// A .pth file as named tensors: the zip archive, the pickle that describes each tensor,
// and zero-copy views of the storages. Explained in
// Documentation/04-Reading-a-PyTorch-Checkpoint.md.

import Foundation
import LlamaTensor

/// The tensors of a file written by `torch.save(state_dict)`, viewed in place.
///
/// Opening reads only the zip directory and the small pickle (`<folder>/data.pkl`) that
/// lists each tensor's storage, offset, shape and strides; every `Tensor` is a view of the
/// memory-mapped storage bytes (`<folder>/data/<key>`), so opening a 16 GB checkpoint
/// reads a few kilobytes, and weight bytes are paged in only when a kernel first reads
/// them.
///
/// ```swift
/// let checkpoint = try TorchCheckpoint(url: folder.appendingPathComponent("consolidated.00.pth"))
/// checkpoint.tensorNames.first              // "tok_embeddings.weight"
/// checkpoint.tensor(named: "norm.weight")?.shape   // [4096]
/// ```
public struct TorchCheckpoint: Sendable {
    /// Where one tensor lies in the archive, as the pickle describes it.
    public struct Record: Sendable, Equatable {
        /// The state-dict key, for example `layers.0.attention.wq.weight`.
        public let name: String
        /// The element type, from the storage class (`torch.BFloat16Storage` is `bf16`).
        public let dtype: DType
        /// The sizes of the axes.
        public let shape: Shape
        /// Elements to step per axis (always row-major contiguous here: others are refused).
        public let strides: [Int]
        /// The storage's key: its bytes are the archive entry `<folder>/data/<key>`.
        public let storageKey: String
        /// The first element's index in the storage (several tensors may share a storage).
        public let storageOffset: Int
    }

    /// The checkpoint file.
    public var url: URL { file.url }
    /// The mapping every tensor views (kept alive by the tensors themselves too).
    public let file: MappedFile
    /// The archive's top-level folder (the file's stem when torch wrote it).
    public let folderName: String
    /// Every tensor name, in the order the state dict held them.
    public let tensorNames: [String]
    /// Where each tensor lies.
    public let records: [String: Record]
    /// Every tensor, by name: views of the mapping, no copy.
    public let tensors: [String: Tensor]

    /// Opens and indexes the checkpoint at `url`.
    /// - Throws: `LoaderError`, naming the file and what is wrong with it.
    public init(url: URL) throws {
        try self.init(file: MappedFile(url: url))
    }

    /// Indexes a checkpoint that is already mapped.
    /// - Throws: `LoaderError`: `.invalidArchive`, `.missingEntry`, `.unsupportedEntry`,
    ///   `.unsupportedByteOrder`, `.invalidPickle`, `.forbiddenGlobal`, `.notAStateDict` or
    ///   `.invalidTensor`.
    public init(file: MappedFile) throws {
        let fileName = file.url.lastPathComponent
        // Indexing touches the pickle and one local header per tensor, spread over the whole
        // file. With the default read-around, each touch pages in megabytes of tensor data
        // around it (600 MB of a 1.4 GB checkpoint of 112 tensors, on a disk with an 8 MB
        // read_ahead_kb); asking for random access keeps it to the pages touched.
        file.advise(.random)
        defer { file.advise(.normal) }
        let archive = try ZipArchive(file: file)
        let folder = try Self.folderName(of: archive, fileName: fileName)
        try Self.checkByteOrder(archive, folder: folder, fileName: fileName)

        guard let pickleEntry = archive.entry(named: "\(folder)/data.pkl") else {
            throw LoaderError.missingEntry(file: fileName, entry: "\(folder)/data.pkl")
        }
        let pickle = try archive.checkedBytes(of: pickleEntry)
        let references = try Unpickler.withValue(unpickling: pickle, fileName: fileName) {
            try Self.stateDict($0, fileName: fileName)
        }

        var builder = TensorBuilder(archive: archive, folder: folder, fileName: fileName)
        var records: [String: Record] = [:]
        var tensors: [String: Tensor] = [:]
        for (name, reference) in references {
            let (record, tensor) = try builder.tensor(named: name, reference)
            records[name] = record
            tensors[name] = tensor
        }
        self.file = file
        self.folderName = folder
        self.tensorNames = references.map(\.name)
        self.records = records
        self.tensors = tensors
    }

    /// The tensor called `name`, or `nil` when the checkpoint has none.
    public func tensor(named name: String) -> Tensor? {
        tensors[name]
    }

    // MARK: Reading the archive's layout

    /// The folder holding `data.pkl`: any name, as long as there is exactly one.
    private static func folderName(of archive: ZipArchive, fileName: String) throws -> String {
        let folders = archive.entries.compactMap { entry -> String? in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl" ? String(parts[0]) : nil
        }
        guard let folder = folders.first else {
            throw LoaderError.missingEntry(file: fileName, entry: "<folder>/data.pkl")
        }
        guard folders.count == 1 else {
            throw LoaderError.invalidArchive(
                file: fileName, reason: "expected one data.pkl, found \(folders.count) (in \(folders.joined(separator: ", ")))")
        }
        return folder
    }

    /// Storages are read in place, so they must already be in this machine's byte order.
    /// A file without a `byteorder` entry predates it and is little-endian, as torch assumes.
    private static func checkByteOrder(_ archive: ZipArchive, folder: String, fileName: String) throws {
        guard 1.littleEndian == 1 else {
            throw LoaderError.unsupportedByteOrder(file: fileName, found: "a big-endian machine")
        }
        guard let entry = archive.entry(named: "\(folder)/byteorder") else { return }
        let bytes = try archive.bytes(of: entry)
        let order = String(decoding: bytes.prefix(16), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard order == "little" else {
            throw LoaderError.unsupportedByteOrder(file: fileName, found: order.isEmpty ? "an empty byteorder entry" : order)
        }
    }

    /// The (name, tensor) pairs of a state dict, in order.
    private static func stateDict(_ root: PickleValue, fileName: String) throws -> [(name: String, reference: TensorReference)] {
        guard case .dict(let dict) = root else {
            throw LoaderError.notAStateDict(file: fileName, found: root.kindDescription)
        }
        var result: [(name: String, reference: TensorReference)] = []
        for (key, value) in dict.pairs {
            guard case .string(let name) = key else {
                throw LoaderError.notAStateDict(file: fileName, found: "a key that is \(key.kindDescription)")
            }
            guard case .tensor(let reference) = value else {
                throw LoaderError.notAStateDict(file: fileName, found: "\(LoaderError.excerpt(name)) holding \(value.kindDescription)")
            }
            result.append((name, reference))
        }
        return result
    }
}
