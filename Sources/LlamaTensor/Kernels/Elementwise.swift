// Element-wise arithmetic and small vector operations. Explained in
// Documentation/05-Tensors-and-Kernels.md.

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

/// `Σ a[i] · b[i]` over `count` floats (attention scores: a query times a cached key).
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

/// `y[i] += scale · x[i]` over `count` floats (attention: add a cached value weighted by
/// its probability).
/// - Complexity: O(count), no allocation.
@inline(__always)
public func addScaled(_ x: UnsafePointer<Float>, scale: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
    let s = SIMD8<Float>(repeating: scale)
    var i = 0
    while i + 8 <= count {
        let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
        let r = yv + s * load8(x + i, 0)
        UnsafeMutableRawPointer(y + i).storeBytes(of: r, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        y[i] += scale * x[i]
        i += 1
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
