// GGML's K-quants Q4_K and Q6_K: super-blocks of 256 weights in eight units of 32 (Q6_K:
// sixteen scales of 16), whose scales are quantized too. Q4_K_M files, the most downloaded
// GGUF kind, hold mostly these two. Read here; written only by llama.cpp's quantizer.
// Explained in Documentation/17-Quantization-and-GGUF.md.

/// The Q4_K format (`block_q4_K`): 144 bytes per 256 weights, 4.5 bits per weight.
///
/// ```
/// d (f16) | dmin (f16) | 12 bytes: eight 6-bit scales sc_j and mins m_j | 128 bytes of nibbles
/// weight i of unit j = (d · sc_j) · q_i − dmin · m_j
/// ```
///
/// Units 2c and 2c+1 share bytes 32c..<32c+32 of the nibbles: low nibbles for the first,
/// high for the second. The 6-bit scales and mins of units 0-3 are the low bits of bytes
/// 0-3 and 4-7; those of units 4-7 take four bits from bytes 8-11 and their top two bits
/// from the top of bytes 0-7.
public enum Q4_K: BlockFormat {
    /// `.q4_K`.
    public static var dtype: DType { .q4_K }
    /// 2 + 2 + 12 + 128 bytes.
    public static var blockByteSize: Int { 144 }
    /// Eight units of 32: 256 weights.
    public static var unitsPerBlock: Int { 8 }
    /// Each unit subtracts `dmin · m_j`.
    public static var hasOffset: Bool { true }

    /// The 6-bit scale and min of unit `j`.
    @inline(__always)
    static func scaleAndMin(_ block: UnsafeRawPointer, _ j: Int) -> (scale: UInt8, min: UInt8) {
        let s = block + 4
        func byte(_ i: Int) -> UInt8 { s.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (byte(j) & 63, byte(j + 4) & 63) }
        return ((byte(j + 4) & 0x0F) | ((byte(j - 4) >> 2) & 0x30), (byte(j + 4) >> 4) | ((byte(j) >> 2) & 0x30))
    }

    @inline(__always)
    static func levels(_ block: UnsafeRawPointer, unit j: Int) -> SIMD32<Int8> {
        let bytes = block.loadUnaligned(fromByteOffset: 16 + 32 * (j / 2), as: SIMD32<UInt8>.self)
        let levels = j % 2 == 0 ? bytes & SIMD32(repeating: 0x0F) : bytes &>> SIMD32(repeating: 4)
        return unsafeBitCast(levels, to: SIMD32<Int8>.self)
    }

    @inline(__always)
    static func d(_ block: UnsafeRawPointer) -> Float {
        Q8_0.halfToFloat(UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
    }

    @inline(__always)
    static func dmin(_ block: UnsafeRawPointer) -> Float {
        Q8_0.halfToFloat(UInt16(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
    }

    /// `(d · sc_j) · q − dmin · m_j` in `Float`, as `gguf.quants.dequantize`.
    public static func dequantize(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        for j in 0..<8 {
            let (sc, m) = scaleAndMin(block, j)
            let scale = d(block) * Float(sc), offset = dmin(block) * Float(m)
            let q = levels(block, unit: j)
            for i in 0..<32 { out[32 * j + i] = scale * Float(q[i]) - offset }
        }
    }

    /// The unit's nibbles through `IntegerDot.levelSum` (256 times the sum).
    @inline(__always)
    public static func unitSum(_ block: UnsafeRawPointer, unit: Int, _ xq: UnsafePointer<Int16>) -> SIMD8<Int32> {
        IntegerDot.levelSum(levels(block, unit: unit), xq)
    }

    /// `d · sc_j`.
    @inline(__always)
    public static func unitScale(_ block: UnsafeRawPointer, unit: Int) -> Float {
        d(block) * Float(scaleAndMin(block, unit).scale)
    }

    /// `−dmin · m_j`.
    @inline(__always)
    public static func unitOffset(_ block: UnsafeRawPointer, unit: Int) -> Float {
        -(dmin(block) * Float(scaleAndMin(block, unit).min))
    }

    /// Not written here: llama.cpp's quantizer chooses K-quant scales by a search this package does not repeat.
    public static func quantizeBlock(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) -> Bool { false }
}

/// The Q6_K format (`block_q6_K`): 210 bytes per 256 weights, 6.56 bits per weight.
///
/// ```
/// 128 bytes ql (low 4 bits) | 64 bytes qh (high 2 bits) | 16 int8 scales | d (f16)
/// weight i = (d · scale_(i/16)) · (q_i − 32),   q_i = ql nibble | qh bits << 4
/// ```
///
/// Unit u (of eight) lies in half h = u / 4 of the block; with k = u % 4, its low bits are
/// the low (k < 2) or high nibbles of ql bytes 64h + 32(k % 2) ..< +32, and its high bits
/// are bits 2k and 2k+1 of qh bytes 32h ..< +32. Each unit has two scales, one per 16
/// weights, so the kernel multiplies levels and scales first, in 16 bits (at most
/// 32 · 128 = 4096 in magnitude), and takes the dot product of those (`unitScale` is then
/// `256 · d`).
public enum Q6_K: BlockFormat {
    /// `.q6_K`.
    public static var dtype: DType { .q6_K }
    /// 128 + 64 + 16 + 2 bytes.
    public static var blockByteSize: Int { 210 }
    /// Eight units of 32: 256 weights.
    public static var unitsPerBlock: Int { 8 }
    /// Symmetric around 0 (after subtracting 32 from each level).
    public static var hasOffset: Bool { false }

    /// The 32 levels `q − 32` of unit `u`, in element order.
    @inline(__always)
    static func levels(_ block: UnsafeRawPointer, unit u: Int) -> SIMD32<Int8> {
        let h = u / 4, k = u % 4
        let low = block.loadUnaligned(fromByteOffset: 64 * h + 32 * (k % 2), as: SIMD32<UInt8>.self)
        let high = block.loadUnaligned(fromByteOffset: 128 + 32 * h, as: SIMD32<UInt8>.self)
        // Vector operands throughout: scalar-broadcast SIMD operators are not always inlined.
        let nibble = k < 2 ? low & SIMD32(repeating: 0x0F) : low &>> SIMD32(repeating: 4)
        let top = (high &>> SIMD32(repeating: UInt8(2 * k))) & SIMD32(repeating: 0x03)
        return unsafeBitCast(nibble | top &<< SIMD32(repeating: 4), to: SIMD32<Int8>.self) &- SIMD32(repeating: 32)
    }

    /// The two scales of unit `u` (for its weights 0-15 and 16-31).
    @inline(__always)
    static func scales(_ block: UnsafeRawPointer, unit u: Int) -> (Int8, Int8) {
        (block.load(fromByteOffset: 192 + 2 * u, as: Int8.self), block.load(fromByteOffset: 193 + 2 * u, as: Int8.self))
    }

    @inline(__always)
    static func d(_ block: UnsafeRawPointer) -> Float {
        Q8_0.halfToFloat(UInt16(littleEndian: block.loadUnaligned(fromByteOffset: 208, as: UInt16.self)))
    }

    /// `(d · scale) · (q − 32)` in `Float`, as `gguf.quants.dequantize`.
    public static func dequantize(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        for u in 0..<8 {
            let (a, b) = scales(block, unit: u)
            let q = levels(block, unit: u)
            let first = d(block) * Float(a), second = d(block) * Float(b)
            for i in 0..<32 { out[32 * u + i] = (i < 16 ? first : second) * Float(q[i]) }
        }
    }

    /// The dot product of `(q − 32) · scale` with the activation levels, whose order puts
    /// weights 0-7 and 16-23 in the first sixteen lanes and 8-15 and 24-31 in the next.
    @inline(__always)
    public static func unitSum(_ block: UnsafeRawPointer, unit: Int, _ xq: UnsafePointer<Int16>) -> SIMD8<Int32> {
        let q = levels(block, unit: unit)
        let (a, b) = scales(block, unit: unit)
        var first = SIMD16<Int16>(), second = SIMD16<Int16>()
        for i in 0..<8 {
            first[i] = Int16(q[i]) &* Int16(a)
            first[8 + i] = Int16(q[16 + i]) &* Int16(b)
            second[i] = Int16(q[8 + i]) &* Int16(a)
            second[8 + i] = Int16(q[24 + i]) &* Int16(b)
        }
        let x = UnsafeRawPointer(xq)
        return IntegerDot.pairedProducts(first, x.load(as: SIMD16<Int16>.self))
            &+ IntegerDot.pairedProducts(second, x.load(fromByteOffset: 32, as: SIMD16<Int16>.self))
    }

    /// `256 · d`: `unitSum` is the plain dot product of scaled levels.
    @inline(__always)
    public static func unitScale(_ block: UnsafeRawPointer, unit: Int) -> Float { 256 * d(block) }

    /// 0: symmetric.
    @inline(__always)
    public static func unitOffset(_ block: UnsafeRawPointer, unit: Int) -> Float { 0 }

    /// Not written here: llama.cpp's quantizer chooses K-quant scales by a search this package does not repeat.
    public static func quantizeBlock(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) -> Bool { false }
}
