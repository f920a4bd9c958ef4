// Reading a GGUF file: header, metadata, tensor infos, and zero-copy tensor views of its
// memory-mapped data. Explained in Documentation/21-Quantization-and-GGUF.md.

import Foundation
import LlamaTensor

/// A GGUF file (version 2 or 3), mapped and indexed. Tensors are views of the mapping:
/// opening reads the header and the tensor table, never the weights.
///
/// ```
/// "GGUF" | version u32 | tensor count u64 | metadata count u64
/// metadata:  key (string) | value type u32 | value          (repeated)
/// tensors:   name (string) | n_dims u32 | ne[0..n) u64 | type u32 | offset u64   (repeated)
/// padding to `general.alignment` (default 32), then the data; each offset is relative
/// to the data's start and aligned too.
/// ```
///
/// Shapes are given fastest axis first (`ne[0]` is the row length); `Tensor` shapes are
/// outermost first, so `[ne1, ne0]` here is PyTorch's `[out, in]`.
public final class GGUFFile: @unchecked Sendable {
    // @unchecked Sendable: immutable after init; the mapping is read-only.

    /// One entry of the tensor table.
    public struct TensorInfo: Sendable, Equatable {
        /// The tensor's name (`blk.0.attn_q.weight`).
        public let name: String
        /// Outermost axis first (the reverse of the file's `ne` order).
        public let shape: Shape
        /// The element type code.
        public let type: GGMLType
        /// Byte offset from the start of the data section.
        public let offset: Int
    }

    /// The file.
    public let url: URL
    /// The format version (2 or 3).
    public let version: UInt32
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Metadata values by key.
    public let metadata: [String: GGUFValue]
    /// The tensor table, in file order.
    public let tensors: [TensorInfo]
    /// The alignment of the data section and of every tensor in it.
    public let alignment: Int
    /// Where the data section starts in the file.
    public let dataOffset: Int
    /// The mapping every tensor views.
    public let file: MappedFile
    private let index: [String: Int]

    /// Maps and indexes the file at `url`.
    /// - Throws: `LoaderError.cannotOpen` when it cannot be mapped, `.invalidGGUF` naming
    ///   what is wrong and where (bad magic, unsupported version, truncated, a count or
    ///   length that cannot fit in the file, a duplicate name, a misaligned or
    ///   out-of-bounds tensor).
    public init(url: URL) throws {
        self.url = url
        let name = url.lastPathComponent
        file = try MappedFile(url: url)
        var reader = GGUFReader(file, name: name)
        guard file.byteCount >= 4, Array(file.bytes.prefix(4)) == Array("GGUF".utf8) else {
            throw LoaderError.invalidGGUF(file: name, reason: "expected the magic bytes GGUF at the start, found \(Self.hexPrefix(file.bytes))")
        }
        reader.offset = 4
        version = try reader.u32("version")
        guard version == 2 || version == 3 else {
            throw LoaderError.invalidGGUF(file: name, reason: "expected version 2 or 3, found \(version)")
        }
        let tensorCount = try reader.count("tensor count", minimumBytesEach: 4 + 8 + 4 + 8 + 8)
        let metadataCount = try reader.count("metadata count", minimumBytesEach: 8 + 4 + 1)

        var keys: [String] = [], metadata: [String: GGUFValue] = [:]
        for _ in 0..<metadataCount {
            let key = try reader.string("metadata key")
            let value = try reader.value(for: key)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw LoaderError.invalidGGUF(file: name, reason: "metadata key \(LoaderError.excerpt(key)) appears twice")
            }
            keys.append(key)
        }
        metadataKeys = keys
        self.metadata = metadata

        alignment = metadata["general.alignment"]?.int ?? 32
        guard alignment > 0, alignment <= 1 << 20, alignment % 8 == 0 else {
            throw LoaderError.invalidGGUF(file: name, reason: "general.alignment: expected a multiple of 8 up to 1 MiB, found \(metadata["general.alignment"]?.summary ?? "?")")
        }

        var infos: [TensorInfo] = [], index: [String: Int] = [:]
        for _ in 0..<tensorCount {
            let fullName = try reader.string("tensor name")
            let tensorName = LoaderError.excerpt(fullName)  // as messages quote it
            let rank = try reader.u32("dimension count of \(tensorName)")
            guard (1...4).contains(rank) else {
                throw LoaderError.invalidGGUF(file: name, reason: "tensor \(tensorName): expected 1 to 4 dimensions, found \(rank)")
            }
            var dims: [Int] = []
            for axis in 0..<Int(rank) {
                let size = try reader.u64("dimension \(axis) of \(tensorName)")
                guard size >= 1, size <= UInt64(file.byteCount) * 8 + 1 else {
                    throw LoaderError.invalidGGUF(file: name, reason: "tensor \(tensorName): dimension \(axis) of \(size) cannot fit in the file")
                }
                dims.append(Int(size))
            }
            let type = GGMLType(rawValue: try reader.u32("type of \(tensorName)"))
            let offset = try reader.u64("offset of \(tensorName)")
            guard offset <= UInt64(file.byteCount), Int(offset) % alignment == 0 else {
                throw LoaderError.invalidGGUF(file: name, reason: "tensor \(tensorName): offset \(offset) is outside the file or not a multiple of the alignment \(alignment)")
            }
            guard index.updateValue(infos.count, forKey: fullName) == nil else {
                throw LoaderError.invalidGGUF(file: name, reason: "tensor \(tensorName) appears twice")
            }
            infos.append(TensorInfo(name: fullName, shape: Shape(dims.reversed()), type: type, offset: Int(offset)))
        }
        tensors = infos
        self.index = index
        dataOffset = (reader.offset + alignment - 1) / alignment * alignment
        guard dataOffset <= file.byteCount || tensors.isEmpty else {
            throw LoaderError.invalidGGUF(file: name, reason: "truncated: the data section would start at byte \(dataOffset) of \(file.byteCount)")
        }
    }

    /// The tensor table entry named `name`, if any.
    public func info(named name: String) -> TensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// A zero-copy view of tensor `name`, or `nil` when the file has none.
    /// - Throws: `LoaderError.invalidTensor` for a type we do not compute with (naming it,
    ///   `Q4_K`...), a block-format row that is not whole blocks, or data past the end of the file.
    public func tensor(named fullName: String) throws -> Tensor? {
        guard let info = info(named: fullName) else { return nil }
        let fileName = url.lastPathComponent
        let name = LoaderError.excerpt(fullName)
        guard let dtype = info.type.dtype else {
            throw LoaderError.invalidTensor(file: fileName, tensor: name, reason: "type \(info.type) is not supported: expected \(GGMLType.supportedNames)")
        }
        let storage = TensorStorage(borrowing: file.bytes, keepingAlive: file)
        do {
            return try Tensor(dtype: dtype, shape: info.shape, storage: storage, byteOffset: dataOffset + info.offset)
        } catch let error as TensorError {
            switch error {
            case .partialBlock:
                throw LoaderError.invalidTensor(file: fileName, tensor: name, reason: "\(error)")
            default:
                throw LoaderError.invalidTensor(file: fileName, tensor: name, reason: "\(info.shape) \(dtype) at byte \(dataOffset + info.offset) runs past the end of the file (\(file.byteCount) bytes)")
            }
        }
    }

    private static func hexPrefix(_ bytes: UnsafeRawBufferPointer) -> String {
        bytes.isEmpty ? "an empty file" : bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}

/// A bounds-checked little-endian cursor over the mapped bytes.
struct GGUFReader {
    let mapping: MappedFile
    let bytes: UnsafeRawBufferPointer
    /// The file's name, for errors.
    let file: String
    var offset = 0

    init(_ mapping: MappedFile, name: String) {
        self.mapping = mapping
        bytes = mapping.bytes
        file = name
    }

    private mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - offset else {
            throw LoaderError.invalidGGUF(file: file, reason: "truncated at byte \(offset) while reading \(what())")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    private mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        T(littleEndian: try take(MemoryLayout<T>.size, what()).loadUnaligned(as: T.self))
    }

    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try load(UInt32.self, what()) }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { try load(UInt64.self, what()) }

    /// A count of items each at least `minimumBytesEach` long: refused when they could not
    /// fit in the rest of the file, so a lying count cannot make us allocate.
    mutating func count(_ what: String, minimumBytesEach: Int) throws -> Int {
        let n = try u64(what)
        guard n <= UInt64((bytes.count - offset) / minimumBytesEach) else {
            throw LoaderError.invalidGGUF(file: file, reason: "\(what) \(n) cannot fit in the \(bytes.count - offset) bytes left")
        }
        return Int(n)
    }

    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try count("length of \(what())", minimumBytesEach: 1)
        return String(decoding: try take(length, what()), as: UTF8.self)
    }

    mutating func value(for fullKey: String) throws -> GGUFValue {
        let key = LoaderError.excerpt(fullKey)  // as messages quote it
        let code = try u32("type of \(key)")
        guard let type = GGUFValueType(rawValue: code) else {
            throw LoaderError.invalidGGUF(file: file, reason: "metadata \(key): unknown value type \(code)")
        }
        return try value(of: type, key: key, depth: 0)
    }

    private mutating func value(of type: GGUFValueType, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case .string: return .string(try string(key))
        case .array:
            // Arrays of arrays are legal but unused by llama; one level of nesting is plenty.
            guard depth < 2 else {
                throw LoaderError.invalidGGUF(file: file, reason: "metadata \(key): arrays nested too deeply")
            }
            let code = try u32("element type of \(key)")
            guard let elementType = GGUFValueType(rawValue: code) else {
                throw LoaderError.invalidGGUF(file: file, reason: "metadata \(key): unknown array element type \(code)")
            }
            let n = try count("element count of \(key)", minimumBytesEach: elementType.minimumByteCount)
            if let width = elementType.scalarByteCount {
                // Numbers and bools stay in the mapping: no memory per element.
                let elements = try take(n * width, key)
                if elementType == .bool, let byte = elements.first(where: { $0 > 1 }) {
                    throw LoaderError.invalidGGUF(file: file, reason: "metadata \(key): expected bools (0 or 1), found \(byte)")
                }
                return .numericArray(GGUFNumericArray(elementType: elementType, bytes: elements, in: mapping))
            }
            // Strings (and nested arrays) become values: each takes at least 8 bytes of the
            // file (12 for an array), which `count` checked, so memory stays proportional
            // to the file.
            var elements: [GGUFValue] = []
            elements.reserveCapacity(n)
            for _ in 0..<n { elements.append(try value(of: elementType, key: key, depth: depth + 1)) }
            return .array(elementType, elements)
        default:
            let field = try take(type.scalarByteCount ?? 0, key)
            if type == .bool, field[0] > 1 {
                throw LoaderError.invalidGGUF(file: file, reason: "metadata \(key): expected a bool (0 or 1), found \(field[0])")
            }
            return GGUFValue.scalar(of: type, in: field)
        }
    }
}

extension GGUFValueType {
    /// The fewest bytes a value of this type takes in a file.
    var minimumByteCount: Int {
        switch self {
        case .string: return 8
        case .array: return 12
        default: return scalarByteCount ?? 1
        }
    }
}
