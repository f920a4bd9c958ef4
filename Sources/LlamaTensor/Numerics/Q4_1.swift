// GGML's Q4_1: 32 weights as 4-bit levels above the block's minimum, with an f16 scale and
// an f16 minimum. Explained in Documentation/21-Quantization-and-GGUF.md.

/// The Q4_1 block format, as llama.cpp (`block_q4_1`) and the `gguf` package define it.
///
/// ```
/// one block, 20 bytes:   d (f16) | m (f16) | 16 bytes of nibbles, ordered as in Q4_0
/// value i of the block:  d · q_i + m
/// ```
///
/// `m` is the block's minimum and `d = (max − min) / 15`, so the 16 levels span the block's
/// range exactly: better than Q4_0 for blocks that are not centered on 0. 5 bits per weight.
public enum Q4_1: SingleUnitFormat {
    /// `.q4_1`.
    public static var dtype: DType { .q4_1 }
    /// The scale and the minimum and 16 bytes of nibbles.
    public static var blockByteSize: Int { 20 }
    /// Each block adds its minimum.
    public static var hasOffset: Bool { true }

    /// The 32 nibbles.
    @inlinable
    public static func levels(_ block: UnsafeRawPointer) -> SIMD32<Int8> {
        nibbles(block.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self))
    }

    /// As `gguf.quants.Q4_1.quantize_blocks`: `d = (max − min) / 15`,
    /// `q = trunc((x − min) · (1/d) + 0.5)` clipped to 0...15, all in `Float`, then `d`
    /// and `min` stored as f16.
    public static func quantizeUnit(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) {
        let (low, high) = extremes(x)
        let d = (high - low) / 15
        let inverse: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: Float16(d).bitPattern.littleEndian, as: UInt16.self)
        out.storeBytes(of: Float16(low).bitPattern.littleEndian, toByteOffset: 2, as: UInt16.self)
        for j in 0..<16 {
            let a = Q4_0.level((x[j] - low) * inverse + 0.5), b = Q4_0.level((x[j + 16] - low) * inverse + 0.5)
            out.storeBytes(of: a | b << 4, toByteOffset: 4 + j, as: UInt8.self)
        }
    }
}
