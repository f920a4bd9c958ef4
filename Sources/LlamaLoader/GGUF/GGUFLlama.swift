// What a llama GGUF file means: llama.cpp's tensor names for Meta's weights, and the
// hyperparameters in its `llama.*` keys. Explained in Documentation/21-Quantization-and-GGUF.md.

import LlamaTensor

/// llama.cpp's names for the tensors of Meta's checkpoints (`LLM_TENSOR_NAMES` for
/// `LLM_ARCH_LLAMA`), and the metadata keys it writes.
public enum GGUFLlama {
    /// The GGUF name of a Meta checkpoint key (`layers.3.attention.wq.weight` →
    /// `blk.3.attn_q.weight`), or `nil` for a key llama.cpp has no name for.
    public static func ggufName(forCheckpointKey key: String) -> String? {
        switch key {
        case CheckpointKeys.tokEmbeddings: return "token_embd.weight"
        case CheckpointKeys.norm: return "output_norm.weight"
        case CheckpointKeys.output: return "output.weight"
        case CheckpointKeys.ropeFrequencyFactors: return "rope_freqs.weight"
        default: break
        }
        let parts = key.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "layers", let layer = Int(parts[1]) else { return nil }
        let names = [
            "attention_norm.weight": "attn_norm.weight",
            "attention.wq.weight": "attn_q.weight",
            "attention.wk.weight": "attn_k.weight",
            "attention.wv.weight": "attn_v.weight",
            "attention.wo.weight": "attn_output.weight",
            "ffn_norm.weight": "ffn_norm.weight",
            "feed_forward.w1.weight": "ffn_gate.weight",
            "feed_forward.w2.weight": "ffn_down.weight",
            "feed_forward.w3.weight": "ffn_up.weight",
        ]
        return names[String(parts[2])].map { "blk.\(layer).\($0)" }
    }

    /// Reads the hyperparameters from a GGUF file's `llama.*` keys.
    ///
    /// GGUF states the feed-forward width outright (`llama.feed_forward_length`) where
    /// params.json gives the recipe for it; the recipe's constants are chosen so that
    /// `ffnHiddenDim` comes out at that width. RoPE scaling is not a key: llama.cpp stores
    /// the per-frequency factors as the tensor `rope_freqs.weight` (see `ModelWeights`).
    /// - Throws: `LoaderError.invalidGGUF` for another architecture or a missing key,
    ///   `.invalidParameter` (naming the GGUF key) for a value out of range.
    public static func params(of file: GGUFFile) throws -> ModelParams {
        let name = file.url.lastPathComponent
        let architecture = file.metadata["general.architecture"]?.string
        guard architecture == "llama" else {
            throw LoaderError.invalidGGUF(file: name, reason: "general.architecture: expected llama, found \(architecture.map(LoaderError.excerpt) ?? "none")")
        }
        func int(_ key: String) throws -> Int? {
            guard let value = file.metadata[key] else { return nil }
            guard let n = value.int else {
                throw LoaderError.invalidParameter(file: name, field: key, expected: "an integer", found: value.summary)
            }
            return n
        }
        func required(_ key: String) throws -> Int {
            guard let n = try int(key) else {
                throw LoaderError.invalidGGUF(file: name, reason: "expected the metadata key \(key), found none")
            }
            return n
        }
        func double(_ key: String) throws -> Double? {
            guard let value = file.metadata[key] else { return nil }
            guard let d = value.double else {
                throw LoaderError.invalidParameter(file: name, field: key, expected: "a number", found: value.summary)
            }
            return d
        }
        let dim = try required("llama.embedding_length")
        let heads = try required("llama.attention.head_count")
        let hidden = try required("llama.feed_forward_length")
        let vocab = try int("llama.vocab_size")
            ?? file.info(named: "token_embd.weight").map { $0.shape.rank == 2 ? $0.shape[0] : 0 }
            ?? 0
        var params = ModelParams(
            dim: dim, nLayers: try required("llama.block_count"), nHeads: heads,
            nKVHeads: try int("llama.attention.head_count_kv") ?? heads, vocabSize: vocab,
            normEps: Float(try double("llama.attention.layer_norm_rms_epsilon") ?? 1e-5),
            ropeTheta: try double("llama.rope.freq_base") ?? 10_000)
        // ffnHiddenDim = multipleOf · ceil(int(8·dim/3) / multipleOf): with multipleOf set to
        // the width itself that is the width whenever it is at least int(8·dim/3), as in
        // every Llama; otherwise a multiplier scales int(8·dim/3) down to it.
        let base = Int(2 * Double(4 * dim) / 3)
        if hidden >= base && base > 0 {
            params.multipleOf = max(hidden, 1)
        } else if base > 0 {
            params.multipleOf = 1
            params.ffnDimMultiplier = (Double(hidden) + 0.5) / Double(base)
        }
        do {
            try params.validate()
        } catch let error as LoaderError {
            throw error.naming(file: name)
        }
        guard params.ffnHiddenDim == hidden, hidden >= 1 else {
            throw LoaderError.invalidParameter(file: name, field: "llama.feed_forward_length", expected: "a positive width", found: "\(hidden)")
        }
        if let rotated = try int("llama.rope.dimension_count"), rotated != params.headDim {
            throw LoaderError.invalidParameter(file: name, field: "llama.rope.dimension_count",
                                               expected: "the head width \(params.headDim) (RoPE over whole heads)", found: "\(rotated)")
        }
        return params
    }
}

extension ModelWeights {
    /// Binds the weights of a llama GGUF file, with the same shape checks as a checkpoint.
    /// - Throws: `LoaderError.tensorMismatch` naming the first missing or misshapen weight
    ///   (by its GGUF name), `.invalidTensor` for an unsupported type (`Q4_K`...).
    public init(gguf file: GGUFFile, params: ModelParams) throws {
        // Every tensor is viewed once first (cheap: no bytes are read), so an unsupported
        // type or a truncated file is reported as such, rather than as a missing tensor
        // or, for the optional rope_freqs, not at all.
        for info in file.tensors {
            _ = try file.tensor(named: info.name)
        }
        try self.init(params: params, source: file.url.lastPathComponent) { key in
            GGUFLlama.ggufName(forCheckpointKey: key).flatMap { try? file.tensor(named: $0) }
        }
    }
}
