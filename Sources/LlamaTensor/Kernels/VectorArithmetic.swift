// SIMD helpers every matrix-product kernel shares: the paired multiply-add, activation
// loads and the horizontal sum, each in one fixed order.
// Explained in Documentation/19-Making-It-Fast.md.

/// `even · xEven + odd · xOdd`, the step every kernel adds to its accumulator: each product
/// rounded, then their sum. (Not fused: on baseline x86-64 a fused multiply-add is a library
/// call per lane, and the C kernels repeat exactly this arithmetic, see `FloatProduct`.)
///
/// The pair's sum gets its own register, and only then joins the accumulator, so each
/// accumulator waits for one addition per block (3 cycles) rather than two chained fused
/// multiply-adds (8): that keeps the one-row decode kernel fast enough to follow memory.
@inline(__always)
func pairProduct(_ even: SIMD8<Float>, _ xEven: SIMD8<Float>,
                 _ odd: SIMD8<Float>, _ xOdd: SIMD8<Float>) -> SIMD8<Float> {
    even * xEven + odd * xOdd
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>, _ block: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + block &* 8).loadUnaligned(as: SIMD8<Float>.self)
}

/// The sum of the lanes, always in the same order (halves first), so every kernel that
/// uses it rounds the same way.
@inline(__always)
func horizontalSum(_ v: SIMD8<Float>) -> Float {
    let h = v.lowHalf + v.highHalf
    let q = h.lowHalf + h.highHalf
    return q[0] + q[1]
}
