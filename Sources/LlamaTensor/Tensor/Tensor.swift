// A typed, shaped view of bytes: the one tensor type of SwiftLlama.
// Explained in Documentation/07-Tensors.md.

import Foundation

/// An n-dimensional, row-major, contiguous array of `dtype` elements over a `TensorStorage`.
///
/// A tensor is a view: it names a storage, a byte offset into it, an element type and a
/// shape. Row views and reshapes make new views of the same bytes and never copy, so a
/// weight matrix read from a checkpoint stays in the memory mapping it came from.
///
/// ```swift
/// let w = Tensor(zeros: [4, 3], dtype: .bf16)
/// w.shape          // [4, 3]
/// w[1].shape       // [3]: the second row, same bytes
/// ```
public struct Tensor: @unchecked Sendable {
    // @unchecked Sendable: see TensorStorage.

    /// The element type.
    public let dtype: DType
    /// The sizes of the axes.
    public let shape: Shape
    /// The bytes this tensor views.
    public let storage: TensorStorage
    /// Where this tensor's first element lies in `storage`.
    public let byteOffset: Int

    /// Creates a view of `storage`, checking that it fits.
    /// - Throws: `TensorError.outOfBounds` when `byteOffset` plus the tensor's size runs
    ///   past the end of the storage, or the offset is negative;
    ///   `TensorError.partialBlock` when a block type's last axis is not a whole number of
    ///   blocks.
    public init(dtype: DType, shape: Shape, storage: TensorStorage, byteOffset: Int = 0) throws {
        try Self.checkBlocks(shape, dtype)
        let elements = shape.checkedElementCount ?? Int.max
        let (bytes, overflow) = (elements / dtype.blockSize).multipliedReportingOverflow(by: dtype.blockByteSize)
        let (end, overflow2) = byteOffset.addingReportingOverflow(bytes)
        guard byteOffset >= 0, !overflow, !overflow2, end <= storage.byteCount else {
            throw TensorError.outOfBounds(
                shape: shape, dtype: dtype, byteOffset: byteOffset, storageBytes: storage.byteCount)
        }
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
        self.byteOffset = byteOffset
    }

    /// Creates an owned tensor filled with zeros (for `q8_0`: blocks of scale 0).
    /// A block type needs a last axis that is a whole number of blocks.
    public init(zeros shape: Shape, dtype: DType = .f32) {
        precondition((try? Self.checkBlocks(shape, dtype)) != nil, "\(shape) is not whole \(dtype) blocks")
        let storage = TensorStorage(byteCount: dtype.byteCount(elements: shape.elementCount))
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
        self.byteOffset = 0
    }

    /// Creates an owned tensor holding `values`, stored as `dtype` (rounded to nearest even
    /// for `bf16` and `f16`, quantized block by block for the block formats).
    /// - Throws: `TensorError.elementCountMismatch` when `values.count` is not the shape's
    ///   element count; `TensorError.partialBlock` when a block format's shape has a last
    ///   axis that is not a whole number of blocks; `.notWritable` for the K-quants.
    public init(_ values: [Float], shape: Shape, dtype: DType = .f32) throws {
        guard values.count == shape.elementCount else {
            throw TensorError.elementCountMismatch(shape: shape, count: values.count)
        }
        try Self.checkBlocks(shape, dtype)
        try Self.checkWritable(dtype)
        self.init(zeros: shape, dtype: dtype)
        let base = storage.mutableBaseAddress
        switch dtype {
        case .f32:
            values.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        case .bf16:
            let out = base.assumingMemoryBound(to: UInt16.self)
            for (i, v) in values.enumerated() { out[i] = BFloat16(v).bitPattern }
        case .f16:
            let out = base.assumingMemoryBound(to: UInt16.self)
            for (i, v) in values.enumerated() { out[i] = Self.float16Bits(v) }
        default:
            values.withUnsafeBufferPointer { _ = dtype.blockFormat?.quantize($0, into: base) }
        }
    }

    /// The number of elements.
    @inlinable
    public var elementCount: Int { shape.elementCount }

    /// The number of bytes this tensor views.
    @inlinable
    public var byteCount: Int { dtype.byteCount(elements: shape.elementCount) }

    /// The address of the first element.
    @inlinable
    public var baseAddress: UnsafeRawPointer { storage.baseAddress + byteOffset }

    /// The bytes this tensor views, read-only.
    @inlinable
    public var rawBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: baseAddress, count: byteCount)
    }

    /// Row `index` along the first axis: a view with the remaining axes, no copy.
    /// An index out of range is a programming error (callers check ids from users first).
    public subscript(index: Int) -> Tensor {
        precondition(shape.rank >= 1 && index >= 0 && index < shape[0],
                     "row \(index) out of range for shape \(shape)")
        let rowShape = Shape(Array(shape.dimensions.dropFirst()))
        let rowBytes = dtype.byteCount(elements: rowShape.elementCount)
        // Cannot fail: the row lies inside this tensor, which lies inside the storage.
        return try! Tensor(dtype: dtype, shape: rowShape, storage: storage,
                           byteOffset: byteOffset + index * rowBytes)
    }

    /// The same bytes seen with another shape of the same element count.
    /// - Throws: `TensorError.elementCountMismatch` when the counts differ.
    public func reshaped(_ newShape: Shape) throws -> Tensor {
        guard newShape.elementCount == shape.elementCount else {
            throw TensorError.elementCountMismatch(shape: newShape, count: shape.elementCount)
        }
        return try Tensor(dtype: dtype, shape: newShape, storage: storage, byteOffset: byteOffset)
    }

    /// Element `index` (in row-major order) widened to `Float`.
    public func float(at index: Int) -> Float {
        precondition(index >= 0 && index < elementCount, "element \(index) out of range")
        switch dtype {
        case .f32:
            return baseAddress.loadUnaligned(fromByteOffset: index * 4, as: Float.self)
        case .bf16:
            return BFloat16(bitPattern: baseAddress.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)).floatValue
        case .f16:
            return Float(Float16(bitPattern: baseAddress.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        default:
            return dtype.blockFormat?.element(baseAddress, index) ?? .nan
        }
    }

    /// Every element widened to `Float`, in row-major order (a copy, for tests and tools).
    public func floats() -> [Float] {
        (0..<elementCount).map { float(at: $0) }
    }

    /// Calls `body` with the elements of an owned `f32` tensor, writable.
    public func withUnsafeMutableFloats<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(dtype == .f32, "withUnsafeMutableFloats on a \(dtype) tensor")
        let start = (storage.mutableBaseAddress + byteOffset).assumingMemoryBound(to: Float.self)
        return try body(UnsafeMutableBufferPointer(start: start, count: elementCount))
    }

    /// Calls `body` with the elements of an `f32` tensor, read-only.
    public func withUnsafeFloats<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(dtype == .f32, "withUnsafeFloats on a \(dtype) tensor")
        let start = baseAddress.assumingMemoryBound(to: Float.self)
        return try body(UnsafeBufferPointer(start: start, count: elementCount))
    }

    /// A block type's last axis must hold whole blocks: rows are then whole blocks too,
    /// so a row view starts at a block boundary.
    /// - Throws: `TensorError.partialBlock` when `shape`'s rows are not whole `dtype` blocks.
    public static func checkBlocks(_ shape: Shape, _ dtype: DType) throws {
        guard dtype.blockSize > 1 else { return }
        guard shape.rank >= 1, shape[shape.rank - 1] % dtype.blockSize == 0 else {
            throw TensorError.partialBlock(shape: shape, dtype: dtype)
        }
    }

    /// Throws `TensorError.notWritable` for a format only llama.cpp's quantizer writes.
    public static func checkWritable(_ dtype: DType) throws {
        if dtype == .q4_K || dtype == .q6_K { throw TensorError.notWritable(dtype: dtype) }
    }

    private static func float16Bits(_ value: Float) -> UInt16 {
        #if arch(x86_64) || arch(arm64)
        return Float16(value).bitPattern
        #else
        preconditionFailure("Float16 is not available on this platform")
        #endif
    }
}

/// A tensor was built or viewed in a way its bytes cannot support.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// A view would reach past the end of its storage.
    case outOfBounds(shape: Shape, dtype: DType, byteOffset: Int, storageBytes: Int)
    /// A shape was given `count` elements that it cannot hold.
    case elementCountMismatch(shape: Shape, count: Int)
    /// A block type (`q8_0`) with a last axis that is not a whole number of blocks.
    case partialBlock(shape: Shape, dtype: DType)
    /// Values were to be quantized into a format this package reads but does not write.
    case notWritable(dtype: DType)

    /// One line naming what went wrong, with the values involved.
    public var description: String {
        switch self {
        case let .outOfBounds(shape, dtype, offset, storageBytes):
            return "tensor \(shape) \(dtype) at byte offset \(offset) does not fit in a storage of \(storageBytes) bytes"
        case let .elementCountMismatch(shape, count):
            return "shape \(shape) holds \(shape.elementCount) elements, found \(count)"
        case let .partialBlock(shape, dtype):
            return "\(dtype) tensor \(shape): its last axis must be a multiple of \(dtype.blockSize)"
        case let .notWritable(dtype):
            return "\(dtype) is read here but not written: llama.cpp's llama-quantize writes it"
        }
    }
}

extension TensorError: LocalizedError {
    /// The same one line as `description`, so `error.localizedDescription` in an app shows
    /// what the command line prints.
    public var errorDescription: String? { description }
}
