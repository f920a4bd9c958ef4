// The checks a params.json must pass before any size derived from it is trusted.
// Explained in Documentation/05-Params-and-Sizes.md.

/// Upper bounds generous enough for any Llama (405B: dim 16,384, 126 layers, 128 heads,
/// FFN 53,248) and small enough that a lying file cannot make us allocate terabytes.
enum Limits {
    static let dim = 1 << 16
    static let layers = 1 << 10
    static let heads = 1 << 10
    static let vocabSize = 1 << 22
    static let multipleOf = 1 << 16
    static let ffnHiddenDim = 1 << 20
    static let ffnDimMultiplier = 64.0
    static let ropeTheta = 1e12
    static let ropeScalingFactor = 1024.0
    static let contextLength = 1 << 24
    static let paramsFileBytes = 1 << 20
}

extension ModelParams {
    /// Checks that every size is positive and within bounds, that heads divide evenly
    /// (`dim % n_heads == 0`, `n_heads % n_kv_heads == 0`, as Meta's `ModelArgs` asserts),
    /// that each head has an even width (RoPE rotates pairs), and that `norm_eps`,
    /// `rope_theta` and the RoPE scaling constants are finite and positive.
    /// - Throws: `LoaderError.invalidParameter` naming the first field that fails.
    public func validate() throws {
        try check("dim", dim, in: 1...Limits.dim)
        try check("n_layers", nLayers, in: 1...Limits.layers)
        try check("n_heads", nHeads, in: 1...Limits.heads)
        try check("n_kv_heads", nKVHeads, in: 1...nHeads)
        try check("vocab_size", vocabSize, in: 1...Limits.vocabSize)
        try check("multiple_of", multipleOf, in: 1...Limits.multipleOf)
        guard dim % nHeads == 0 else {
            throw invalid("dim", expected: "a multiple of n_heads (\(nHeads))", found: "\(dim)")
        }
        guard nHeads % nKVHeads == 0 else {
            throw invalid("n_kv_heads", expected: "a divisor of n_heads (\(nHeads))", found: "\(nKVHeads)")
        }
        guard headDim % 2 == 0 else {
            throw invalid("dim", expected: "an even width per head (dim / n_heads), for RoPE's pairs", found: "\(dim) / \(nHeads) = \(headDim)")
        }
        if let ffnDimMultiplier {
            try check("ffn_dim_multiplier", ffnDimMultiplier, aboveZeroUpTo: Limits.ffnDimMultiplier)
        }
        try check("ffn hidden size (from dim, ffn_dim_multiplier, multiple_of)", ffnHiddenDim, in: 1...Limits.ffnHiddenDim)
        guard normEps.isFinite, normEps > 0, normEps < 1 else {
            throw invalid("norm_eps", expected: "a number between 0 and 1", found: "\(normEps)")
        }
        try check("rope_theta", ropeTheta, aboveZeroUpTo: Limits.ropeTheta)
        try check("rope_scaling_factor", ropeScaling.factor, aboveZeroUpTo: Limits.ropeScalingFactor)
        try check("rope_high_freq_factor", ropeScaling.highFreqFactor, aboveZeroUpTo: Limits.ropeScalingFactor)
        try check("rope low_freq_factor", ropeScaling.lowFreqFactor, aboveZeroUpTo: Limits.ropeScalingFactor)
        guard ropeScaling.highFreqFactor > ropeScaling.lowFreqFactor else {
            // apply_scaling divides by (high_freq_factor - low_freq_factor).
            throw invalid("rope_high_freq_factor", expected: "more than the low-frequency factor (\(ropeScaling.lowFreqFactor))",
                          found: "\(ropeScaling.highFreqFactor)")
        }
        try check("rope original context length", ropeScaling.originalContextLength, in: 1...Limits.contextLength)
    }

    private func check(_ field: String, _ value: Int, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw invalid(field, expected: "an integer from \(range.lowerBound) to \(range.upperBound)", found: "\(value)")
        }
    }

    private func check(_ field: String, _ value: Double, aboveZeroUpTo limit: Double) throws {
        guard value.isFinite, value > 0, value <= limit else {
            throw invalid(field, expected: "a number above 0 and at most \(limit)", found: "\(value)")
        }
    }

    private func invalid(_ field: String, expected: String, found: String) -> LoaderError {
        .invalidParameter(file: "params.json", field: field, expected: expected, found: found)
    }
}
