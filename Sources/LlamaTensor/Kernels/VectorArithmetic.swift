// SIMD helpers every matrix-product kernel shares: the paired multiply-add, activation
// loads and the horizontal sum, each in one fixed order.
// Explained in Documentation/05-Tensors-and-Kernels.md.

/// `even · xEven + odd · xOdd`, the step every kernel adds to its accumulator.
///
/// Built with `-Xswiftc -DSWIFTLLAMA_FMA` (together with a `-target-cpu` that has FMA,
/// see README.md), the second product is fused into the addition: one rounding less, and
/// one instruction less, which prefill feels. Without FMA hardware `addingProduct` is a
/// library call per lane, hundreds of times slower, so it is never the default.
///
/// The pair's sum gets its own register, and only then joins the accumulator, so each
/// accumulator waits for one addition per block (3 cycles) rather than two chained fused
/// multiply-adds (8): that keeps the one-row decode kernel fast enough to follow memory.
@inline(__always)
func pairProduct(_ even: SIMD8<Float>, _ xEven: SIMD8<Float>,
                 _ odd: SIMD8<Float>, _ xOdd: SIMD8<Float>) -> SIMD8<Float> {
    #if SWIFTLLAMA_FMA
    return (even * xEven).addingProduct(odd, xOdd)
    #else
    return even * xEven + odd * xOdd
    #endif
}

/// `pairProduct` on two tokens' lanes at once (see `TiledProduct.tile4x8`): the same
/// operations lane by lane.
@inline(__always)
func pairProduct(_ even: SIMD16<Float>, _ xEven: SIMD16<Float>,
                 _ odd: SIMD16<Float>, _ xOdd: SIMD16<Float>) -> SIMD16<Float> {
    #if SWIFTLLAMA_FMA
    return (even * xEven).addingProduct(odd, xOdd)
    #else
    return even * xEven + odd * xOdd
    #endif
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>, _ block: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + block &* 8).loadUnaligned(as: SIMD8<Float>.self)
}

/// Block `block` of a paired activation copy: two tokens' eight activations side by side
/// (see `SplitActivations.pairedEven`).
@inline(__always)
func load16(_ p: UnsafePointer<Float>, _ block: Int) -> SIMD16<Float> {
    UnsafeRawPointer(p + block &* 16).loadUnaligned(as: SIMD16<Float>.self)
}

/// The sum of the lanes, always in the same order (halves first), so every kernel that
/// uses it rounds the same way.
@inline(__always)
func horizontalSum(_ v: SIMD8<Float>) -> Float {
    let h = v.lowHalf + v.highHalf
    let q = h.lowHalf + h.highHalf
    return q[0] + q[1]
}
