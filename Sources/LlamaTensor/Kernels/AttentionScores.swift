// Attention scores, q · k / sqrt(head_dim), from keys stored in blocks of eight positions
// (see `KeyBlocks`). Explained in Documentation/11-Attention-and-the-KV-Cache.md.

/// One attention score, `(Σ_i query[i] · key[i]) / scale` with the products added in order
/// of `i` starting from zero, for the key of `position` stored as `KeyBlocks` says: exactly
/// the arithmetic of each lane of `attentionScores`, one score at a time (the tracer and the
/// tests use it).
public func attentionScore(_ query: UnsafePointer<Float>, keys: UnsafePointer<Float>, position: Int,
                           headDim: Int, scale: Float) -> Float {
    let key = keys + KeyBlocks.index(position: position, dimension: 0, headDim: headDim)
    var sum: Float = 0
    for i in 0..<headDim { sum += query[i] * key[i * KeyBlocks.positions] }
    return sum / scale
}

/// `out[h · stride + j] = attentionScore(q_h, keys, j)` for `heads` consecutive query heads
/// (`headDim` floats apart at `queries`) and positions `0 ..< count`, with the keys in
/// `KeyBlocks` layout.
///
/// Four query heads go together (a GQA group of the 1B and 8B models), so every key block is
/// loaded once for the four. Each query element is first copied into all eight lanes of a
/// vector in `splats` (`4 · headDim` of them, scratch the caller owns), which the loop then
/// multiplies straight from memory. A group of fewer than four heads (the 3B model has three)
/// goes one head at a time.
///
/// Each score's lane adds its products in order, exactly as `attentionScore` does, so the
/// result does not depend on how the heads were grouped or how many positions there are.
/// The last block's lanes past `count` are computed from whatever the cache holds there
/// (zeros, or earlier keys) and never stored.
/// - Complexity: O(heads × count × headDim), no allocation.
public func attentionScores(_ queries: UnsafePointer<Float>, heads: Int, headDim: Int,
                            keys: UnsafePointer<Float>, count: Int, scale: Float,
                            splats: UnsafeMutablePointer<SIMD8<Float>>,
                            into out: UnsafeMutablePointer<Float>, stride: Int) {
    let d = headDim
    var h = 0
    while h < heads {
        let group = heads - h >= 4 ? 4 : 1
        for i in 0..<(group * d) { splats[i] = SIMD8(repeating: queries[h * d + i]) }
        if group == 4 {
            scoreFourHeads(splats, headDim: d, keys: keys, count: count, scale: scale,
                           into: out + h * stride, stride: stride)
        } else {
            scoreOneHead(splats, headDim: d, keys: keys, count: count, scale: scale, into: out + h * stride)
        }
        h += group
    }
}

/// Four heads' scores, eight positions per step: four `SIMD8` sums (eight SSE2 registers)
/// and one block of keys.
@inline(never)
func scoreFourHeads(_ splats: UnsafeMutablePointer<SIMD8<Float>>, headDim d: Int,
                    keys: UnsafePointer<Float>, count: Int, scale: Float,
                    into out: UnsafeMutablePointer<Float>, stride: Int) {
    let q0 = splats, q1 = splats + d, q2 = splats + 2 * d, q3 = splats + 3 * d
    var start = 0
    while start < count {
        let block = UnsafeRawPointer(keys + start * d)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for i in 0..<d {
            let k = block.loadUnaligned(fromByteOffset: i &* 32, as: SIMD8<Float>.self)
            a0 += q0[i] * k
            a1 += q1[i] * k
            a2 += q2[i] * k
            a3 += q3[i] * k
        }
        storeScores(a0 / scale, out + start, valid: count - start)
        storeScores(a1 / scale, out + stride + start, valid: count - start)
        storeScores(a2 / scale, out + 2 * stride + start, valid: count - start)
        storeScores(a3 / scale, out + 3 * stride + start, valid: count - start)
        start += KeyBlocks.positions
    }
}

/// One head's scores, eight positions per step.
@inline(never)
func scoreOneHead(_ splats: UnsafeMutablePointer<SIMD8<Float>>, headDim d: Int,
                  keys: UnsafePointer<Float>, count: Int, scale: Float, into out: UnsafeMutablePointer<Float>) {
    var start = 0
    while start < count {
        let block = UnsafeRawPointer(keys + start * d)
        var a = SIMD8<Float>()
        for i in 0..<d {
            a += splats[i] * block.loadUnaligned(fromByteOffset: i &* 32, as: SIMD8<Float>.self)
        }
        storeScores(a / scale, out + start, valid: count - start)
        start += KeyBlocks.positions
    }
}

/// Stores the first `min(8, valid)` lanes of `scores` at `out`.
@inline(__always)
func storeScores(_ scores: SIMD8<Float>, _ out: UnsafeMutablePointer<Float>, valid: Int) {
    if valid >= 8 {
        UnsafeMutableRawPointer(out).storeBytes(of: scores, as: SIMD8<Float>.self)
    } else {
        for l in 0..<valid { out[l] = scores[l] }
    }
}
