// BFloat16: the 16-bit floating-point format Meta's checkpoints store their weights in.
// Explained in Documentation/06-BFloat16.md.

/// A brain floating-point number: the top 16 bits of an IEEE 754 `Float`.
///
/// One sign bit, the same 8 exponent bits as `Float` (so the same range) and 7 mantissa
/// bits (so about 2-3 significant decimal digits). Widening to `Float` is exact: append
/// 16 zero bits. Narrowing from `Float` rounds to nearest, ties to even, exactly as
/// PyTorch's `torch.bfloat16` does, and turns every NaN into the quiet NaN `0x7FC0`.
///
/// ```swift
/// let x = BFloat16(1.00390625)   // halfway between two bf16 values
/// x.bitPattern                   // 0x3F80: the tie went to the even neighbour, 1.0
/// Float(x)                       // 1.0
/// ```
@frozen
public struct BFloat16: Hashable, Sendable {
    /// The raw 16 bits: sign, 8 exponent bits, 7 mantissa bits.
    public var bitPattern: UInt16

    /// Creates a value from its raw 16 bits.
    @inlinable
    public init(bitPattern: UInt16) {
        self.bitPattern = bitPattern
    }

    /// Rounds a `Float` to the nearest `BFloat16`, ties to even. NaN stays NaN.
    @inlinable
    public init(_ value: Float) {
        // doc: bfloat16-from-float
        let bits = value.bitPattern
        if value.isNaN {
            // PyTorch (c10/util/BFloat16.h) returns the canonical quiet NaN for any NaN;
            // truncating instead could turn a NaN with only low payload bits into infinity.
            self.bitPattern = 0x7FC0
            return
        }
        // Adding 0x7FFF rounds up exactly when the dropped half is above one half; the
        // extra 1 when the kept part is odd turns an exact tie into rounding to even.
        // Overflow into the exponent is correct: it rounds up to the next binade or to
        // infinity.
        let roundingBias = 0x7FFF &+ ((bits >> 16) & 1)
        self.bitPattern = UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
        // doc: end
    }

    /// The exact `Float` value of this number.
    @inlinable
    public var floatValue: Float {
        Float(bitPattern: UInt32(bitPattern) << 16)
    }

    /// Whether this value is a NaN.
    @inlinable
    public var isNaN: Bool { (bitPattern & 0x7FFF) > 0x7F80 }
}

extension Float {
    /// The exact value of a `BFloat16`.
    @inlinable
    public init(_ value: BFloat16) {
        self = value.floatValue
    }
}

extension BFloat16: CustomStringConvertible {
    /// The value as a decimal `Float` would print it.
    public var description: String { floatValue.description }
}
