// GGML's Q4_0: 32 weights as 4-bit levels around 8, with one f16 scale.
// Explained in Documentation/21-Quantization-and-GGUF.md.

/// The Q4_0 block format, as llama.cpp (`block_q4_0`) and the `gguf` package define it.
///
/// ```
/// one block, 18 bytes:   d (f16) | 16 bytes: element j in the low nibble of byte j,
///                                   element j + 16 in its high nibble
/// value i of the block:  d · (q_i − 8)
/// ```
///
/// Quantizing divides by `d = x_max / −8`, where `x_max` is the element of largest
/// magnitude (with its sign): that element becomes level −8 (stored 0), and the others
/// round to the nearest of 16 levels. 4.5 bits per weight.
public enum Q4_0: SingleUnitFormat {
    /// `.q4_0`.
    public static var dtype: DType { .q4_0 }
    /// The scale and 16 bytes of nibbles.
    public static var blockByteSize: Int { 18 }
    /// Symmetric around 0 (after subtracting 8 from each level).
    public static var hasOffset: Bool { false }

    /// The 32 nibbles minus 8.
    @inlinable
    public static func levels(_ block: UnsafeRawPointer) -> SIMD32<Int8> {
        // A vector operand, not `&- 8`: the scalar-broadcast operator is not inlined, and
        // this runs once per 32 weights of every matrix product.
        nibbles(block.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self)) &- SIMD32(repeating: 8)
    }

    /// As `gguf.quants.Q4_0.quantize_blocks`: `d = x_max / −8` (the first element of
    /// largest magnitude), `q = trunc(x · (1/d) + 8.5)` clipped to 0...15, all in `Float`,
    /// then `d` stored as f16.
    public static func quantizeUnit(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) {
        let d = largestMagnitude(x) / -8
        let inverse: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: Float16(d).bitPattern.littleEndian, as: UInt16.self)
        for j in 0..<16 {
            let low = level(x[j] * inverse + 8.5), high = level(x[j + 16] * inverse + 8.5)
            out.storeBytes(of: low | high << 4, toByteOffset: 2 + j, as: UInt8.self)
        }
    }

    /// `trunc(v)` as a level in 0...15 (NaN gives 0), like numpy's cast to `uint8` and clip.
    @inlinable
    static func level(_ v: Float) -> UInt8 {
        guard v >= 0 else { return 0 }
        return v >= 15 ? 15 : UInt8(v)
    }
}
