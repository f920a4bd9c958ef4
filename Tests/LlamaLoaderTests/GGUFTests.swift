// GGUF files written by llama.cpp's own Python writer (`gguf` on PyPI, see
// Scripts/make_gguf_fixtures.py) against the Meta checkpoints they were made from; our
// writer read back; and damaged or foreign files.

import Foundation
import Testing
import TestSupport
@testable import LlamaLoader
import LlamaTensor

enum GGUFFixtures {
    static let models = ["gqa-scaled", "tied-output", "mha-unscaled"]
    static func url(_ name: String) -> URL { Fixtures.url("gguf/\(name).gguf") }
    static func folder(_ model: String) throws -> ModelFolder {
        try ModelFolder(url: Fixtures.url("models/\(model)"))
    }
}

/// Every weight of a model, by Meta key, with what it was bound to.
private func namedWeights(_ w: ModelWeights) -> [(String, Tensor)] {
    var all: [(String, Tensor)] = [(CheckpointKeys.tokEmbeddings, w.tokEmbeddings), (CheckpointKeys.norm, w.norm)]
    if !w.hasTiedOutput { all.append((CheckpointKeys.output, w.output)) }
    for (i, l) in w.layers.enumerated() {
        let k = CheckpointKeys.layer(i)
        all += [(k.attentionNorm, l.attentionNorm), (k.wq, l.wq), (k.wk, l.wk), (k.wv, l.wv), (k.wo, l.wo),
                (k.ffnNorm, l.ffnNorm), (k.w1, l.w1), (k.w2, l.w2), (k.w3, l.w3)]
    }
    return all
}

@Suite("GGUF")
struct GGUFTests {
    /// The llama.* keys give the same hyperparameters as params.json, and every weight
    /// binds with the checkpoint's shape. BF16 matrices are the checkpoint's bytes; norms,
    /// written as F32, are their exact widening.
    @Test(arguments: GGUFFixtures.models)
    func bf16FileHoldsTheCheckpoint(model: String) throws {
        let folder = try GGUFFixtures.folder(model)
        let file = try GGUFFile(url: GGUFFixtures.url("\(model)-bf16"))
        #expect(file.version == 3)
        let params = try GGUFLlama.params(of: file)
        let meta = folder.params
        #expect(params.dim == meta.dim && params.nLayers == meta.nLayers && params.nHeads == meta.nHeads)
        #expect(params.nKVHeads == meta.nKVHeads && params.vocabSize == meta.vocabSize)
        #expect(params.ffnHiddenDim == meta.ffnHiddenDim && params.normEps == meta.normEps)
        #expect(params.ropeTheta == meta.ropeTheta)
        let weights = try ModelWeights(gguf: file, params: params)
        #expect(weights.hasTiedOutput == folder.weights.hasTiedOutput)
        #expect((weights.ropeFrequencyFactors != nil) == meta.useScaledRope)
        for ((name, ours), (_, theirs)) in zip(namedWeights(weights), namedWeights(folder.weights)) {
            #expect(ours.shape == theirs.shape, "\(name)")
            if ours.shape.rank == 2 {
                #expect(ours.dtype == .bf16 && Array(ours.rawBytes) == Array(theirs.rawBytes), "\(name)")
            } else {
                #expect(ours.dtype == .f32 && ours.floats() == theirs.floats(), "\(name)")
            }
        }
    }

    /// llama.cpp's Q8_0 quantizer (gguf.quants) and ours give the same bytes, block for block.
    @Test(arguments: GGUFFixtures.models)
    func q8BlocksMatchOurQuantizer(model: String) throws {
        let folder = try GGUFFixtures.folder(model)
        let file = try GGUFFile(url: GGUFFixtures.url("\(model)-q8_0"))
        let weights = try ModelWeights(gguf: file, params: try GGUFLlama.params(of: file))
        for ((name, theirs), (_, source)) in zip(namedWeights(weights), namedWeights(folder.weights)) where theirs.shape.rank == 2 {
            #expect(theirs.dtype == .q8_0, "\(name)")
            var ours = [UInt8](repeating: 0, count: theirs.byteCount)
            try ours.withUnsafeMutableBytes { try source.encode(as: .q8_0, into: $0) }
            #expect(ours == Array(theirs.rawBytes), "\(name)")
        }
    }

    /// What `GGUFWriter` writes reads back: keys in order with their types, tensors with
    /// their names, types, shapes and bytes.
    @Test func writerRoundTrips() throws {
        let url = try Fixtures.temporaryFolder("gguf").appendingPathComponent("round.gguf")
        let writer = GGUFWriter()
        writer.add("general.architecture", .string("llama"))
        writer.add("a.u8", .unsigned(7, .uint8))
        writer.add("a.i32", .signed(-3, .int32))
        writer.add("a.f64", .float(0.25, .float64))
        writer.add("a.bool", .bool(true))
        writer.add("a.strings", .array(.string, [.string("Ġthe"), .string("")]))
        writer.add("a.empty", .array(.int32, []))
        let values = (0..<96).map { Float($0) / 7 - 5 }
        let matrix = try Tensor(values, shape: [3, 32])
        writer.addTensor("m.q8", shape: [3, 32], dtype: .q8_0) { try matrix.encode(as: .q8_0, into: $0) }
        writer.addTensor("m.bf16", shape: [3, 32], dtype: .bf16) { try matrix.encode(as: .bf16, into: $0) }
        writer.addTensor("v.f32", shape: [5], dtype: .f32) { try Tensor([1, 2, 3, 4, 5], shape: [5]).encode(as: .f32, into: $0) }
        try writer.write(to: url)

        let file = try GGUFFile(url: url)
        #expect(file.metadataKeys == ["general.architecture", "a.u8", "a.i32", "a.f64", "a.bool", "a.strings", "a.empty"])
        #expect(file.metadata["a.u8"] == GGUFValue.unsigned(7, .uint8))
        #expect(file.metadata["a.i32"] == GGUFValue.signed(-3, .int32))
        #expect(file.metadata["a.f64"] == GGUFValue.float(0.25, .float64))
        #expect(file.metadata["a.bool"] == GGUFValue.bool(true))
        #expect(file.metadata["a.strings"] == GGUFValue.array(.string, [.string("Ġthe"), .string("")]))
        #expect(file.metadata["a.empty"] == GGUFValue.array(.int32, []))
        #expect(file.tensors.map(\.name) == ["m.q8", "m.bf16", "v.f32"])
        #expect(file.tensors.map(\.type) == [.q8_0, .bf16, .f32])
        let q8 = try #require(try file.tensor(named: "m.q8"))
        #expect(q8.shape == [3, 32] && q8.dtype == .q8_0)
        #expect(zip(q8.floats(), values).allSatisfy { abs($0 - $1) <= 5 / 127 })
        #expect(try file.tensor(named: "m.bf16")?.floats() == values.map { BFloat16($0).floatValue })
        #expect(try file.tensor(named: "v.f32")?.floats() == [1, 2, 3, 4, 5])
        #expect(file.dataOffset % 32 == 0 && file.tensors.allSatisfy { $0.offset % 32 == 0 })
    }

    /// Every prefix of a real file is refused with a LoaderError (never a crash), and so
    /// are a foreign magic, an unknown version and another architecture.
    @Test func damagedAndForeignFilesAreRefused() throws {
        let bytes = try Data(contentsOf: GGUFFixtures.url("gqa-scaled-q8_0"))
        let folder = try Fixtures.temporaryFolder("gguf")
        let url = folder.appendingPathComponent("cut.gguf")
        for length in [0, 3, 4, 8, 20, 24, 100, 1000, 1500, 3000, bytes.count / 2, bytes.count - 64] {
            try bytes.prefix(length).write(to: url)
            #expect(throws: LoaderError.self, "prefix of \(length) bytes") {
                let file = try GGUFFile(url: url)
                _ = try ModelWeights(gguf: file, params: try GGUFLlama.params(of: file))
            }
        }
        var patched = bytes
        patched[0] = UInt8(ascii: "X")
        try patched.write(to: url)
        #expect(throws: LoaderError.invalidGGUF(file: "cut.gguf", reason: "expected the magic bytes GGUF at the start, found 58 47 55 46")) {
            try GGUFFile(url: url)
        }
        patched = bytes
        patched[4] = 9
        try patched.write(to: url)
        #expect(throws: LoaderError.invalidGGUF(file: "cut.gguf", reason: "expected version 2 or 3, found 9")) {
            try GGUFFile(url: url)
        }
        let writer = GGUFWriter()
        writer.add("general.architecture", .string("gemma"))
        try writer.write(to: url)
        #expect(throws: LoaderError.invalidGGUF(file: "cut.gguf", reason: "general.architecture: expected llama, found gemma")) {
            try GGUFLlama.params(of: try GGUFFile(url: url))
        }
    }

    /// A tensor of a type we do not compute with (Q5_K here) is named in the error, from
    /// the tensor view and from binding the model.
    @Test func unsupportedTensorTypesAreNamed() throws {
        var header = Data("GGUF".utf8)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { header.append(contentsOf: $0) } }
        func put(_ s: String) { put(UInt64(s.utf8.count)); header.append(contentsOf: Array(s.utf8)) }
        put(UInt32(3)); put(UInt64(1)); put(UInt64(0))
        put("blk.0.attn_q.weight"); put(UInt32(2)); put(UInt64(256)); put(UInt64(4)); put(UInt32(13)); put(UInt64(0))
        header.append(Data(count: 32 - header.count % 32 + 4 * 176))
        let url = try Fixtures.temporaryFolder("gguf").appendingPathComponent("q5k.gguf")
        try header.write(to: url)
        let file = try GGUFFile(url: url)
        #expect(file.tensors.first?.type.description == "Q5_K")
        #expect(throws: LoaderError.invalidTensor(file: "q5k.gguf", tensor: "blk.0.attn_q.weight",
                                                  reason: "type Q5_K is not supported: expected BF16, F16, F32, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K or Q6_K")) {
            try file.tensor(named: "blk.0.attn_q.weight")
        }
        let params = ModelParams(dim: 256, nLayers: 1, nHeads: 4, vocabSize: 10)
        #expect(throws: LoaderError.self) { try ModelWeights(gguf: file, params: params) }
    }
}

/// The K-quants' bit layout: Q4_K and Q6_K tensors of random bytes
/// (Scripts/make_kquant_layout_fixture.py) dequantize exactly as `gguf.quants.dequantize` does.
@Suite struct KQuantLayoutTests {
    @Test(arguments: ["q4_k", "q6_k"])
    func dequantizationEqualsGGUFsBitForBit(name: String) throws {
        let file = try GGUFFile(url: Fixtures.url("gguf/kquant-layout.gguf"))
        let quantized = try #require(try file.tensor(named: name))
        let expected = try #require(try file.tensor(named: name + ".dequantized"))
        #expect(quantized.dtype == (name == "q4_k" ? .q4_K : .q6_K))
        #expect(quantized.shape == expected.shape)
        #expect(quantized.floats().map(\.bitPattern) == expected.floats().map(\.bitPattern))
    }

    @Test func kQuantsAreReadButNotWritten() {
        #expect(throws: TensorError.notWritable(dtype: .q4_K)) {
            try Tensor([Float](repeating: 0, count: 256), shape: [1, 256], dtype: .q4_K)
        }
        #expect(throws: TensorError.partialBlock(shape: [1, 128], dtype: .q6_K)) {
            try Tensor([Float](repeating: 0, count: 128), shape: [1, 128], dtype: .q6_K)
        }
    }
}

/// Tensors quantized by llama.cpp's own quantizer (`ggml_quantize_chunk`,
/// Scripts/make_kquant_fixtures.py): every format dequantizes bit for bit as gguf does, and
/// the formats this package writes quantize the same source to the same bytes.
@Suite struct LlamaCppQuantizedTests {
    static let file = Result { try GGUFFile(url: Fixtures.url("gguf/kquants.gguf")) }

    @Test(arguments: ["a", "b"])
    func everyFormatDequantizesAsGGUFDoes(source: String) throws {
        let file = try Self.file.get()
        for type in ["q4_0", "q4_1", "q8_0", "q4_k", "q6_k", "q5_0", "q5_1"] {
            let quantized = try #require(try file.tensor(named: "\(source).\(type)"))
            let expected = try #require(try file.tensor(named: "\(source).\(type).dequantized"))
            #expect(quantized.floats().map(\.bitPattern) == expected.floats().map(\.bitPattern), "\(source).\(type)")
        }
    }

    @Test(arguments: ["a", "b"])
    func ourQuantizerWritesLlamaCppsBytes(source: String) throws {
        let file = try Self.file.get()
        let values = try #require(try file.tensor(named: "source.\(source)"))
        for (type, dtype) in [("q4_0", DType.q4_0), ("q4_1", .q4_1), ("q8_0", .q8_0), ("q5_0", .q5_0), ("q5_1", .q5_1)] {
            let theirs = try #require(try file.tensor(named: "\(source).\(type)"))
            let ours = try Tensor(values.floats(), shape: values.shape, dtype: dtype)
            #expect(Array(ours.rawBytes) == Array(theirs.rawBytes), "\(source).\(type)")
        }
    }
}
