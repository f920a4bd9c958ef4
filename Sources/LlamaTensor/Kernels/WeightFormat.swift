// How each weight element type is widened to Float, eight pairs at a time.
// Explained in Documentation/05-Tensors-and-Kernels.md.

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
    /// `widenPairs` with each result in both halves of a `SIMD16`, for two tokens at once.
    static func widenPairsTwice(_ row: UnsafeRawPointer, block: Int) -> (even: SIMD16<Float>, odd: SIMD16<Float>)
}

extension WeightFormat {
    /// One widening, copied into both halves.
    @inline(__always)
    static func widenPairsTwice(_ row: UnsafeRawPointer, block: Int) -> (even: SIMD16<Float>, odd: SIMD16<Float>) {
        let p = widenPairs(row, block: block)
        return (SIMD16(lowHalf: p.even, highHalf: p.even), SIMD16(lowHalf: p.odd, highHalf: p.odd))
    }
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

    /// The bits copied into both halves first (one broadcast load), so one shift and one
    /// mask widen both.
    @inline(__always)
    static func widenPairsTwice(_ row: UnsafeRawPointer, block: Int) -> (even: SIMD16<Float>, odd: SIMD16<Float>) {
        let half = row.loadUnaligned(fromByteOffset: block &* 32, as: SIMD8<UInt32>.self)
        let bits = SIMD16<UInt32>(lowHalf: half, highHalf: half)
        let even = unsafeBitCast(bits &<< 16, to: SIMD16<Float>.self)
        let odd = unsafeBitCast(bits & 0xFFFF_0000, to: SIMD16<Float>.self)
        return (even, odd)
    }
}

/// IEEE half-precision weights (rare in Llama checkpoints; correct rather than fast).
enum Float16Weights: WeightFormat {
    static var byteSize: Int { 2 }

    @inline(__always)
    static func widenPairs(_ row: UnsafeRawPointer, block: Int) -> (even: SIMD8<Float>, odd: SIMD8<Float>) {
        let bits = row.loadUnaligned(fromByteOffset: block &* 32, as: SIMD16<UInt16>.self)
        var wide = SIMD16<Float>()
        for i in 0..<16 { wide[i] = Float(Float16(bitPattern: bits[i])) }
        return (wide.evenHalf, wide.oddHalf)
    }

    @inline(__always)
    static func element(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        Float(Float16(bitPattern: row.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)))
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
