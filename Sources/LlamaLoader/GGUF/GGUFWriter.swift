// Writing a GGUF file: the header, metadata and tensor table first (every offset is known
// from the sizes), then each tensor's bytes as it is produced. Explained in
// Documentation/21-Quantization-and-GGUF.md.

import Foundation
import LlamaTensor

/// Builds a GGUF version 3 file that llama.cpp and the `gguf` Python package read.
///
/// Tensors are produced one at a time by closures while writing, so a model far larger
/// than memory can be converted with one tensor's worth of buffer.
///
/// ```swift
/// let writer = GGUFWriter()
/// writer.add("general.architecture", .string("llama"))
/// writer.addTensor("output_norm.weight", shape: [2048], dtype: .f32) { buffer in ... }
/// try writer.write(to: url)
/// ```
public final class GGUFWriter {
    /// Fills a tensor's bytes (exactly `dtype.byteCount(elements:)` of them).
    public typealias Producer = (UnsafeMutableRawBufferPointer) throws -> Void

    private struct Entry {
        let name: String
        let shape: Shape
        let dtype: DType
        let produce: Producer
        var byteCount: Int { dtype.byteCount(elements: shape.elementCount) }
    }

    /// The alignment of the data section and of each tensor (GGUF's default, 32).
    public let alignment: Int
    private var metadata: [(String, GGUFValue)] = []
    private var entries: [Entry] = []

    /// An empty file description.
    public init(alignment: Int = 32) {
        self.alignment = alignment
    }

    /// Adds a metadata key and value (in order; keys must be unique).
    public func add(_ key: String, _ value: GGUFValue) {
        metadata.append((key, value))
    }

    /// Adds a tensor whose bytes `produce` will write when the file is written.
    /// `shape` is outermost first, as `Tensor` shapes are (written reversed, as GGUF wants).
    public func addTensor(_ name: String, shape: Shape, dtype: DType, produce: @escaping Producer) {
        entries.append(Entry(name: name, shape: shape, dtype: dtype, produce: produce))
    }

    /// Writes the file atomically (`AtomicFileWriter`): until the last byte is on the disk
    /// the old file at `url`, if any, is untouched, and on any error nothing is left behind.
    /// - Parameters:
    ///   - inputs: Files this run reads; `url` may not be any of them.
    ///   - progress: Called before each tensor with its index, the count and its name.
    /// - Throws: `LoaderError.unsafeOutput` or `.cannotWrite` (see `AtomicFileWriter`);
    ///   whatever a producer throws.
    public func write(to url: URL, protecting inputs: [URL] = [], progress: ((Int, Int, String) -> Void)? = nil) throws {
        var header = Data()
        header.append(contentsOf: Array("GGUF".utf8))
        append(UInt32(3), to: &header)
        append(UInt64(entries.count), to: &header)
        append(UInt64(metadata.count + (alignment == 32 ? 0 : 1)), to: &header)
        for (key, value) in metadata {
            append(string: key, to: &header)
            append(UInt32(value.type.rawValue), to: &header)
            append(value: value, to: &header)
        }
        if alignment != 32 {
            append(string: "general.alignment", to: &header)
            append(UInt32(GGUFValueType.uint32.rawValue), to: &header)
            append(UInt32(alignment), to: &header)
        }
        var offset = 0
        for entry in entries {
            append(string: entry.name, to: &header)
            append(UInt32(entry.shape.rank), to: &header)
            for size in entry.shape.dimensions.reversed() { append(UInt64(size), to: &header) }
            append(GGMLType(entry.dtype).rawValue, to: &header)
            append(UInt64(offset), to: &header)
            offset += padded(entry.byteCount)
        }
        header.append(Data(count: padded(header.count) - header.count))

        let file = try AtomicFileWriter(replacing: url, protecting: inputs)
        try file.write(header)
        for (index, entry) in entries.enumerated() {
            progress?(index, entries.count, entry.name)
            var bytes = Data(count: padded(entry.byteCount))
            try bytes.withUnsafeMutableBytes { buffer in
                try entry.produce(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<entry.byteCount]))
            }
            try file.write(bytes)
        }
        try file.commit()
    }

    private func padded(_ count: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
    }

    private func append<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private func append(string: String, to data: inout Data) {
        let bytes = Array(string.utf8)
        append(UInt64(bytes.count), to: &data)
        data.append(contentsOf: bytes)
    }

    private func append(value: GGUFValue, to data: inout Data) {
        switch value {
        case let .unsigned(v, type):
            switch type {
            case .uint8: append(UInt8(truncatingIfNeeded: v), to: &data)
            case .uint16: append(UInt16(truncatingIfNeeded: v), to: &data)
            case .uint32: append(UInt32(truncatingIfNeeded: v), to: &data)
            default: append(v, to: &data)
            }
        case let .signed(v, type):
            switch type {
            case .int8: append(Int8(truncatingIfNeeded: v), to: &data)
            case .int16: append(Int16(truncatingIfNeeded: v), to: &data)
            case .int32: append(Int32(truncatingIfNeeded: v), to: &data)
            default: append(v, to: &data)
            }
        case let .float(v, type):
            if type == .float32 { append(Float(v).bitPattern, to: &data) } else { append(v.bitPattern, to: &data) }
        case let .bool(v):
            append(UInt8(v ? 1 : 0), to: &data)
        case let .string(s):
            append(string: s, to: &data)
        case let .array(type, elements):
            append(type.rawValue, to: &data)
            append(UInt64(elements.count), to: &data)
            for element in elements { append(value: element, to: &data) }
        case let .numericArray(elements):
            // Already little-endian, as the file it was read from.
            append(elements.elementType.rawValue, to: &data)
            append(UInt64(elements.count), to: &data)
            data.append(contentsOf: elements.bytes)
        }
    }
}
