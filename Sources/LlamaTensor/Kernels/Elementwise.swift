// Element-wise arithmetic and small vector operations. Explained in
// Documentation/19-Making-It-Fast.md.

/// `out[i] = a[i] + b[i]` (the residual connections).
/// - Complexity: O(n), no allocation. `out` may alias `a` or `b`.
public func add(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                into out: UnsafeMutableBufferPointer<Float>) {
    precondition(a.count == b.count && out.count == a.count, "add: lengths differ")
    for i in 0..<a.count { out[i] = a[i] + b[i] }
}

/// `out[i] = a[i] · b[i]`.
/// - Complexity: O(n), no allocation. `out` may alias `a` or `b`.
public func multiply(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                     into out: UnsafeMutableBufferPointer<Float>) {
    precondition(a.count == b.count && out.count == a.count, "multiply: lengths differ")
    for i in 0..<a.count { out[i] = a[i] * b[i] }
}

/// `Σ a[i] · b[i]` over `count` floats.
/// - Complexity: O(count), no allocation.
@inline(__always)
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        acc += load8(a + i, 0) * load8(b + i, 0)
        i += 8
    }
    var s = horizontalSum(acc)
    while i < count {
        s += a[i] * b[i]
        i += 1
    }
    return s
}

/// `out = Σ_j weights[j] · rows[j]` over `count` consecutive rows of `width` floats
/// (attention: the probability-weighted sum of the cached values).
///
/// Thirty-two columns at a time are summed in registers over all the rows, so the output is
/// written once instead of being loaded and stored for every row. Each element still adds
/// its terms in row order, starting from zero, so the result is the same as adding the
/// rows one by one.
///
/// With `accumulate`, the sums start from what `out` holds instead of zero: a long run of
/// rows can then be done in blocks (`out` carries each element's running sum from one
/// block to the next) and still give exactly the result of one call.
/// - Complexity: O(count × width), no allocation.
@inline(__always)
public func weightedSum(_ rows: UnsafePointer<Float>, weights: UnsafePointer<Float>, count: Int, width: Int,
                        into out: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
    var column = 0
    while column + 32 <= width {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        if accumulate {
            let start = UnsafeRawPointer(out + column)
            a0 = start.loadUnaligned(as: SIMD8<Float>.self)
            a1 = start.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            a2 = start.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
            a3 = start.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
        }
        for j in 0..<count {
            let row = UnsafeRawPointer(rows + j * width + column)
            let w = SIMD8<Float>(repeating: weights[j])
            a0 += w * row.loadUnaligned(as: SIMD8<Float>.self)
            a1 += w * row.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            a2 += w * row.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
            a3 += w * row.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
        }
        let target = UnsafeMutableRawPointer(out + column)
        target.storeBytes(of: a0, as: SIMD8<Float>.self)
        target.storeBytes(of: a1, toByteOffset: 32, as: SIMD8<Float>.self)
        target.storeBytes(of: a2, toByteOffset: 64, as: SIMD8<Float>.self)
        target.storeBytes(of: a3, toByteOffset: 96, as: SIMD8<Float>.self)
        column += 32
    }
    while column + 8 <= width {
        var a = accumulate ? UnsafeRawPointer(out + column).loadUnaligned(as: SIMD8<Float>.self) : SIMD8<Float>()
        for j in 0..<count {
            a += SIMD8<Float>(repeating: weights[j]) * UnsafeRawPointer(rows + j * width + column).loadUnaligned(as: SIMD8<Float>.self)
        }
        UnsafeMutableRawPointer(out + column).storeBytes(of: a, as: SIMD8<Float>.self)
        column += 8
    }
    while column < width {
        var a: Float = accumulate ? out[column] : 0
        for j in 0..<count { a += weights[j] * rows[j * width + column] }
        out[column] = a
        column += 1
    }
}

/// The index of the largest element (the first one on ties; NaNs are skipped), or `nil`
/// for an empty buffer or one holding only NaNs. Greedy decoding's choice.
/// - Complexity: O(n), no allocation.
public func argmax(_ x: UnsafeBufferPointer<Float>) -> Int? {
    var best: Int?
    var bestValue = -Float.infinity
    for i in x.indices where !x[i].isNaN {
        if best == nil || x[i] > bestValue {
            best = i
            bestValue = x[i]
        }
    }
    return best
}

/// `x += delta` over `count` floats: a residual connection.
@inline(__always)
package func addInPlace(_ x: UnsafeMutablePointer<Float>, _ delta: UnsafeMutablePointer<Float>, count: Int) {
    add(UnsafeBufferPointer(start: x, count: count), UnsafeBufferPointer(start: delta, count: count),
        into: UnsafeMutableBufferPointer(start: x, count: count))
}
