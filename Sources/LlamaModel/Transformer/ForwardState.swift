// Every activation buffer of the forward pass, allocated once. Explained in
// Documentation/19-Making-It-Fast.md (scratch memory) and the model chapters.

import LlamaLoader
import LlamaTensor

/// Memory for a fixed number of elements, initialized, and freed when the buffer is: the
/// buffers of `ForwardState` own their memory, so one added later cannot leak.
final class ScratchBuffer<Element> {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    /// `count` elements (at least one is allocated), each `value`.
    init(_ count: Int, repeating value: Element) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: value, count: max(1, count))
    }

    deinit {
        pointer.deinitialize(count: max(1, count))
        pointer.deallocate()
    }
}

/// A buffer of floats: the activations of the forward pass.
typealias FloatBuffer = ScratchBuffer<Float>

extension ScratchBuffer where Element == Float {
    /// `count` zeros.
    convenience init(_ count: Int) {
        self.init(count, repeating: 0)
    }

    /// Row `row` of a buffer holding rows of `width` floats.
    @inline(__always)
    func row(_ row: Int, width: Int) -> UnsafeMutablePointer<Float> { pointer + row * width }

    /// The first `count` floats, read-only.
    func prefix(_ count: Int) -> UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
}

/// The run state: activations for up to `batchCapacity` tokens at once (one prefill chunk
/// or one decode step), as in llama2.c's `RunState`. Allocated when the model is created;
/// the forward pass never allocates.
final class ForwardState {
    let batchCapacity: Int
    /// `[batch, dim]`: the residual stream `h`.
    let x: FloatBuffer
    /// `[batch, dim]`: a normalized copy of `x` (the input of attention or feed-forward).
    let normalized: FloatBuffer
    /// `[batch, dim]`: what a block adds back to the residual stream.
    let delta: FloatBuffer
    /// `[batch, nHeads · headDim]`: queries.
    let q: FloatBuffer
    /// `[batch, nKVHeads · headDim]`: keys of the new tokens.
    let k: FloatBuffer
    /// `[batch, nKVHeads · headDim]`: values of the new tokens.
    let v: FloatBuffer
    /// `[batch, nHeads · headDim]`: the attention heads' outputs, before `wo`.
    let heads: FloatBuffer
    /// `[batch, ffnHiddenDim]`: `w1 · x`, then the SwiGLU product.
    let gate: FloatBuffer
    /// `[batch, ffnHiddenDim]`: `w3 · x`.
    let up: FloatBuffer
    /// `[threads, nHeads / nKVHeads, contextLength]`: a row of attention scores for each
    /// query head of the group a worker is on.
    let scores: FloatBuffer
    /// `[threads, 4 · headDim]`: each worker's query elements, each copied into all eight
    /// lanes of a vector, for `attentionScores`.
    let broadcastQueries: ScratchBuffer<SIMD8<Float>>
    /// `[vocabSize]`: the logits of the last token.
    let logits: FloatBuffer
    /// Activations of width `dim`, split for the bf16 kernels.
    let dimActivations: SplitActivations
    /// Activations of width `ffnHiddenDim`, split for `w2`.
    let hiddenActivations: SplitActivations
    /// Shown every step when set (`Transformer.observer`); `nil` keeps the pass as fast as
    /// without tracing (Documentation/18-Tracing-and-Attention.md).
    var observer: (any ForwardObserver)?

    init(params: ModelParams, batchCapacity: Int, contextLength: Int, threads: Int) {
        let dim = params.dim, kvDim = params.nKVHeads * params.headDim
        let queryDim = params.nHeads * params.headDim
        let hidden = params.ffnHiddenDim
        self.batchCapacity = batchCapacity
        x = FloatBuffer(batchCapacity * dim)
        normalized = FloatBuffer(batchCapacity * dim)
        delta = FloatBuffer(batchCapacity * dim)
        q = FloatBuffer(batchCapacity * queryDim)
        k = FloatBuffer(batchCapacity * kvDim)
        v = FloatBuffer(batchCapacity * kvDim)
        heads = FloatBuffer(batchCapacity * queryDim)
        gate = FloatBuffer(batchCapacity * hidden)
        up = FloatBuffer(batchCapacity * hidden)
        scores = FloatBuffer(threads * (params.nHeads / params.nKVHeads) * contextLength)
        logits = FloatBuffer(params.vocabSize)
        broadcastQueries = ScratchBuffer(threads * 4 * params.headDim, repeating: SIMD8())
        dimActivations = SplitActivations(width: dim, capacity: batchCapacity)  // queryDim == dim
        hiddenActivations = SplitActivations(width: hidden, capacity: batchCapacity)
    }
}
