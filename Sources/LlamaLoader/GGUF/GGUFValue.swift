// The typed values of a GGUF file's metadata. Explained in
// Documentation/17-Quantization-and-GGUF.md.

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
}

/// One metadata value of a GGUF file.
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
    /// An `array` of elements of one type (kept for empty arrays, so they write back).
    case array(GGUFValueType, [GGUFValue])

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

    /// The elements, for `array` values.
    public var array: [GGUFValue]? {
        if case let .array(_, elements) = self { return elements }
        return nil
    }

    /// The type code this value is written with.
    public var type: GGUFValueType {
        switch self {
        case let .unsigned(_, t), let .signed(_, t), let .float(_, t): return t
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// A short form for messages and `llama-cli info`: arrays show their length.
    public var summary: String {
        switch self {
        case let .unsigned(v, _): return "\(v)"
        case let .signed(v, _): return "\(v)"
        case let .float(v, _): return "\(v)"
        case let .bool(v): return "\(v)"
        case let .string(s): return s.count > 60 ? "\"\(s.prefix(57))...\"" : "\"\(s)\""
        case let .array(t, elements): return "[\(elements.count) × \(t)]"
        }
    }
}
