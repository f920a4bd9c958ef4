// GGML's Q5_0 and Q5_1: 32 weights as 5-bit levels, the low four bits as in Q4_0 and Q4_1
// and the fifth bits of all 32 packed in one 32-bit word. llama.cpp writes them for tensors
// whose rows are not whole K-quant super-blocks (a Q4_K_M file of a model with 576-wide rows
// holds them). Explained in Documentation/21-Quantization-and-GGUF.md.

/// The 32 five-bit levels of a Q5 block: the nibbles of the 16 bytes at `nibbles` (ordered as
/// in Q4_0) with bit i of the little-endian word at `highBits` as bit 4 of level i.
@inlinable
func fiveBitLevels(_ block: UnsafeRawPointer, highBits: Int, nibbles at: Int) -> SIMD32<Int8> {
    let low = nibbles(block.loadUnaligned(fromByteOffset: at, as: SIMD16<UInt8>.self))
    let word = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: highBits, as: UInt32.self))
    var high = SIMD32<Int8>()
    for i in 0..<32 { high[i] = Int8(truncatingIfNeeded: (word >> UInt32(i)) & 1) << 4 }
    return low | high
}

/// Stores 32 five-bit levels as Q5's high-bit word (at `highBits`) and nibbles (at `at`).
@inlinable
func storeFiveBitLevels(_ q: [UInt8], into out: UnsafeMutableRawPointer, highBits: Int, nibbles at: Int) {
    var word: UInt32 = 0
    for i in 0..<32 { word |= UInt32(q[i] >> 4) << UInt32(i) }
    out.storeBytes(of: word.littleEndian, toByteOffset: highBits, as: UInt32.self)
    for j in 0..<16 {
        out.storeBytes(of: (q[j] & 0x0F) | (q[j + 16] & 0x0F) << 4, toByteOffset: at + j, as: UInt8.self)
    }
}

/// `trunc(v)` as a level in 0...31 (NaN gives 0), like numpy's cast to `uint8` and clip.
@inlinable
func fiveBitLevel(_ v: Float) -> UInt8 {
    guard v >= 0 else { return 0 }
    return v >= 31 ? 31 : UInt8(v)
}

/// The Q5_0 block format (`block_q5_0`), as llama.cpp and the `gguf` package define it.
///
/// ```
/// one block, 22 bytes:   d (f16) | qh (4 bytes: bit i is bit 4 of level i) | 16 bytes of nibbles
/// value i of the block:  d · (q_i − 16)
/// ```
///
/// 5.5 bits per weight.
public enum Q5_0: SingleUnitFormat {
    /// `.q5_0`.
    public static var dtype: DType { .q5_0 }
    /// The scale, the high bits and 16 bytes of nibbles.
    public static var blockByteSize: Int { 22 }
    /// Symmetric around 0 (after subtracting 16 from each level).
    public static var hasOffset: Bool { false }

    /// The 32 levels minus 16.
    @inlinable
    public static func levels(_ block: UnsafeRawPointer) -> SIMD32<Int8> {
        fiveBitLevels(block, highBits: 2, nibbles: 6) &- SIMD32(repeating: 16)
    }

    /// As `gguf.quants.Q5_0.quantize_blocks`: `d = x_max / −16` (the first element of
    /// largest magnitude), `q = trunc(x · (1/d) + 16.5)` clipped to 0...31, all in `Float`,
    /// then `d` stored as f16.
    public static func quantizeUnit(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) {
        let d = largestMagnitude(x) / -16
        let inverse: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: Float16(d).bitPattern.littleEndian, as: UInt16.self)
        storeFiveBitLevels((0..<32).map { fiveBitLevel(x[$0] * inverse + 16.5) }, into: out, highBits: 2, nibbles: 6)
    }
}

/// The Q5_1 block format (`block_q5_1`), as llama.cpp and the `gguf` package define it.
///
/// ```
/// one block, 24 bytes:   d (f16) | m (f16) | qh (4 bytes) | 16 bytes of nibbles
/// value i of the block:  d · q_i + m
/// ```
///
/// 6 bits per weight.
public enum Q5_1: SingleUnitFormat {
    /// `.q5_1`.
    public static var dtype: DType { .q5_1 }
    /// The scale, the minimum, the high bits and 16 bytes of nibbles.
    public static var blockByteSize: Int { 24 }
    /// Each block adds its minimum.
    public static var hasOffset: Bool { true }

    /// The 32 levels.
    @inlinable
    public static func levels(_ block: UnsafeRawPointer) -> SIMD32<Int8> {
        fiveBitLevels(block, highBits: 4, nibbles: 8)
    }

    /// As `gguf.quants.Q5_1.quantize_blocks`: `d = (max − min) / 31`,
    /// `q = trunc((x − min) · (1/d) + 0.5)` clipped to 0...31, all in `Float`, then `d` and
    /// `min` stored as f16.
    public static func quantizeUnit(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) {
        let (low, high) = extremes(x)
        let d = (high - low) / 31
        let inverse: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: Float16(d).bitPattern.littleEndian, as: UInt16.self)
        out.storeBytes(of: Float16(low).bitPattern.littleEndian, toByteOffset: 2, as: UInt16.self)
        storeFiveBitLevels((0..<32).map { fiveBitLevel((x[$0] - low) * inverse + 0.5) }, into: out, highBits: 4, nibbles: 8)
    }
}
