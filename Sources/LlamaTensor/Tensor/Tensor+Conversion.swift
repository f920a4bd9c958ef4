// Converting a tensor's elements to another element type, row by row: how a checkpoint's
// bf16 weights become Q8_0 blocks. Explained in Documentation/21-Quantization-and-GGUF.md.

extension Tensor {
    /// Row `row` of a 2-D tensor (or the whole of a 1-D one, `row` 0) widened to `Float`.
    /// - Parameter out: room for the row's `shape[rank - 1]` elements.
    public func widenRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        let width = shape.rank == 0 ? 1 : shape[shape.rank - 1]
        precondition(row >= 0 && row < max(1, elementCount / max(width, 1)), "row \(row) out of range for \(shape)")
        let base = baseAddress + dtype.byteCount(elements: row * width)
        switch dtype {
        case .bf16:
            for i in 0..<width {
                out[i] = Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .f16:
            for i in 0..<width {
                out[i] = Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .f32:
            for i in 0..<width {
                out[i] = base.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
            }
        default:
            dtype.blockFormat?.widen(base, count: width, into: out)
        }
    }

    /// Writes every element as `target` into `out`, one row at a time: rounded to nearest
    /// even for `bf16` and `f16`, quantized per block of 32 for the block formats.
    /// - Parameter out: exactly `target.byteCount(elements: elementCount)` bytes.
    /// - Throws: `TensorError.partialBlock` when `target` is a block format and the rows are not
    ///   whole blocks.
    public func encode(as target: DType, into out: UnsafeMutableRawBufferPointer) throws {
        try Self.checkBlocks(shape, target)
        try Self.checkWritable(target)
        let width = shape.rank == 0 ? 1 : shape[shape.rank - 1]
        precondition(out.count == target.byteCount(elements: elementCount), "output of \(out.count) bytes for \(shape) \(target)")
        guard width > 0, let outBase = out.baseAddress else { return }
        let row = UnsafeMutablePointer<Float>.allocate(capacity: width)
        defer { row.deallocate() }
        let rowBytes = target.byteCount(elements: width)
        for r in 0..<(elementCount / width) {
            widenRow(r, into: row)
            let destination = outBase + r * rowBytes
            switch target {
            case .f32:
                destination.copyMemory(from: row, byteCount: rowBytes)
            case .bf16:
                for i in 0..<width {
                    destination.storeBytes(of: BFloat16(row[i]).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            case .f16:
                for i in 0..<width {
                    destination.storeBytes(of: Float16(row[i]).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            default:
                target.blockFormat?.quantize(UnsafeBufferPointer(start: row, count: width), into: destination)
            }
        }
    }
}
