// The element types a tensor can hold. Explained in Documentation/19-Making-It-Fast.md
// and Documentation/21-Quantization-and-GGUF.md (q8_0).

/// The element type of a tensor's bytes.
///
/// Checkpoint weights are `bf16` (sometimes `f16` or `f32`); activations, norms and the
/// KV cache are always `f32`. GGUF files add the block formats `q8_0`, `q4_0` and `q4_1`
/// (`BlockFormat`): the elements come in blocks of 32 that share one scale, so sizes are
/// counted in blocks (`blockSize`, `blockByteSize`), not per element.
public enum DType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// bfloat16: 1 sign, 8 exponent, 7 mantissa bits (`BFloat16`).
    case bf16
    /// IEEE 754 half precision: 1 sign, 5 exponent, 10 mantissa bits (`Float16`).
    case f16
    /// IEEE 754 single precision (`Float`).
    case f32
    /// GGML's Q8_0: blocks of 32 signed 8-bit integers with one f16 scale (34 bytes per
    /// block, 8.5 bits per weight). See `Q8_0`.
    case q8_0
    /// GGML's Q4_0: blocks of 32 four-bit levels with one f16 scale (18 bytes, 4.5 bits per
    /// weight). See `Q4_0`.
    case q4_0
    /// GGML's Q4_1: blocks of 32 four-bit levels with an f16 scale and minimum (20 bytes, 5
    /// bits per weight). See `Q4_1`.
    case q4_1
    /// GGML's Q5_0: blocks of 32 five-bit levels with one f16 scale (22 bytes, 5.5 bits per
    /// weight). See `Q5_0`.
    case q5_0
    /// GGML's Q5_1: blocks of 32 five-bit levels with an f16 scale and minimum (24 bytes, 6
    /// bits per weight). See `Q5_1`.
    case q5_1
    /// GGML's Q4_K: super-blocks of 256 weights in eight units with 6-bit scales and mins
    /// (144 bytes, 4.5 bits per weight). Read only. See `Q4_K`.
    case q4_K
    /// GGML's Q6_K: super-blocks of 256 six-bit weights with sixteen 8-bit scales (210
    /// bytes, 6.56 bits per weight). Read only. See `Q6_K`.
    case q6_K

    /// The block format of a quantized type, nil for the plain types.
    @inlinable
    public var blockFormat: (any BlockFormat.Type)? {
        switch self {
        case .bf16, .f16, .f32: return nil
        case .q8_0: return Q8_0.self
        case .q4_0: return Q4_0.self
        case .q4_1: return Q4_1.self
        case .q4_K: return Q4_K.self
        case .q6_K: return Q6_K.self
        case .q5_0: return Q5_0.self
        case .q5_1: return Q5_1.self
        }
    }

    /// Elements per block: 32 for `q8_0`, 1 for the plain types. A tensor's last axis must
    /// be a multiple of it (a block never spans two rows).
    @inlinable
    public var blockSize: Int {
        blockFormat?.blockSize ?? 1
    }

    /// Bytes per block (per element for the plain types).
    @inlinable
    public var blockByteSize: Int {
        switch self {
        case .bf16, .f16: return 2
        case .f32: return 4
        default: return blockFormat?.blockByteSize ?? 0
        }
    }

    /// Bytes that `count` elements take; `count` must be a multiple of `blockSize`.
    @inlinable
    public func byteCount(elements count: Int) -> Int {
        count / blockSize * blockByteSize
    }

    /// The short name used in error messages and by `llama-cli info` (`bf16`, `q8_0`, ...).
    public var description: String { rawValue }
}
