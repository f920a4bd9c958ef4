// The logits after every token of a batch, not only the last: what scoring a given text
// needs (Llama.score). Generation never asks for them; the output head over a whole batch
// is one matrix-matrix product instead of one matrix-vector product per position.
// Explained in Documentation/21-Quantization-and-GGUF.md.

import LlamaTensor

extension Transformer {
    /// Runs `tokens` at positions `startingAt ..< startingAt + tokens.count`, as `forward`,
    /// and calls `body` with each position's logits (those that predict the token after
    /// it), in order.
    ///
    /// Each position's logits are the same numbers `forward` returns when that position is
    /// the last one run: the output head computes every row the same way, batched or not.
    /// - Parameter body: Gets the index in `tokens` and `vocabSize` logits, valid during
    ///   the call.
    /// - Throws: What `forward` throws, and what `body` throws.
    public func forward(_ tokens: [Int32], startingAt start: Int,
                        eachLogits body: (Int, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let batch = state.batchCapacity, vocabulary = params.vocabSize
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: batch * vocabulary)
        defer { logits.deallocate() }
        var offset = 0
        while offset < tokens.count {
            let rows = min(batch, tokens.count - offset)
            try forward(Array(tokens[offset..<(offset + rows)]), startingAt: start + offset)
            // state.x now holds the batch's final hidden states, one row per token.
            norm(state.x.pointer, rows: rows, into: state.normalized.pointer)
            state.dimActivations.load(state.normalized.pointer, rows: rows)
            matrixProduct(output, state.dimActivations, rows: rows, into: logits, pool: pool)
            for row in 0..<rows {
                try body(offset + row, UnsafeBufferPointer(start: logits + row * vocabulary, count: vocabulary))
            }
            offset += rows
        }
    }
}
