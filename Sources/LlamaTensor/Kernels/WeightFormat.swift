// How each weight element type is widened to Float, eight pairs at a time.
// Explained in Documentation/19-Making-It-Fast.md.

/// A weight element type the matrix kernels can read: bf16, f16 or f32.
///
/// Each format loads sixteen consecutive weights as eight pairs and returns them as two
/// `SIMD8<Float>`: the even-indexed and the odd-indexed weights. Matching activations come
/// from `SplitActivations`. The kernels are generic over this protocol and specialized per
/// format, so there is no per-element dispatch.
protocol WeightFormat {
    /// Bytes per element.
    static var byteSize: Int { get }
    /// Weights `16·block ..< 16·block + 16` of the row at `row`, as (even, odd) lanes.
    static func widenPairs(_ row: UnsafeRawPointer, block: Int) -> (even: SIMD8<Float>, odd: SIMD8<Float>)
    /// Weight `index` of the row at `row`.
    static func element(_ row: UnsafeRawPointer, _ index: Int) -> Float
}

/// bfloat16 weights: widening is a shift (even elements) and a mask (odd elements).
enum BFloat16Weights: WeightFormat {
    static var byteSize: Int { 2 }

    @inline(__always)
    static func widenPairs(_ row: UnsafeRawPointer, block: Int) -> (even: SIMD8<Float>, odd: SIMD8<Float>) {
        // Lane i holds bf16 element 2i in its low half and 2i+1 in its high half
        // (little-endian), so `<< 16` is element 2i as a Float and masking keeps 2i+1.
        // doc: widen-bf16
        let bits = row.loadUnaligned(fromByteOffset: block &* 32, as: SIMD8<UInt32>.self)
        let even = unsafeBitCast(bits &<< 16, to: SIMD8<Float>.self)
        let odd = unsafeBitCast(bits & 0xFFFF_0000, to: SIMD8<Float>.self)
        return (even, odd)
        // doc: end
    }

    @inline(__always)
    static func element(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        let bits = row.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)
        return Float(bitPattern: UInt32(bits) << 16)
    }
}

/// IEEE half-precision weights, widened with integer and float arithmetic only.
///
/// `Float(Float16(bitPattern:))` is one instruction with F16C, but the package is built for
/// baseline x86-64, where it is a library call per weight. The widening below takes about a
/// dozen vector operations per eight weights, and is exact for every one of the 65,536 half
/// values (`float16WideningIsExact`). Those operations, not memory, limit f16 decode in
/// these portable loops: about a quarter of bf16's rate, against a twentieth with the
/// library call (`llama-bench kernels` with `SWIFTLLAMA_ISA=portable`). Processors with
/// F16C run the C kernels, which widen with `vcvtph2ps` to the same values.
enum Float16Weights: WeightFormat {
    static var byteSize: Int { 2 }

    @inline(__always)
    static func widenPairs(_ row: UnsafeRawPointer, block: Int) -> (even: SIMD8<Float>, odd: SIMD8<Float>) {
        // As for bf16: lane i holds element 2i in its low half and 2i+1 in its high half.
        let bits = row.loadUnaligned(fromByteOffset: block &* 32, as: SIMD8<UInt32>.self)
        return (widen(bits &<< 16), widen(bits & 0xFFFF_0000))
    }

    @inline(__always)
    static func element(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        let bits = UInt32(row.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)) << 16
        return widen(SIMD8(repeating: bits))[0]
    }

    /// Half-precision values held in the high 16 bits of each lane, as `Float`s.
    ///
    /// Without the sign, the half is `two_w = w + w`: 5 exponent and 10 mantissa bits at the
    /// top. A normal half (and infinity and NaN) becomes a float by moving those bits down
    /// to a float's exponent and mantissa (`>> 4`), adding 224 to the exponent so it is
    /// never subnormal, and multiplying by 2^-112: the exponent ends up rebiased from 15 to
    /// 127, and infinities and NaNs stay what they are. A subnormal half `m · 2^-24` is
    /// made exactly by putting `m` in the mantissa of 0.5 and subtracting 0.5. No operation
    /// sees a subnormal float, which some processors handle in slow microcode.
    @inline(__always)
    static func widen(_ w: SIMD8<UInt32>) -> SIMD8<Float> {
        let sign = w & 0x8000_0000
        let twoW = w &+ w
        let normal = unsafeBitCast((twoW &>> 4) &+ (0xE0 << 23), to: SIMD8<Float>.self) * Float(bitPattern: 0x0780_0000)
        let subnormal = unsafeBitCast((twoW &>> 17) | (126 << 23), to: SIMD8<Float>.self) - 0.5
        // All ones where the half's exponent is 0 (subnormal or zero), else 0: exponent − 1 is
        // negative only there, and an arithmetic shift spreads its sign. (Integer arithmetic
        // rather than a comparison and `replacing(with:where:)`, which the compiler does not
        // turn into vector instructions.)
        let isSubnormal = unsafeBitCast(unsafeBitCast((twoW &>> 27) &- 1, to: SIMD8<Int32>.self) &>> 31,
                                        to: SIMD8<UInt32>.self)
        let magnitude = (unsafeBitCast(normal, to: SIMD8<UInt32>.self) & ~isSubnormal)
            | (unsafeBitCast(subnormal, to: SIMD8<UInt32>.self) & isSubnormal)
        return unsafeBitCast(sign | magnitude, to: SIMD8<Float>.self)
    }
}

/// Single-precision weights.
enum Float32Weights: WeightFormat {
    static var byteSize: Int { 4 }

    @inline(__always)
    static func widenPairs(_ row: UnsafeRawPointer, block: Int) -> (even: SIMD8<Float>, odd: SIMD8<Float>) {
        let wide = row.loadUnaligned(fromByteOffset: block &* 64, as: SIMD16<Float>.self)
        return (wide.evenHalf, wide.oddHalf)
    }

    @inline(__always)
    static func element(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        row.loadUnaligned(fromByteOffset: index &* 4, as: Float.self)
    }
}
