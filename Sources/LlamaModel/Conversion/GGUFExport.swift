// Writing a model as a llama GGUF file: Meta's names to llama.cpp's, hyperparameters to
// `llama.*` keys, the tokenizer to `tokenizer.ggml.*`, weights quantized on the way.
// Explained in Documentation/21-Quantization-and-GGUF.md.

import Foundation
import LlamaLoader
import LlamaTensor
import LlamaTokenizer

/// Converts a model (Meta's folder, or another GGUF file) into a GGUF file that llama.cpp
/// and SwiftLlama both run.
public enum GGUFExport {
    /// The element type of the matrices in the written file.
    public enum WeightType: String, Sendable, CaseIterable {
        /// Every matrix as Q8_0 (8.5 bits per weight); norms stay f32.
        case q8_0
        /// Every matrix as Q4_0 (4.5 bits per weight) except the embedding table and
        /// output head, which stay Q8_0; norms stay f32.
        case q4_0
        /// Every matrix as Q4_1 (5 bits per weight) except the embedding table and output
        /// head, which stay Q8_0; norms stay f32.
        case q4_1
        /// Every matrix as bf16 (Meta's own precision); norms stay f32.
        case bf16

        /// The element type of the matrices (see `dtype(for:)` for the exceptions).
        public var dtype: DType {
            switch self {
            case .q8_0: return .q8_0
            case .q4_0: return .q4_0
            case .q4_1: return .q4_1
            case .bf16: return .bf16
            }
        }

        /// The type of the matrix `key`: `dtype`, except that the 4-bit types keep the
        /// embedding table and the output head in Q8_0.
        public func dtype(for key: String) -> DType {
            let isHead = key == CheckpointKeys.tokEmbeddings || key == CheckpointKeys.output
            return isHead && (self == .q4_0 || self == .q4_1) ? .q8_0 : dtype
        }

        /// llama.cpp's `llama_ftype` code (`general.file_type`).
        var fileType: UInt64 {
            switch self {
            case .q8_0: return 7
            case .q4_0: return 2
            case .q4_1: return 3
            case .bf16: return 32
            }
        }
    }

    /// Writes `source` as a GGUF file at `url`.
    ///
    /// The matrices (embedding table and output head included, so the whole file is
    /// about 1.06 bytes per parameter for Q8_0) take `type`; the norm weights stay f32, as
    /// llama.cpp keeps them; Llama 3.1 RoPE scaling becomes the `rope_freqs.weight` factors
    /// that llama.cpp expects.
    /// - Parameters:
    ///   - tokenizer: Written as `tokenizer.ggml.*` when given and `source` is a folder; a
    ///     GGUF source's `tokenizer.*` keys are copied as they are.
    ///   - progress: Called before each tensor with its index, the count and its GGUF name.
    /// The file is written atomically, and never over one of `source`'s own files (see
    /// `AtomicFileWriter`).
    /// - Throws: `LoaderError` when the file cannot be written (`.unsafeOutput` when `url`
    ///   is one of the model's files, `.cannotWrite`); `TensorError.partialBlock`
    ///   when a matrix's rows are not whole blocks (a width not a multiple of 32).
    public static func write(_ source: ModelSource, tokenizer: Tokenizer?, as type: WeightType, to url: URL,
                             progress: ((Int, Int, String) -> Void)? = nil) throws {
        let p = source.params, w = source.weights
        let writer = GGUFWriter()
        let name = source.url.deletingPathExtension().lastPathComponent
        writer.add("general.architecture", .string("llama"))
        writer.add("general.name", .string(name))
        writer.add("general.file_type", .unsigned(type.fileType, .uint32))
        if type.dtype.blockFormat != nil { writer.add("general.quantization_version", .unsigned(2, .uint32)) }
        writer.add("llama.vocab_size", .unsigned(UInt64(p.vocabSize), .uint32))
        writer.add("llama.context_length", .unsigned(p.useScaledRope ? 131_072 : 8192, .uint32))
        writer.add("llama.embedding_length", .unsigned(UInt64(p.dim), .uint32))
        writer.add("llama.block_count", .unsigned(UInt64(p.nLayers), .uint32))
        writer.add("llama.feed_forward_length", .unsigned(UInt64(p.ffnHiddenDim), .uint32))
        writer.add("llama.rope.dimension_count", .unsigned(UInt64(p.headDim), .uint32))
        writer.add("llama.attention.head_count", .unsigned(UInt64(p.nHeads), .uint32))
        writer.add("llama.attention.head_count_kv", .unsigned(UInt64(p.nKVHeads), .uint32))
        writer.add("llama.rope.freq_base", .float(p.ropeTheta, .float32))
        writer.add("llama.attention.layer_norm_rms_epsilon", .float(Double(p.normEps), .float32))
        if let gguf = source.gguf {
            // A GGUF model's vocabulary, merges, roles and chat template go over unchanged,
            // whether or not this tokenizer can use them.
            for key in gguf.metadataKeys where key.hasPrefix("tokenizer.") {
                if let value = gguf.metadata[key] { writer.add(key, value) }
            }
        } else if let tokenizer {
            let vocabulary = tokenizer.ggufVocabulary()
            writer.add("tokenizer.ggml.model", .string("gpt2"))
            writer.add("tokenizer.ggml.pre", .string(tokenizer.preTokenizer.rawValue))
            writer.add("tokenizer.ggml.tokens", .array(.string, vocabulary.tokens.map { .string($0) }))
            writer.add("tokenizer.ggml.token_type", .array(.int32, vocabulary.types.map { .signed(Int64($0.rawValue), .int32) }))
            writer.add("tokenizer.ggml.merges", .array(.string, vocabulary.merges.map { .string($0) }))
            let roles = [("bos", tokenizer.beginOfText), ("eos", tokenizer.endOfText),
                         ("eot", tokenizer.endOfTurn), ("eom", tokenizer.endOfMessage)]
            for (role, id) in roles {
                if let id { writer.add("tokenizer.ggml.\(role)_token_id", .unsigned(UInt64(id), .uint32)) }
            }
        }

        func add(_ key: String, _ tensor: Tensor, _ dtype: DType) throws {
            guard let gguf = GGUFLlama.ggufName(forCheckpointKey: key) else { return }
            try Tensor.checkBlocks(tensor.shape, dtype)  // now, before anything is written
            writer.addTensor(gguf, shape: tensor.shape, dtype: dtype) { try tensor.encode(as: dtype, into: $0) }
        }
        // Matrices in the chosen type; vectors (norms, RoPE factors) in f32, as llama.cpp
        // keeps them. With 4-bit types the embedding table and the output head stay Q8_0:
        // every logit goes through the output head (the embedding table itself when tied),
        // and a 4-bit head raises SmolLM2's perplexity by 6% over the same file with a
        // Q8_0 head (Documentation/21-Quantization-and-GGUF.md).
        for (key, tensor) in w.namedTensors {
            try add(key, tensor, tensor.shape.rank == 2 ? type.dtype(for: key) : .f32)
        }
        if w.ropeFrequencyFactors == nil, p.useScaledRope {
            let factors = try Tensor(RotaryEmbedding.scalingFactors(params: p), shape: [p.headDim / 2])
            try add(CheckpointKeys.ropeFrequencyFactors, factors, .f32)
        }
        try writer.write(to: url, protecting: source.inputFiles, progress: progress)
    }
}
