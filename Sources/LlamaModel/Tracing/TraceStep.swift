// One intermediate result of the forward pass, as an observer sees it. Explained in
// Documentation/18-Tracing-and-Attention.md.

/// One step of the forward pass: what Meta's `model.py` calls it, where it is, its shape
/// and its values.
///
/// The names, in the order a pass reports them (`layers.N.` in front of those inside a
/// block; `T` tokens at positions `start ..< start + T`, `P = start + T` positions seen):
///
/// | name | shape | Meta's `model.py` |
/// |---|---|---|
/// | `tok_embeddings` | `[T, dim]` | `h = self.tok_embeddings(tokens)` |
/// | `attention_norm` | `[T, dim]` | `self.attention_norm(x)` |
/// | `attention.wq`, `.wk`, `.wv` | `[T, heads, head_dim]` | `xq, xk, xv` before RoPE |
/// | `attention.rope.xq`, `.rope.xk` | `[T, heads, head_dim]` | after `apply_rotary_emb` |
/// | `attention.scores` | `[n_heads, T, P]` | `matmul(xq, keys.T) / sqrt(head_dim)` |
/// | `attention.mask` | `[T, P]` | `mask` (0 or -inf) |
/// | `attention.softmax` | `[n_heads, T, P]` | `F.softmax(scores + mask)` |
/// | `attention.output` | `[T, n_heads, head_dim]` | `matmul(scores, values)` |
/// | `attention.wo` | `[T, dim]` | `self.wo(output)` |
/// | `h` | `[T, dim]` | `h = x + self.attention(...)` |
/// | `ffn_norm` | `[T, dim]` | `self.ffn_norm(h)` |
/// | `feed_forward.w1`, `.silu`, `.w3`, `.silu*w3`, `.w2` | `[T, hidden]`, `w2`: `[T, dim]` | `w2(F.silu(w1(x)) * w3(x))` |
/// | `out` | `[T, dim]` | `out = h + self.feed_forward(...)` |
/// | `norm` | `[1, dim]` | `self.norm(h)`, last position only |
/// | `output` | `[1, vocab_size]` | the logits, last position only |
///
/// The final norm and the logits cover the last position only, because that is all the
/// model computes (the others predict tokens already known).
public struct TraceStep: Sendable {
    /// Meta's name of the step inside its block, e.g. `attention.wq` (see the table above).
    public let name: String
    /// The block, or `nil` for steps outside the blocks (`tok_embeddings`, `norm`, `output`).
    public let layer: Int?
    /// The positions of the tokens this step covers.
    public let positions: Range<Int>
    /// The dimensions, outermost first; `values` is row-major in this shape.
    public let shape: [Int]
    /// Every value, row-major.
    public let values: [Float]

    /// Makes a step; `values.count` must equal the product of `shape`.
    public init(name: String, layer: Int?, positions: Range<Int>, shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.layer = layer
        self.positions = positions
        self.shape = shape
        self.values = values
    }

    /// The full name in Meta's module path style: `layers.3.attention.wq`, or `output`.
    public var path: String { layer.map { "layers.\($0).\(name)" } ?? name }

    /// Minimum, maximum, mean and root mean square of the finite values, and counts of
    /// the others.
    public var statistics: TraceStatistics { TraceStatistics(values) }
}

/// A summary of a step's values. NaN and infinities are counted, each kind apart, not
/// averaged: the mask's `-inf` entries are there by design, and the numbers of the finite
/// values stay comparable beside them; a NaN or infinity where none belongs shows up in its
/// own count, never as a minimum or maximum of `-inf`.
public struct TraceStatistics: Sendable, Equatable {
    /// The smallest finite value (0 when there are no values, NaN when none is finite).
    public let min: Float
    /// The largest finite value (0 when there are no values, NaN when none is finite).
    public let max: Float
    /// The mean of the finite values, summed in `Double` (0 or NaN as for `min`).
    public let mean: Float
    /// The root mean square of the finite values, summed in `Double` (0 or NaN as for `min`).
    public let rms: Float
    /// How many values are NaN.
    public let nanCount: Int
    /// How many values are +infinity.
    public let infinityCount: Int
    /// How many values are -infinity (the masked entries of `attention.mask`).
    public let negativeInfinityCount: Int

    /// How many values are not finite: NaN and both infinities.
    public var nonFiniteCount: Int { nanCount + infinityCount + negativeInfinityCount }

    /// Summarizes `values`.
    public init(_ values: [Float]) {
        var low = Float.infinity, high = -Float.infinity
        var sum = 0.0, squares = 0.0, finite = 0
        var nan = 0, infinity = 0, negativeInfinity = 0
        for value in values {
            guard value.isFinite else {
                if value.isNaN { nan += 1 } else if value > 0 { infinity += 1 } else { negativeInfinity += 1 }
                continue
            }
            low = Swift.min(low, value)
            high = Swift.max(high, value)
            sum += Double(value)
            squares += Double(value) * Double(value)
            finite += 1
        }
        // With values but none finite, 0 would read like data; NaN says there is none.
        let none: Float = values.isEmpty ? 0 : .nan
        min = finite > 0 ? low : none
        max = finite > 0 ? high : none
        mean = finite > 0 ? Float(sum / Double(finite)) : none
        rms = finite > 0 ? Float((squares / Double(finite)).squareRoot()) : none
        nanCount = nan
        infinityCount = infinity
        negativeInfinityCount = negativeInfinity
    }
}
