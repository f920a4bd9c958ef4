// Comparisons of floating-point results against references.

/// The largest absolute element-wise difference between two equally long sequences,
/// or `.infinity` when their lengths differ (so a length mistake can never pass).
public func maxAbsoluteDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Float
where A.Element == Float, B.Element == Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        if x.isNaN != y.isNaN { return .infinity }
        if x.isNaN { continue }
        if x == y { continue }  // also equal infinities
        worst = max(worst, abs(x - y))
    }
    return worst
}

/// Whether every element of `a` is within `tolerance` of `b`, absolutely or relative to
/// the magnitude of `b` (whichever is looser).
public func allClose<A: Collection, B: Collection>(
    _ a: A, _ b: B, absolute: Float = 1e-5, relative: Float = 1e-4
) -> Bool where A.Element == Float, B.Element == Float {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
        if x.isNaN || y.isNaN { return false }
        if x == y { continue }
        if abs(x - y) > max(absolute, relative * abs(y)) { return false }
    }
    return true
}
