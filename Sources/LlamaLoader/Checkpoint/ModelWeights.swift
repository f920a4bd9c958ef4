// Binding the checkpoint's tensors to the model's weights, checking each one's shape
// against what params.json implies. Explained in
// Documentation/04-Reading-a-PyTorch-Checkpoint.md.

import LlamaTensor

/// The weights of one transformer block, views of the mapped checkpoint. Linear weights
/// are `[out, in]`, row-major, as `nn.Linear` stores them. Each is `bf16` in Meta's
/// checkpoints; `f16` and `f32` are accepted too.
public struct LayerWeights: Sendable {
    /// RMSNorm weight before attention, `[dim]`.
    public let attentionNorm: Tensor
    /// Query projection, `[n_heads * head_dim, dim]`.
    public let wq: Tensor
    /// Key projection, `[n_kv_heads * head_dim, dim]`.
    public let wk: Tensor
    /// Value projection, `[n_kv_heads * head_dim, dim]`.
    public let wv: Tensor
    /// Attention output projection, `[dim, n_heads * head_dim]`.
    public let wo: Tensor
    /// RMSNorm weight before the feed-forward network, `[dim]`.
    public let ffnNorm: Tensor
    /// Gate projection (through SiLU), `[ffn_hidden, dim]`.
    public let w1: Tensor
    /// Down projection, `[dim, ffn_hidden]`.
    public let w2: Tensor
    /// Up projection, `[ffn_hidden, dim]`.
    public let w3: Tensor
}

/// Every weight of a Llama model, checked against its `ModelParams`.
public struct ModelWeights: Sendable {
    /// Token embedding table, `[vocab_size, dim]`.
    public let tokEmbeddings: Tensor
    /// The transformer blocks, `n_layers` of them.
    public let layers: [LayerWeights]
    /// Final RMSNorm weight, `[dim]`.
    public let norm: Tensor
    /// Output projection to logits, `[vocab_size, dim]`: `tokEmbeddings` when tied.
    public let output: Tensor
    /// Whether the checkpoint has no `output.weight` and the embeddings serve as output.
    public let hasTiedOutput: Bool
    /// Per-frequency RoPE divisors, `[head_dim / 2]` (GGUF files of scaled-RoPE models);
    /// `nil` means the scaling, if any, comes from `ModelParams`.
    public let ropeFrequencyFactors: Tensor?

    /// Takes the weights `params` implies from `checkpoint`. Tensors it does not need
    /// (such as `rope.freqs` in older checkpoints) are ignored.
    /// - Throws: `LoaderError.tensorMismatch` naming the first weight that is missing or
    ///   whose shape differs: `layers.3.attention.wq.weight: expected [4096, 4096] bf16,
    ///   found [1024, 4096] bf16`.
    public init(checkpoint: TorchCheckpoint, params: ModelParams) throws {
        try self.init(params: params, source: checkpoint.url.lastPathComponent, tensor: checkpoint.tensor(named:))
    }

    /// Takes the weights `params` implies from any source of named tensors (a checkpoint,
    /// or tensors made in memory by a benchmark), with the same checks.
    /// - Parameters:
    ///   - params: The hyperparameters that fix every shape.
    ///   - source: Names the source in error messages (a file name).
    ///   - tensor: Looks a tensor up by its Meta checkpoint key (`CheckpointKeys`).
    /// - Throws: `LoaderError.tensorMismatch` naming the first missing or misshapen weight.
    public init(params: ModelParams, source: String, tensor lookup: (String) -> Tensor?) throws {
        let dim = params.dim, hidden = params.ffnHiddenDim
        let queryWidth = params.nHeads * params.headDim, keyValueWidth = params.nKVHeads * params.headDim
        func weight(_ name: String, _ shape: Shape) throws -> Tensor {
            guard let tensor = lookup(name) else {
                throw LoaderError.tensorMismatch(tensor: name, expected: "\(shape) (bf16, f16 or f32)",
                                                 found: "no such tensor in \(source)")
            }
            // Any of the three element types will do, so the dtype is reported as found.
            guard tensor.shape == shape else {
                throw LoaderError.tensorMismatch(tensor: name, expected: "\(shape) \(tensor.dtype)",
                                                 found: "\(tensor.shape) \(tensor.dtype)")
            }
            return tensor
        }

        let tokEmbeddings = try weight(CheckpointKeys.tokEmbeddings, [params.vocabSize, dim])
        self.tokEmbeddings = tokEmbeddings
        self.layers = try (0..<params.nLayers).map { index in
            let key = CheckpointKeys.layer(index)
            return LayerWeights(
                attentionNorm: try weight(key.attentionNorm, [dim]),
                wq: try weight(key.wq, [queryWidth, dim]),
                wk: try weight(key.wk, [keyValueWidth, dim]),
                wv: try weight(key.wv, [keyValueWidth, dim]),
                wo: try weight(key.wo, [dim, queryWidth]),
                ffnNorm: try weight(key.ffnNorm, [dim]),
                w1: try weight(key.w1, [hidden, dim]),
                w2: try weight(key.w2, [dim, hidden]),
                w3: try weight(key.w3, [hidden, dim]))
        }
        self.norm = try weight(CheckpointKeys.norm, [dim])
        if lookup(CheckpointKeys.output) == nil {
            // Llama 3.2 1B/3B share the embedding table with the output projection.
            self.output = tokEmbeddings
            self.hasTiedOutput = true
        } else {
            self.output = try weight(CheckpointKeys.output, [params.vocabSize, dim])
            self.hasTiedOutput = false
        }
        if lookup(CheckpointKeys.ropeFrequencyFactors) != nil {
            let factors = try weight(CheckpointKeys.ropeFrequencyFactors, [params.headDim / 2])
            guard factors.dtype == .f32 else {
                throw LoaderError.tensorMismatch(tensor: CheckpointKeys.ropeFrequencyFactors,
                                                 expected: "[\(params.headDim / 2)] f32", found: "\(factors.shape) \(factors.dtype)")
            }
            self.ropeFrequencyFactors = factors
        } else {
            self.ropeFrequencyFactors = nil
        }
    }
}

extension ModelWeights {
    /// Every weight under its checkpoint key (`CheckpointKeys`), in checkpoint order: the
    /// embeddings, each layer's nine, the final norm, the output head unless it is tied,
    /// and the RoPE factors when there are some. Converters (`GGUFExport`, the benchmark's
    /// quantized copy) walk this list, so a weight added here reaches all of them.
    public var namedTensors: [(key: String, tensor: Tensor)] {
        var named: [(key: String, tensor: Tensor)] = [(CheckpointKeys.tokEmbeddings, tokEmbeddings)]
        for (index, layer) in layers.enumerated() {
            let key = CheckpointKeys.layer(index)
            named += [(key.attentionNorm, layer.attentionNorm), (key.wq, layer.wq), (key.wk, layer.wk),
                      (key.wv, layer.wv), (key.wo, layer.wo), (key.ffnNorm, layer.ffnNorm),
                      (key.w1, layer.w1), (key.w2, layer.w2), (key.w3, layer.w3)]
        }
        named.append((CheckpointKeys.norm, norm))
        if !hasTiedOutput { named.append((CheckpointKeys.output, output)) }
        if let ropeFrequencyFactors { named.append((CheckpointKeys.ropeFrequencyFactors, ropeFrequencyFactors)) }
        return named
    }
}
