// Decoding params.json as Meta writes it: snake_case names, numbers as ints or floats,
// defaults for absent fields. Explained in Documentation/05-Params-and-Sizes.md.

extension ModelParams {
    /// The JSON names, Meta's.
    enum CodingKeys: String, CodingKey {
        case dim
        case nLayers = "n_layers"
        case nHeads = "n_heads"
        case nKVHeads = "n_kv_heads"
        case vocabSize = "vocab_size"
        case multipleOf = "multiple_of"
        case ffnDimMultiplier = "ffn_dim_multiplier"
        case normEps = "norm_eps"
        case ropeTheta = "rope_theta"
        case useScaledRope = "use_scaled_rope"
        // Llama 4's names (llama_models/llama4/args.py); Llama 3.1 files leave them out.
        case ropeScalingFactor = "rope_scaling_factor"
        case ropeHighFreqFactor = "rope_high_freq_factor"
    }

    /// Decodes `params.json`. An integer field may be written `4096` or `4096.0` (but not
    /// `4096.5`); a float field may be written as an integer (`"rope_theta": 10000`);
    /// `null` means absent. Range checks are `validate()`'s job.
    /// - Throws: `LoaderError.invalidParameter` naming the field, what was expected and
    ///   what was found (the file name is filled in by `load(from:)`).
    public init(from decoder: Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        let nHeads = try fields.requiredInteger(.nHeads)
        var scaling = RopeScaling.llama31
        scaling.factor = try fields.number(.ropeScalingFactor) ?? scaling.factor
        scaling.highFreqFactor = try fields.number(.ropeHighFreqFactor) ?? scaling.highFreqFactor
        self.init(
            dim: try fields.requiredInteger(.dim),
            nLayers: try fields.requiredInteger(.nLayers),
            nHeads: nHeads,
            nKVHeads: try fields.integer(.nKVHeads),
            vocabSize: try fields.requiredInteger(.vocabSize),
            multipleOf: try fields.integer(.multipleOf) ?? 256,
            ffnDimMultiplier: try fields.number(.ffnDimMultiplier),
            normEps: try fields.float(.normEps) ?? 1e-5,
            ropeTheta: try fields.number(.ropeTheta) ?? 500_000,
            useScaledRope: try fields.boolean(.useScaledRope) ?? false,
            ropeScaling: scaling)
    }

    /// Encodes with Meta's names, so a decoded file encodes to the same fields (plus the
    /// two RoPE scaling fields, which Llama 3.1 files leave implicit).
    public func encode(to encoder: Encoder) throws {
        var fields = encoder.container(keyedBy: CodingKeys.self)
        try fields.encode(dim, forKey: .dim)
        try fields.encode(nLayers, forKey: .nLayers)
        try fields.encode(nHeads, forKey: .nHeads)
        try fields.encode(nKVHeads, forKey: .nKVHeads)
        try fields.encode(vocabSize, forKey: .vocabSize)
        try fields.encode(multipleOf, forKey: .multipleOf)
        try fields.encodeIfPresent(ffnDimMultiplier, forKey: .ffnDimMultiplier)
        try fields.encode(Double(normEps), forKey: .normEps)
        try fields.encode(ropeTheta, forKey: .ropeTheta)
        try fields.encode(useScaledRope, forKey: .useScaledRope)
        try fields.encode(ropeScaling.factor, forKey: .ropeScalingFactor)
        try fields.encode(ropeScaling.highFreqFactor, forKey: .ropeHighFreqFactor)
    }
}

extension KeyedDecodingContainer where Key == ModelParams.CodingKeys {
    /// A number field, or `nil` when absent or `null`.
    func number(_ key: Key) throws -> Double? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        // A JSON bool is not a number, even where a decoder would let it pass as one.
        guard (try? decode(Bool.self, forKey: key)) == nil, let value = try? decode(Double.self, forKey: key) else {
            throw mismatch(key, expected: "a number")
        }
        guard value.isFinite else { throw mismatch(key, expected: "a finite number") }
        return value
    }

    /// An integer field written as an integer or as an integral float, or `nil`.
    func integer(_ key: Key) throws -> Int? {
        guard let value = try number(key) else { return nil }
        // 2^53: beyond it a double no longer holds every integer (and no size is that big).
        guard value == value.rounded(), abs(value) <= 9_007_199_254_740_992 else {
            throw LoaderError.invalidParameter(file: "params.json", field: key.rawValue,
                                               expected: "an integer", found: "\(value)")
        }
        return Int(value)
    }

    /// An integer field that must be present.
    func requiredInteger(_ key: Key) throws -> Int {
        guard let value = try integer(key) else {
            throw LoaderError.invalidParameter(file: "params.json", field: key.rawValue,
                                               expected: "an integer", found: "nothing")
        }
        return value
    }

    /// A `Float` field (such as `norm_eps`), which must not round to zero or infinity.
    func float(_ key: Key) throws -> Float? {
        guard let value = try number(key) else { return nil }
        let single = Float(value)
        guard single.isFinite, (single == 0) == (value == 0) else {
            throw LoaderError.invalidParameter(file: "params.json", field: key.rawValue,
                                               expected: "a number a Float can hold", found: "\(value)")
        }
        return single
    }

    /// A Boolean field (`true` or `false`, nothing else), or `nil`.
    func boolean(_ key: Key) throws -> Bool? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        guard let value = try? decode(Bool.self, forKey: key) else {
            throw mismatch(key, expected: "true or false")
        }
        return value
    }

    private func mismatch(_ key: Key, expected: String) -> LoaderError {
        .invalidParameter(file: "params.json", field: key.rawValue, expected: expected, found: found(key))
    }

    /// What a field holds, for an error message.
    private func found(_ key: Key) -> String {
        if let value = try? decode(Bool.self, forKey: key) { return "\(value)" }
        if let value = try? decode(Double.self, forKey: key) { return "\(value)" }
        if let value = try? decode(String.self, forKey: key) { return "the string \(value.debugDescription)" }
        return "an array or an object"
    }
}
