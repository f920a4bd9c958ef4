// The whole model: embedding, the blocks, the final norm and the output head.
// Explained in Documentation/09-Embeddings-and-RMSNorm.md through 13-Output-and-Sampling.md.

import Foundation
import LlamaLoader
import LlamaTensor

/// Meta's `Transformer`: turns token ids into the logits of the next token, keeping the
/// keys and values of every position it has seen in a KV cache.
///
/// Not safe for concurrent use: one forward pass at a time (the `Llama` facade serializes
/// its generations). Computes in f32 over the checkpoint's bf16 weights, which stay in the
/// memory-mapped file.
///
/// ```swift
/// let folder = try ModelFolder(url: url)
/// let transformer = try Transformer(folder: folder)
/// let logits = try transformer.forward([128000, 791], startingAt: 0)   // prefill
/// let next = try transformer.forward([1404], startingAt: 2)            // decode
/// ```
public final class Transformer: @unchecked Sendable {
    // @unchecked Sendable: the mutable state (cache, scratch) is only touched by forward,
    // which callers must not run concurrently (documented above).

    /// The model's hyperparameters.
    public let params: ModelParams
    /// The most positions (prompt plus generated tokens) the KV cache holds.
    public let contextLength: Int
    /// The threads every kernel is split across.
    package let pool: ThreadPool
    /// Whether `output` is the embedding table (Llama 3.2 1B and 3B).
    public let hasTiedOutput: Bool

    /// `[vocabSize, dim]`: one row per token.
    let tokEmbeddings: Tensor
    let layers: [TransformerBlock]
    /// The final norm, before the output head.
    let norm: RMSNorm
    /// `[vocabSize, dim]`: the output head (the embedding table when tied).
    let output: Tensor
    let rope: RotaryEmbedding
    /// The keys and values of the positions run so far. (Package-visible so that
    /// `llama-bench` can fill it to time decoding far out without a long prefill.)
    package let cache: KVCache
    let state: ForwardState
    /// Keeps the mapped checkpoint alive (the tensors also do, this makes it explicit).
    private let weights: ModelWeights

    /// The number of positions now held in the KV cache: where the next token goes.
    public var position: Int { cache.count }

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { params.vocabSize }

    /// Prepares a model over already-loaded weights.
    /// - Parameters:
    ///   - weights: The bound checkpoint tensors.
    ///   - params: The hyperparameters they were bound with.
    ///   - contextLength: The most positions to hold (default 8192).
    ///   - threadCount: Worker threads; `nil` means one per active processor.
    ///   - batchSize: The most prompt tokens processed in one prefill step (default 64).
    /// - Throws: `ModelError.invalidOption` for a non-positive context, thread count or
    ///   batch size; `ModelError.outOfMemory` if the KV cache cannot be reserved.
    public convenience init(weights: ModelWeights, params: ModelParams, contextLength: Int = 8192,
                            threadCount: Int? = nil, batchSize: Int = 64) throws {
        if let threadCount, threadCount <= 0 {
            throw ModelError.invalidOption(name: "threads", expected: "a positive number", found: "\(threadCount)")
        }
        try self.init(weights: weights, params: params, contextLength: contextLength,
                      pool: ThreadPool(threadCount: threadCount), batchSize: batchSize)
    }

    /// Prepares a model over already-loaded weights whose kernels run on `pool`, which
    /// other transformers over the same weights may share (one conversation each, run one
    /// at a time): each has its own KV cache and activations, the weights and threads are
    /// shared.
    /// - Throws: As `init(weights:params:contextLength:threadCount:batchSize:)`.
    package init(weights: ModelWeights, params: ModelParams, contextLength: Int, pool: ThreadPool,
                 batchSize: Int) throws {
        guard contextLength > 0 else {
            throw ModelError.invalidOption(name: "context length", expected: "a positive number", found: "\(contextLength)")
        }
        guard batchSize > 0 else {
            throw ModelError.invalidOption(name: "batch size", expected: "a positive number", found: "\(batchSize)")
        }
        self.params = params
        self.contextLength = contextLength
        self.pool = pool
        self.weights = weights
        self.hasTiedOutput = weights.hasTiedOutput
        tokEmbeddings = weights.tokEmbeddings
        layers = weights.layers.enumerated().map { TransformerBlock($1, layer: $0, params: params) }
        norm = RMSNorm(weights.norm, epsilon: params.normEps)
        output = weights.output
        rope = RotaryEmbedding(params: params, positions: contextLength,
                               factors: weights.ropeFrequencyFactors?.floats())
        cache = try KVCache(layers: params.nLayers, kvHeads: params.nKVHeads, headDim: params.headDim,
                            capacity: contextLength)
        state = ForwardState(params: params, batchCapacity: batchSize, contextLength: contextLength,
                             threads: pool.threadCount)
    }

    /// Opens the checkpoint of a model folder and prepares the model.
    public convenience init(folder: ModelFolder, contextLength: Int = 8192, threadCount: Int? = nil,
                            batchSize: Int = 64) throws {
        try self.init(weights: folder.weights, params: folder.params, contextLength: contextLength,
                      threadCount: threadCount, batchSize: batchSize)
    }

    deinit {
        rope.deallocate()
    }

    /// Runs `tokens` at positions `startingAt ..< startingAt + tokens.count` and returns
    /// the logits that predict the token after the last one.
    ///
    /// Prefill passes the whole prompt (processed in batches of matrix-matrix products);
    /// decode passes one token. Starting before the cache's end rewinds it: what was
    /// cached after `startingAt` is forgotten.
    ///
    /// - Parameter isCancelled: Asked before each batch and between layers; when it says
    ///   `true` the pass stops there. A long prompt then stops within one layer of one
    ///   batch, and the cache keeps the whole batches that finished (`position` says how
    ///   many positions).
    /// - Returns: `vocabSize` logits, valid until the next call (no copy is made).
    /// - Throws: `ModelError.emptyInput`, `.tokenOutOfRange`, `.contextFull`,
    ///   `.positionMismatch` when `startingAt` is beyond the cached positions, or
    ///   `.cancelled` when `isCancelled` said so.
    @discardableResult
    public func forward(_ tokens: [Int32], startingAt start: Int,
                        isCancelled: (() -> Bool)? = nil) throws -> UnsafeBufferPointer<Float> {
        guard !tokens.isEmpty else { throw ModelError.emptyInput }
        guard start >= 0, start <= cache.count else {
            throw ModelError.positionMismatch(expected: cache.count, found: start)
        }
        guard start + tokens.count <= contextLength else {
            throw ModelError.contextFull(requested: start + tokens.count, capacity: contextLength)
        }
        for id in tokens where id < 0 || Int(id) >= params.vocabSize {
            throw ModelError.tokenOutOfRange(id: id, vocabularySize: params.vocabSize)
        }
        cache.count = start
        var offset = 0, lastRows = 0
        while offset < tokens.count {
            let rows = min(state.batchCapacity, tokens.count - offset)
            let finished = tokens.withUnsafeBufferPointer { ids in
                runBatch(UnsafeBufferPointer(rebasing: ids[offset..<(offset + rows)]), start: start + offset,
                         isCancelled: isCancelled)
            }
            guard finished else { throw ModelError.cancelled(position: cache.count) }
            offset += rows
            lastRows = rows
        }
        let logits = logitsOfLastToken(row: lastRows - 1)
        if let observer = state.observer { reportOutput(logits, to: observer) }
        return logits
    }

    /// Forgets every cached position.
    public func reset() {
        cache.reset()
    }

    /// Bytes the KV cache uses per position held (keys and values, all layers, f32).
    public var cacheBytesPerPosition: Int { cache.bytesPerPosition }

    /// Bytes of weights one decode step reads: every matrix and norm, plus one embedding
    /// row. (With a tied output the embedding table is read in full by the output head.)
    public var weightBytesPerToken: Int {
        var bytes = output.byteCount + norm.weight.count * 4 + tokEmbeddings.dtype.byteCount(elements: params.dim)
        for block in layers {
            bytes += block.attention.wq.byteCount + block.attention.wk.byteCount
            bytes += block.attention.wv.byteCount + block.attention.wo.byteCount
            bytes += block.feedForward.w1.byteCount + block.feedForward.w2.byteCount + block.feedForward.w3.byteCount
            bytes += (block.attentionNorm.weight.count + block.ffnNorm.weight.count) * 4
        }
        return bytes
    }

    // MARK: - The pass

    /// One batch of up to `batchCapacity` tokens through every layer.
    /// Runs one batch; returns false, with the cache still ending at `start`, when
    /// `isCancelled` stopped it between layers. (Positions of the batch that some layers
    /// wrote lie past the cache's count, so they are never read, and are overwritten.)
    private func runBatch(_ ids: UnsafeBufferPointer<Int32>, start: Int, isCancelled: (() -> Bool)?) -> Bool {
        let dim = params.dim
        // doc: embed-and-blocks
        // Embed: each token's row of the embedding table, widened to f32.
        for (t, id) in ids.enumerated() {
            tokEmbeddings.widenRow(Int(id), into: state.x.row(t, width: dim))
        }
        // The blocks, in order.
        for block in layers {
            if isCancelled?() == true { return false }
            block(state, rows: ids.count, start: start, cache: cache, rope: rope, pool: pool)
        }
        cache.count = start + ids.count
        // doc: end
        return true
    }

    /// The final norm and the output head, for the token in row `row` of the last batch.
    private func logitsOfLastToken(row: Int) -> UnsafeBufferPointer<Float> {
        let dim = params.dim
        // doc: logits-last-token
        let last = state.x.row(row, width: dim)
        norm(last, rows: 1, into: state.normalized.pointer)
        state.dimActivations.load(state.normalized.pointer, rows: 1)
        matrixVectorProduct(output, state.dimActivations, into: state.logits.pointer, pool: pool)
        // doc: end
        return state.logits.prefix(params.vocabSize)
    }
}
