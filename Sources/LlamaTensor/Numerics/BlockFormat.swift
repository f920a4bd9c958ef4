// What a block-quantized weight format is, for everything that reads or writes one: GGUF
// types, tensor sizes, dequantization, conversion and the integer matrix kernels
// (QuantizedProduct). A new format is one type that conforms, plus a `DType` case.
// Explained in Documentation/21-Quantization-and-GGUF.md.

/// A block-quantized weight format. A block holds `unitsPerBlock` units of 32 weights;
/// each unit's weights are small integer levels with the unit's scale `d` and, in some
/// formats, an offset `m`:
///
/// ```
/// weight i of a unit = d · level_i + m        (m = 0 when hasOffset is false)
/// ```
///
/// Q8_0, Q4_0 and Q4_1 have one unit per block (`SingleUnitFormat`); the K-quants pack
/// eight units in a super-block of 256 and store the units' scales there, quantized
/// themselves. The matrix kernels multiply a unit's levels with quantized activations in
/// integers and apply `d` (and `m` times the activations' sum) once per unit, so a format
/// only says how its bytes hold them.
public protocol BlockFormat {
    /// The element type of tensors in this format.
    static var dtype: DType { get }
    /// Bytes per block.
    static var blockByteSize: Int { get }
    /// Units of 32 weights per block.
    static var unitsPerBlock: Int { get }
    /// Whether weights carry an offset `m` (Q4_1, Q5_1, Q4_K) or are symmetric around 0.
    static var hasOffset: Bool { get }
    /// The scalar reference: the block's `32 · unitsPerBlock` weights into `out`, computed
    /// as `gguf.quants.dequantize` computes them.
    static func dequantize(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>)
    /// 256 times the exact integer dot product of unit `unit`'s levels with 32 activation
    /// levels at `xq` (in `IntegerDot.times256`'s order), as eight partial sums; or, for a
    /// format whose levels need more than 8 bits, the plain dot product (see `unitScale`).
    static func unitSum(_ block: UnsafeRawPointer, unit: Int, _ xq: UnsafePointer<Int16>) -> SIMD8<Int32>
    /// What turns `unitSum` times the activations' scale (divided by 256) into the unit's
    /// contribution: `d`, or `256 · d` when `unitSum` is the plain dot product.
    static func unitScale(_ block: UnsafeRawPointer, unit: Int) -> Float
    /// The unit's offset `m` (0 for symmetric formats).
    static func unitOffset(_ block: UnsafeRawPointer, unit: Int) -> Float
    /// Quantizes one block's weights at `x` into `out`, exactly as the `gguf` Python
    /// package's `quantize` does, or returns false for a format written only by
    /// llama.cpp's own quantizer (the K-quants).
    static func quantizeBlock(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) -> Bool
}

extension BlockFormat {
    /// Weights per block.
    @inlinable
    public static var blockSize: Int { 32 * unitsPerBlock }

    /// Weights `0..<count` (whole blocks) of the data at `blocks`, dequantized into `out`.
    public static func widen(_ blocks: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / blockSize) {
            dequantize(blocks + b * blockByteSize, into: out + b * blockSize)
        }
    }

    /// Weight `index` of the data starting at `blocks`.
    public static func element(_ blocks: UnsafeRawPointer, _ index: Int) -> Float {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: blockSize) { buffer in
            guard let out = buffer.baseAddress else { return .nan }
            dequantize(blocks + (index / blockSize) * blockByteSize, into: out)
            return out[index % blockSize]
        }
    }

    /// Quantizes `count` floats (a multiple of `blockSize`) into `count / blockSize`
    /// blocks; returns false for a format this package does not write.
    @discardableResult
    public static func quantize(_ x: UnsafeBufferPointer<Float>, into out: UnsafeMutableRawPointer) -> Bool {
        precondition(x.count % blockSize == 0, "\(x.count) elements is not a whole number of \(dtype) blocks")
        guard let base = x.baseAddress else { return true }
        for b in 0..<(x.count / blockSize) {
            guard quantizeBlock(base + b * blockSize, into: out + b * blockByteSize) else { return false }
        }
        return true
    }
}

/// A format with one unit of 32 weights per block and levels that fit a byte: it names where
/// the levels, the scale and the offset are, and the rest follows.
public protocol SingleUnitFormat: BlockFormat {
    /// The 32 levels of the block at `block`, in element order.
    static func levels(_ block: UnsafeRawPointer) -> SIMD32<Int8>
    /// The scale `d` of the block at `block`.
    static func scale(of block: UnsafeRawPointer) -> Float
    /// The offset `m` of the block at `block` (0 for symmetric formats).
    static func offset(of block: UnsafeRawPointer) -> Float
    /// Quantizes 32 floats at `x` into one block at `out`, as `gguf` does.
    static func quantizeUnit(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer)
}

extension SingleUnitFormat {
    /// One unit of 32 weights per block.
    @inlinable
    public static var unitsPerBlock: Int { 1 }

    /// `d · level + m` in `Float` (`d · level` without an offset), as
    /// `gguf.quants.dequantize` computes it.
    public static func dequantize(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let levels = levels(block), d = scale(of: block), m = offset(of: block)
        for i in 0..<32 {
            out[i] = hasOffset ? d * Float(levels[i]) + m : d * Float(levels[i])
        }
    }

    /// The levels' dot product through `IntegerDot.levelSum` (256 times the sum).
    @inline(__always)
    public static func unitSum(_ block: UnsafeRawPointer, unit: Int, _ xq: UnsafePointer<Int16>) -> SIMD8<Int32> {
        IntegerDot.levelSum(levels(block), xq)
    }

    /// The block's scale.
    @inline(__always)
    public static func unitScale(_ block: UnsafeRawPointer, unit: Int) -> Float { scale(of: block) }

    /// The block's offset.
    @inline(__always)
    public static func unitOffset(_ block: UnsafeRawPointer, unit: Int) -> Float { offset(of: block) }

    /// The f16 scale `d`, which every single-unit format stores first.
    @inlinable
    public static func scale(of block: UnsafeRawPointer) -> Float {
        Q8_0.halfToFloat(UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
    }

    /// The f16 offset `m` after the scale for formats with an offset (Q4_1, Q5_1), else 0.
    @inlinable
    public static func offset(of block: UnsafeRawPointer) -> Float {
        guard hasOffset else { return 0 }
        return Q8_0.halfToFloat(UInt16(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
    }

    /// `quantizeUnit`; always written.
    public static func quantizeBlock(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer) -> Bool {
        quantizeUnit(x, into: out)
        return true
    }
}

extension Q8_0: SingleUnitFormat {
    /// `.q8_0`.
    public static var dtype: DType { .q8_0 }
    /// Symmetric: no offset.
    public static var hasOffset: Bool { false }

    /// The 32 signed bytes after the scale.
    @inlinable
    public static func levels(_ block: UnsafeRawPointer) -> SIMD32<Int8> {
        block.loadUnaligned(fromByteOffset: 2, as: SIMD32<Int8>.self)
    }
}

/// The element of largest magnitude among 32 at `x`, with its sign (the first, on a tie),
/// the number the symmetric formats divide by: `gguf`'s `take_along_axis(x, argmax(|x|))`.
@inlinable
func largestMagnitude(_ x: UnsafePointer<Float>) -> Float {
    var largest: Float = 0
    for i in 0..<32 where abs(x[i]) > abs(largest) { largest = x[i] }
    return largest
}

/// The smallest and largest of 32 floats at `x`: the range the formats with an offset span.
@inlinable
func extremes(_ x: UnsafePointer<Float>) -> (low: Float, high: Float) {
    var low = x[0], high = x[0]
    for i in 1..<32 {
        low = min(low, x[i])
        high = max(high, x[i])
    }
    return (low, high)
}

/// The 32 four-bit values of 16 bytes in ggml's order: the low nibbles are elements 0-15,
/// the high nibbles elements 16-31 (`block_q4_0` in ggml-common.h).
@inlinable
func nibbles(_ bytes: SIMD16<UInt8>) -> SIMD32<Int8> {
    let low = bytes & SIMD16(repeating: 0x0F)
    let high = bytes &>> SIMD16(repeating: 4)
    // Same-width reinterpretation: every nibble fits either type.
    return unsafeBitCast(SIMD32(lowHalf: low, highHalf: high), to: SIMD32<Int8>.self)
}
