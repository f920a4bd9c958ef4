// The typed values of a GGUF file's metadata. Explained in
// Documentation/21-Quantization-and-GGUF.md.

/// The type codes of GGUF metadata values (`gguf_type` in ggml's gguf.h).
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    /// `uint8`
    case uint8 = 0
    /// `int8`
    case int8 = 1
    /// `uint16`
    case uint16 = 2
    /// `int16`
    case int16 = 3
    /// `uint32`
    case uint32 = 4
    /// `int32`
    case int32 = 5
    /// `float32`
    case float32 = 6
    /// `bool` (one byte, 0 or 1)
    case bool = 7
    /// A string: `uint64` byte count, then UTF-8 bytes (no terminator).
    case string = 8
    /// An array: element type (`uint32`), `uint64` count, then the elements.
    case array = 9
    /// `uint64`
    case uint64 = 10
    /// `int64`
    case int64 = 11
    /// `float64`
    case float64 = 12

    /// The bytes one value takes, for the types of fixed size (numbers and bool); `nil`
    /// for `string` and `array`.
    public var scalarByteCount: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }
}

/// One metadata value of a GGUF file.
///
/// Two values are equal when they have the same type and content: an `array` built in
/// memory equals a `numericArray` read from a file with the same element type and elements.
public indirect enum GGUFValue: Sendable, Equatable {
    /// An unsigned integer of `type` (`uint8` ... `uint64`).
    case unsigned(UInt64, GGUFValueType)
    /// A signed integer of `type` (`int8` ... `int64`).
    case signed(Int64, GGUFValueType)
    /// A `float32` or `float64`.
    case float(Double, GGUFValueType)
    /// A `bool`.
    case bool(Bool)
    /// A `string`.
    case string(String)
    /// An `array` of elements of one type (kept for empty arrays, so they write back):
    /// what a writer is given, and what a file's arrays of strings are read as.
    case array(GGUFValueType, [GGUFValue])
    /// An `array` of numbers or bools read from a file, left in place in the mapping.
    case numericArray(GGUFNumericArray)

    /// The value as an `Int`, for any integer type that holds it.
    public var int: Int? {
        switch self {
        case let .unsigned(v, _): return v <= UInt64(Int.max) ? Int(v) : nil
        case let .signed(v, _): return Int(v)
        default: return nil
        }
    }

    /// The value as a `Double`, for floats and integers.
    public var double: Double? {
        switch self {
        case let .float(v, _): return v
        case let .unsigned(v, _): return Double(v)
        case let .signed(v, _): return Double(v)
        default: return nil
        }
    }

    /// The string, for `string` values.
    public var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The elements, for `array` and `numericArray` values.
    ///
    /// A `numericArray` is copied here into one value per element (about 50 bytes each);
    /// read a large one through `numericArray` instead, which decodes each element in place.
    public var array: [GGUFValue]? {
        switch self {
        case let .array(_, elements): return elements
        case let .numericArray(elements): return Array(elements)
        default: return nil
        }
    }

    /// The elements in place, for `numericArray` values.
    public var numericArray: GGUFNumericArray? {
        if case let .numericArray(elements) = self { return elements }
        return nil
    }

    /// The type code this value is written with.
    public var type: GGUFValueType {
        switch self {
        case let .unsigned(_, t), let .signed(_, t), let .float(_, t): return t
        case .bool: return .bool
        case .string: return .string
        case .array, .numericArray: return .array
        }
    }

    /// A short form for messages and `llama-cli info`: arrays show their length.
    public var summary: String {
        switch self {
        case let .unsigned(v, _): return "\(v)"
        case let .signed(v, _): return "\(v)"
        case let .float(v, _): return "\(v)"
        case let .bool(v): return "\(v)"
        case let .string(s): return "\"\(LoaderError.excerpt(s))\""
        case let .array(t, elements): return "[\(elements.count) × \(t)]"
        case let .numericArray(elements): return "[\(elements.count) × \(elements.elementType)]"
        }
    }

    /// Whether `a` and `b` have the same type and content (an array in memory and one in
    /// place compare element by element).
    public static func == (a: GGUFValue, b: GGUFValue) -> Bool {
        switch (a, b) {
        case let (.unsigned(x, s), .unsigned(y, t)): return x == y && s == t
        case let (.signed(x, s), .signed(y, t)): return x == y && s == t
        case let (.float(x, s), .float(y, t)): return x == y && s == t
        case let (.bool(x), .bool(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(s, x), .array(t, y)): return s == t && x == y
        case let (.numericArray(x), .numericArray(y)): return x == y
        case let (.array(type, x), .numericArray(y)), let (.numericArray(y), .array(type, x)):
            return type == y.elementType && x.elementsEqual(y)
        default: return false
        }
    }

    /// The value of `type` (a number or bool) stored little-endian at the start of `bytes`,
    /// which holds at least `type.scalarByteCount` of them. A bool is any nonzero byte.
    static func scalar(of type: GGUFValueType, in bytes: UnsafeRawBufferPointer) -> GGUFValue {
        func load<T: FixedWidthInteger>(_: T.Type) -> T { T(littleEndian: bytes.loadUnaligned(as: T.self)) }
        switch type {
        case .uint8: return .unsigned(UInt64(load(UInt8.self)), type)
        case .uint16: return .unsigned(UInt64(load(UInt16.self)), type)
        case .uint32: return .unsigned(UInt64(load(UInt32.self)), type)
        case .uint64: return .unsigned(load(UInt64.self), type)
        case .int8: return .signed(Int64(load(Int8.self)), type)
        case .int16: return .signed(Int64(load(Int16.self)), type)
        case .int32: return .signed(Int64(load(Int32.self)), type)
        case .int64: return .signed(load(Int64.self), type)
        case .float32: return .float(Double(Float(bitPattern: load(UInt32.self))), type)
        case .float64: return .float(Double(bitPattern: load(UInt64.self)), type)
        case .bool: return .bool(load(UInt8.self) != 0)
        case .string, .array: preconditionFailure("\(type) is not a scalar type")
        }
    }
}

/// An array of numbers or bools in a GGUF file's metadata, read in place.
///
/// The elements stay in the mapped file, and each is decoded when it is read, so opening a
/// file whose metadata holds a 50 MB `uint8` array costs no memory per element (made into
/// one `GGUFValue` each, it took 2.7 GB).
///
/// ```swift
/// if let types = file.metadata["tokenizer.ggml.token_type"]?.numericArray {
///     let controls = types.filter { $0.int == 3 }.count
/// }
/// ```
public struct GGUFNumericArray: RandomAccessCollection, Equatable, @unchecked Sendable {
    // @unchecked Sendable: `bytes` is read-only mapped memory, kept alive by `file`.

    /// The elements' type: a number type or `bool`.
    public let elementType: GGUFValueType
    /// The elements, little-endian, back to back.
    package let bytes: UnsafeRawBufferPointer
    /// The mapping `bytes` lies in.
    private let file: MappedFile
    private let stride: Int

    /// A view of `count` elements of `elementType` at `bytes`, inside `file`'s mapping.
    /// Bool elements must have been checked to be 0 or 1.
    init(elementType: GGUFValueType, bytes: UnsafeRawBufferPointer, in file: MappedFile) {
        guard let stride = elementType.scalarByteCount else {
            preconditionFailure("\(elementType) arrays are not read in place")
        }
        self.elementType = elementType
        self.bytes = bytes
        self.file = file
        self.stride = stride
    }

    /// The first index, 0.
    public var startIndex: Int { 0 }
    /// The element count.
    public var endIndex: Int { bytes.count / stride }

    /// Element `index`, decoded from the file.
    public subscript(index: Int) -> GGUFValue {
        precondition(index >= 0 && index < endIndex, "index \(index) is out of range 0..<\(endIndex)")
        return GGUFValue.scalar(of: elementType, in: UnsafeRawBufferPointer(rebasing: bytes[(index * stride)...]))
    }

    /// Whether `a` and `b` have the same element type and the same bytes.
    public static func == (a: GGUFNumericArray, b: GGUFNumericArray) -> Bool {
        a.elementType == b.elementType && a.bytes.count == b.bytes.count
            && (a.bytes.baseAddress == b.bytes.baseAddress || a.bytes.elementsEqual(b.bytes))
    }
}
