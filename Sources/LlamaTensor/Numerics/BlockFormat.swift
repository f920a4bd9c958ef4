// What a block-quantized weight format is, for everything that reads or writes one: GGUF
// types, tensor sizes, dequantization, conversion and the integer matrix kernels
// (QuantizedProduct). A new format is one type that conforms, plus a `DType` case.
// Explained in Documentation/17-Quantization-and-GGUF.md.

/// A block-quantized weight format: blocks of 32 weights stored as small integer levels
/// with a shared scale `d` and, in some formats, an offset `m`:
///
/// ```
/// weight i of a block = d · level_i + m        (m = 0 when hasOffset is false)
/// ```
///
/// The matrix kernels multiply the levels with quantized activations in integers and apply
/// `d` (and `m` times the activations' block sum) once per block, so a format needs only
/// to say how its bytes hold the levels, the scale and the offset.
public protocol BlockFormat {
    /// The element type of tensors in this format.
    static var dtype: DType { get }
    /// Bytes per block of `blockSize` weights.
    static var blockByteSize: Int { get }
    /// Whether weights carry an offset `m` (Q4_1) or are symmetric around 0 (Q8_0, Q4_0).
    static var hasOffset: Bool { get }
    /// The 32 levels of the block at `block`, in element order.
    static func levels(_ block: UnsafeRawPointer) -> SIMD32<Int8>
    /// The scale `d` of the block at `block`.
    static func scale(of block: UnsafeRawPointer) -> Float
    /// The offset `m` of the block at `block` (0 for symmetric formats).
    static func offset(of block: UnsafeRawPointer) -> Float
    /// Quantizes 32 floats at `x` into one block at `out`, exactly as the `gguf` Python
    /// package's `quantize` does for this type.
    static func quantizeBlock(_ x: UnsafePointer<Float>, into out: UnsafeMutableRawPointer)
}

extension BlockFormat {
    /// Weights per block: 32 for every format here.
    @inlinable
    public static var blockSize: Int { 32 }

    /// Weight `index` of the data starting at `blocks`: the scalar reference
    /// dequantization, `d · level + m` in `Float`, as `gguf.quants.dequantize` computes it.
    @inlinable
    public static func element(_ blocks: UnsafeRawPointer, _ index: Int) -> Float {
        let block = blocks + (index / blockSize) * blockByteSize
        let level = Float(levels(block)[index % blockSize])
        return hasOffset ? scale(of: block) * level + offset(of: block) : scale(of: block) * level
    }

    /// Weights `0..<count` (whole blocks) of the data at `blocks`, dequantized into `out`.
    public static func widen(_ blocks: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / blockSize) {
            let block = blocks + b * blockByteSize
            let levels = levels(block), d = scale(of: block), m = offset(of: block)
            for i in 0..<blockSize {
                out[b * blockSize + i] = hasOffset ? d * Float(levels[i]) + m : d * Float(levels[i])
            }
        }
    }

    /// Quantizes `count` floats (a multiple of `blockSize`) into `count / 32` blocks.
    public static func quantize(_ x: UnsafeBufferPointer<Float>, into out: UnsafeMutableRawPointer) {
        precondition(x.count % blockSize == 0, "\(x.count) elements is not a whole number of \(dtype) blocks")
        guard let base = x.baseAddress else { return }
        for b in 0..<(x.count / blockSize) {
            quantizeBlock(base + b * blockSize, into: out + b * blockByteSize)
        }
    }
}

extension Q8_0: BlockFormat {
    public static var dtype: DType { .q8_0 }
    public static var hasOffset: Bool { false }

    @inlinable
    public static func levels(_ block: UnsafeRawPointer) -> SIMD32<Int8> {
        block.loadUnaligned(fromByteOffset: 2, as: SIMD32<Int8>.self)
    }

    @inlinable
    public static func offset(of block: UnsafeRawPointer) -> Float { 0 }
}

/// The 32 four-bit values of 16 bytes in ggml's order: the low nibbles are elements 0-15,
/// the high nibbles elements 16-31 (`block_q4_0` in ggml-common.h).
@inlinable
func nibbles(_ bytes: SIMD16<UInt8>) -> SIMD32<Int8> {
    let low = SIMD16<Int8>(truncatingIfNeeded: bytes & 0x0F)
    let high = SIMD16<Int8>(truncatingIfNeeded: bytes &>> 4)
    return SIMD32(lowHalf: low, highHalf: high)
}
