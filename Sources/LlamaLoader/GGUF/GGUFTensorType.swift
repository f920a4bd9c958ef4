// The tensor element types of GGUF (ggml's `ggml_type`) and the ones we read.
// Explained in Documentation/21-Quantization-and-GGUF.md.

import LlamaTensor

/// A ggml tensor type code as stored in a GGUF tensor info.
public struct GGMLType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code (`GGML_TYPE_F32` = 0, ... `GGML_TYPE_BF16` = 30).
    public let rawValue: UInt32
    /// Wraps a code read from a file (any value: unknown ones are reported by name).
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `GGML_TYPE_F32`
    public static let f32 = GGMLType(rawValue: 0)
    /// `GGML_TYPE_F16`
    public static let f16 = GGMLType(rawValue: 1)
    /// `GGML_TYPE_Q4_0`
    public static let q4_0 = GGMLType(rawValue: 2)
    /// `GGML_TYPE_Q4_1`
    public static let q4_1 = GGMLType(rawValue: 3)
    /// `GGML_TYPE_Q8_0`
    public static let q8_0 = GGMLType(rawValue: 8)
    /// `GGML_TYPE_Q4_K`
    public static let q4_K = GGMLType(rawValue: 12)
    /// `GGML_TYPE_Q5_0`
    public static let q5_0 = GGMLType(rawValue: 6)
    /// `GGML_TYPE_Q5_1`
    public static let q5_1 = GGMLType(rawValue: 7)
    /// `GGML_TYPE_Q6_K`
    public static let q6_K = GGMLType(rawValue: 14)
    /// `GGML_TYPE_BF16`
    public static let bf16 = GGMLType(rawValue: 30)

    /// The matching element type, for the types we compute with.
    public var dtype: DType? {
        DType.allCases.first { GGMLType($0) == self }
    }

    /// The code for one of our element types.
    public init(_ dtype: DType) {
        switch dtype {
        case .f32: self = .f32
        case .f16: self = .f16
        case .q8_0: self = .q8_0
        case .q4_0: self = .q4_0
        case .q4_1: self = .q4_1
        case .q4_K: self = .q4_K
        case .q5_0: self = .q5_0
        case .q5_1: self = .q5_1
        case .q6_K: self = .q6_K
        case .bf16: self = .bf16
        }
    }

    /// ggml's name for the type (`Q4_K`, `BF16`, ...), or `type N` for codes it lacks.
    public var description: String {
        let names = ["F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
                     "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS",
                     "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64",
                     "IQ1_M", "BF16"]
        return Int(rawValue) < names.count ? names[Int(rawValue)] : "type \(rawValue)"
    }

    /// The names of the types we compute with, for messages: "F32, F16, BF16, Q8_0, Q4_0 or Q4_1".
    public static var supportedNames: String {
        let names = DType.allCases.map { GGMLType($0).description }
        return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
    }
}
