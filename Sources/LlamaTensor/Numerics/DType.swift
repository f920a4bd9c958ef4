// The element types a tensor can hold. Explained in Documentation/05-Tensors-and-Kernels.md.

/// The element type of a tensor's bytes.
///
/// Checkpoint weights are `bf16` (sometimes `f16` or `f32`); activations, norms and the
/// KV cache are always `f32`.
public enum DType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// bfloat16: 1 sign, 8 exponent, 7 mantissa bits (`BFloat16`).
    case bf16
    /// IEEE 754 half precision: 1 sign, 5 exponent, 10 mantissa bits (`Float16`).
    case f16
    /// IEEE 754 single precision (`Float`).
    case f32

    /// Bytes per element.
    @inlinable
    public var byteSize: Int {
        switch self {
        case .bf16, .f16: return 2
        case .f32: return 4
        }
    }

    /// The short name used in error messages and by `llama-cli info` (`bf16`, `f16`, `f32`).
    public var description: String { rawValue }
}
