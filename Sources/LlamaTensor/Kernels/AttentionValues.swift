// The second half of attention: the probability-weighted sum of the cached values, for all
// query heads that share a KV head. Explained in Documentation/11-Attention-and-the-KV-Cache.md.

/// `out_h = Σ_j weights[h · stride + j] · v_j` for `heads` consecutive heads, over the
/// first `count` values (`[position][headDim]` floats, the cache's layout).
///
/// Far into a long context one head's values are megabytes, more than the L2 cache; a
/// head at a time would stream them from L3 once per head of the group (and `weightedSum`
/// makes one pass per 32 columns). So the positions go in blocks of about 16 KiB of
/// values, which stay in the L1 cache while every head of the group uses them; each
/// head's sums carry over from block to block in `out` (`accumulate`), so every element
/// still adds its terms in order from zero: the result is the same as one call.
package func mixValues(_ values: UnsafePointer<Float>, headDim d: Int, heads: Int, count: Int,
                       weights: UnsafePointer<Float>, stride: Int, into out: UnsafeMutablePointer<Float>) {
    let block = max(8, 4096 / d)  // rows of values per block: 16 KiB of floats
    var start = 0
    while start < count {
        let rows = min(block, count - start)
        for h in 0..<heads {
            weightedSum(values + start * d, weights: weights + h * stride + start, count: rows, width: d,
                        into: out + h * d, accumulate: start > 0)
        }
        start += rows
    }
}
