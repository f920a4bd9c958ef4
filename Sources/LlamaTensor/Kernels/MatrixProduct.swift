// Weight matrix times activations: the matrix-vector product of decode and the
// matrix-matrix product of prefill, dispatched by weight format to `TiledProduct` or
// `QuantizedProduct`. Explained in Documentation/19-Making-It-Fast.md.

/// `out[r] = Σ_c weights[r, c] · x[c]`: one decode step's linear layer.
///
/// - Parameters:
///   - weights: `[outFeatures, inFeatures]`, bf16, f16, f32 or a block format (`DType.blockFormat`), row-major (PyTorch's
///     `nn.Linear.weight` layout).
///   - x: Activations with `x.width == inFeatures`; row 0 is used.
///   - out: `outFeatures` floats.
///   - pool: Splits the rows of `weights` across threads.
/// - Complexity: O(outFeatures × inFeatures); reads every weight once, allocates nothing.
///   Memory-bound: its speed is the memory bandwidth divided by the weight bytes.
package func matrixVectorProduct(_ weights: Tensor, _ x: SplitActivations,
                                into out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    matrixProduct(weights, x, rows: 1, into: out, pool: pool)
}

/// `out[t, r] = Σ_c weights[r, c] · x[t, c]` for `rows` activation rows: prefill's linear
/// layers, one weight read for many tokens.
///
/// Each output element is computed with the same sequence of operations whatever the tile,
/// the thread count or the number of rows, so the result of a token is bit-identical to
/// what `matrixVectorProduct` gives for it alone. That keeps prefill and decode in exact
/// agreement, and the output independent of the thread count.
///
/// - Parameters:
///   - weights: `[outFeatures, inFeatures]`, bf16, f16, f32 or a block format (`DType.blockFormat`) (see `QuantizedProduct`:
///     the activations are then quantized to 8 bits per block of 32, as llama.cpp does).
///   - x: `rows` loaded activation rows of width `inFeatures`.
///   - rows: How many rows of `x` to multiply (at most `x.rowCount`).
///   - out: `rows × outFeatures` floats, row-major.
///   - pool: Splits the rows of `weights` across threads.
/// - Complexity: O(rows × outFeatures × inFeatures), no allocation.
package func matrixProduct(_ weights: Tensor, _ x: SplitActivations, rows: Int,
                          into out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    matrixProduct(weights, x, rows: rows, into: out, pool: pool, walk: .current)
}

/// `matrixProduct` with decode's walk and the kernels' instruction set chosen by the caller
/// (tests run every walk and every supported variant).
func matrixProduct(_ weights: Tensor, _ x: SplitActivations, rows: Int,
                   into out: UnsafeMutablePointer<Float>, pool: ThreadPool, walk: DecodeWalk,
                   instructionSet: InstructionSet = .current) {
    precondition(weights.shape.rank == 2, "weights must be 2-D, found \(weights.shape)")
    precondition(weights.shape[1] == x.width, "weights \(weights.shape) times activations of width \(x.width)")
    precondition(rows <= x.rowCount, "\(rows) rows requested, \(x.rowCount) loaded")
    if instructionSet != .portable && weights.dtype.blockFormat == nil {
        FloatProduct.run(weights, x, rows: rows, into: out, pool: pool, instructionSet: instructionSet)
        return
    }
    if let format = weights.dtype.blockFormat {
        quantizedProduct(format, weights, x, rows: rows, into: out, pool: pool, walk: walk,
                         instructionSet: instructionSet)
        return
    }
    switch weights.dtype {
    case .bf16: TiledProduct<BFloat16Weights>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    case .f16: TiledProduct<Float16Weights>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    default: TiledProduct<Float32Weights>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk)
    }
}

/// `QuantizedProduct` specialized for `format` (the existential `DType.blockFormat`
/// opened as a generic argument, so no format is named here).
private func quantizedProduct<Format: BlockFormat>(_ format: Format.Type, _ weights: Tensor, _ x: SplitActivations,
                                                   rows: Int, into out: UnsafeMutablePointer<Float>, pool: ThreadPool,
                                                   walk: DecodeWalk, instructionSet: InstructionSet) {
    QuantizedProduct<Format>.run(weights, x, rows: rows, into: out, pool: pool, walk: walk, instructionSet: instructionSet)
}
