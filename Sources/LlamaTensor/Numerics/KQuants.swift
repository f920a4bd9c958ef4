// GGML's K-quants Q4_K and Q6_K: super-blocks of 256 weights in eight units of 32 (Q6_K:
// sixteen scales of 16), whose scales are quantized too. Q4_K_M files, the most downloaded
// GGUF kind, hold mostly these two. Read here; written only by llama.cpp's quantizer.
// Explained in Documentation/21-Quantization-and-GGUF.md.

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
        if j < 4 {
            return (s.load(fromByteOffset: j, as: UInt8.self) & 63, s.load(fromByteOffset: j + 4, as: UInt8.self) & 63)
        }
        let low = s.load(fromByteOffset: j + 4, as: UInt8.self)
        let scaleHigh = s.load(fromByteOffset: j - 4, as: UInt8.self), minHigh = s.load(fromByteOffset: j, as: UInt8.self)
        return ((low & 0x0F) | ((scaleHigh >> 2) & 0x30), (low >> 4) | ((minHigh >> 2) & 0x30))
    }

    @inline(__always)
    static func levels(_ block: UnsafeRawPointer, unit j: Int) -> SIMD32<Int8> {
        // Low nibbles for even units, high for odd, chosen with a mask, sixteen bytes at a
        // time: byte shifts of 32-lane vectors (or by a variable amount) become loops over
        // the lanes.
        let odd = j % 2 == 1, offset = 16 + 32 * (j / 2)
        func half(_ at: Int) -> SIMD16<UInt8> {
            let bytes = block.loadUnaligned(fromByteOffset: offset + at, as: SIMD16<UInt8>.self)
            return choose(odd, bytes &>> SIMD16(repeating: 4), bytes & SIMD16(repeating: 0x0F))
        }
        return unsafeBitCast(SIMD32(lowHalf: half(0), highHalf: half(16)), to: SIMD32<Int8>.self)
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
        // Constant shifts and masks on sixteen bytes at a time (see `Q4_K.levels`).
        func half(_ at: Int) -> SIMD16<UInt8> {
            let low = block.loadUnaligned(fromByteOffset: 64 * h + 32 * (k % 2) + at, as: SIMD16<UInt8>.self)
            let high = block.loadUnaligned(fromByteOffset: 128 + 32 * h + at, as: SIMD16<UInt8>.self)
            let nibble = choose(k >= 2, low &>> SIMD16(repeating: 4), low & SIMD16(repeating: 0x0F))
            let pairs = choose(k % 2 == 1, high &>> SIMD16(repeating: 2), high)
            let top = choose(k >= 2, pairs &>> SIMD16(repeating: 4), pairs) & SIMD16(repeating: 0x03)
            return nibble | top &<< SIMD16(repeating: 4)
        }
        let levels = unsafeBitCast(SIMD32(lowHalf: half(0), highHalf: half(16)), to: SIMD32<Int8>.self)
        return levels &- SIMD32(repeating: 32)
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
        let (a, b) = scales(block, unit: unit)
        // times256 puts 256 · level in each lane, in the activations' order (weights 0-7
        // and 16-23, then 8-15 and 24-31); an arithmetic shift by 8 leaves the level.
        let (w0, w1) = IntegerDot.times256(levels(block, unit: unit))
        let scale = SIMD16<Int16>(lowHalf: SIMD8(repeating: Int16(a)), highHalf: SIMD8(repeating: Int16(b)))
        let eight = SIMD16<Int16>(repeating: 8)
        let x = UnsafeRawPointer(xq)
        return IntegerDot.pairedProducts((w0 &>> eight) &* scale, x.load(as: SIMD16<Int16>.self))
            &+ IntegerDot.pairedProducts((w1 &>> eight) &* scale, x.load(fromByteOffset: 32, as: SIMD16<Int16>.self))
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

/// `whenTrue` if `condition`, else `whenFalse`, without a branch: through an all-ones or
/// all-zeros mask.
@inline(__always)
func choose(_ condition: Bool, _ whenTrue: SIMD16<UInt8>, _ whenFalse: SIMD16<UInt8>) -> SIMD16<UInt8> {
    let mask = SIMD16<UInt8>(repeating: condition ? 0xFF : 0)
    return (whenTrue & mask) | (whenFalse & ~mask)
}
