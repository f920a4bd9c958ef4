// GGML's Q8_0 block quantization: 32 weights as signed bytes plus one f16 scale.
// Explained in Documentation/21-Quantization-and-GGUF.md.

/// The Q8_0 block format, as llama.cpp (`block_q8_0` in ggml-common.h) and the `gguf`
/// Python package define it.
///
/// ```
/// one block, 34 bytes:   d (f16, little-endian) | q0 q1 ... q31 (int8)
/// value i of the block:  d · q_i
/// ```
///
/// Quantizing picks `d = max|x_i| / 127`, so the largest element maps to ±127 and every
/// other element rounds to the nearest of 255 evenly spaced levels. The error of an
/// element is at most `d / 2`: half a step, relative to its block's largest value.
public enum Q8_0 {
    /// Elements per block.
    public static let blockSize = 32
    /// Bytes per block: a 2-byte scale and 32 one-byte values.
    public static let blockByteSize = 34

    /// Quantizes 32 floats into one 34-byte block at `out`, exactly as the `gguf`
    /// package's `quantize(..., Q8_0)` does: `d = max|x| / 127` (in f32), `q = round(x · (1/d))`
    /// with halves rounded away from zero, then `d` stored as f16.
    public static func quantizeUnit(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) {
        // doc: quantize-block
        var amax: Float = 0
        for i in 0..<blockSize { amax = max(amax, abs(x[i])) }
        let d = amax / 127
        let inverse: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: Float16(d).bitPattern.littleEndian, as: UInt16.self)
        for i in 0..<blockSize {
            out.storeBytes(of: Int8(level(x[i] * inverse)), toByteOffset: 2 + i, as: Int8.self)
        }
        // doc: end
    }

    /// `v` rounded (halves away from zero) to an integer level in -127...127. NaN gives 0
    /// and anything beyond the range its end, so a block holding an infinity or a NaN (a
    /// broken checkpoint or a diverged activation) quantizes without trapping.
    @inlinable
    public static func level(_ v: Float) -> Int16 {
        let r = v.rounded(.toNearestOrAwayFromZero)
        if r >= -127 && r <= 127 { return Int16(r) }
        return r > 127 ? 127 : (r < -127 ? -127 : 0)
    }

    /// The scale `d` of the block at `block`, widened from f16.
    @inlinable
    public static func scale(of block: UnsafeRawPointer) -> Float {
        halfToFloat(UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
    }

    /// Widens IEEE half-precision bits to `Float` with integer and float arithmetic only.
    ///
    /// Why not `Float(Float16(bitPattern:))`: on a baseline x86-64 build (no F16C) that is
    /// a library call, and the kernels widen one scale per 32 weights. Sign-extending the
    /// 16 bits and shifting them left by 13 puts the 15 magnitude bits where a float's
    /// exponent and mantissa start and keeps the sign in bit 31; the mask clears the copies
    /// of the sign in between. Multiplying by 2^112 (the difference of the exponent biases,
    /// 127 − 15) then gives the value, exactly for every finite half, subnormals and zeros
    /// included (`halfToFloatIsExact` checks all of them). Infinities and NaNs come out as
    /// large finite numbers; scales are finite.
    @inlinable
    public static func halfToFloat(_ bits: UInt16) -> Float {
        let shifted = UInt32(bitPattern: Int32(Int16(bitPattern: bits)) << 13) & 0x8FFF_E000
        return Float(bitPattern: shifted) * Float(bitPattern: 0x7780_0000)
    }
}
