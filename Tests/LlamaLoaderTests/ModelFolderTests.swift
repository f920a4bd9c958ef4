// Model folders in Meta's layout: every weight the params imply is bound with its shape,
// tied output handled, extra tensors ignored, and every mismatch named.

import Foundation
import LlamaLoader
import LlamaTensor
import Testing
import TestSupport

@Suite struct ModelFolderTests {
    @Test func bindsEveryWeightOfATinyLlama() throws {
        let folder = try ModelFolder(url: Fixtures.url("loader/tiny-llama"))
        let params = folder.params
        #expect(params.ffnHiddenDim == 64)
        #expect(params.headDim == 8)
        #expect(folder.weights.layers.count == 2)
        #expect(!folder.weights.hasTiedOutput)
        #expect(folder.tokenizerURL == nil)
        let layer = folder.weights.layers[1]
        #expect(layer.wq.shape == [16, 16])
        #expect(layer.wk.shape == [8, 16])
        #expect(layer.wv.shape == [8, 16])
        #expect(layer.wo.shape == [16, 16])
        #expect(layer.w1.shape == [64, 16])
        #expect(layer.w2.shape == [16, 64])
        #expect(layer.w3.shape == [64, 16])
        #expect(layer.attentionNorm.shape == [16])
        #expect(folder.weights.output.shape == [32, 16])
        // rope.freqs is in the checkpoint but not among the weights: ignored.
        #expect(folder.checkpoint.tensorNames.last == "rope.freqs")
    }

    @Test func weightsHoldWhatTorchWrote() throws {
        let folder = try ModelFolder(url: Fixtures.url("loader/tiny-llama"))
        let expected = try ExpectedTensors("loader/tiny-llama/reference.json")
        let weights = folder.weights
        var bound: [(String, Tensor)] = [
            (CheckpointKeys.tokEmbeddings, weights.tokEmbeddings), (CheckpointKeys.norm, weights.norm),
            (CheckpointKeys.output, weights.output),
        ]
        for (index, layer) in weights.layers.enumerated() {
            let key = CheckpointKeys.layer(index)
            bound += [(key.attentionNorm, layer.attentionNorm), (key.wq, layer.wq), (key.wk, layer.wk), (key.wv, layer.wv),
                      (key.wo, layer.wo), (key.ffnNorm, layer.ffnNorm), (key.w1, layer.w1), (key.w2, layer.w2), (key.w3, layer.w3)]
        }
        #expect(bound.count == expected.order.count - 1)  // all but rope.freqs
        for (name, tensor) in bound {
            let entry = try #require(expected.tensors[name], "\(name) not in reference.json")
            #expect(tensor.dtype == .bf16)
            #expect(floatBits(tensor) == entry.bits, "\(name)")
        }
    }

    @Test func tiesTheOutputToTheEmbeddingsWhenAbsent() throws {
        let folder = try ModelFolder(url: Fixtures.url("loader/tiny-llama-tied"))
        #expect(folder.weights.hasTiedOutput)
        #expect(folder.weights.output.baseAddress == folder.weights.tokEmbeddings.baseAddress)
    }

    /// The folders the model tests run on, written by Scripts/make_model_fixtures.py: each
    /// must open, with the sizes Meta's code derived (recorded in its reference.json).
    @Test(arguments: ["gqa-scaled", "mha-unscaled", "tied-output", "long-context"])
    func opensTheModelFixtures(name: String) throws {
        let folder = try ModelFolder(url: Fixtures.url("models/\(name)"))
        struct Reference: Decodable {
            struct Params: Decodable {
                let head_dim: Int, n_kv_heads: Int, ffn_hidden_dim: Int, output_tied_to_embeddings: Bool
            }
            let params: Params
        }
        let data = try Data(contentsOf: Fixtures.url("models/\(name)/reference.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: data).params
        #expect(folder.params.headDim == reference.head_dim)
        #expect(folder.params.nKVHeads == reference.n_kv_heads)
        #expect(folder.params.ffnHiddenDim == reference.ffn_hidden_dim)
        #expect(folder.weights.hasTiedOutput == reference.output_tied_to_embeddings)
        #expect(folder.weights.layers.count == folder.params.nLayers)
    }

    @Test func readsMetaSpellingsOfOptionalParams() throws {
        // mha-unscaled has no n_kv_heads, no ffn_dim_multiplier and "rope_theta": 10000.
        let params = try ModelFolder(url: Fixtures.url("models/mha-unscaled")).params
        #expect(params.nKVHeads == params.nHeads)
        #expect(params.ffnDimMultiplier == nil)
        #expect(params.ropeTheta == 10_000)
        #expect(params.normEps == 1e-6)
        #expect(!params.useScaledRope)
    }

    @Test func findsTheTokenizerWhenPresent() throws {
        let tokenizer = try withLinkedFolder(params: tinyParams) { folder in
            try write("", to: "tokenizer.model", in: folder)
            return try ModelFolder(url: folder).tokenizerURL?.lastPathComponent
        }
        #expect(tokenizer == "tokenizer.model")
    }

    // MARK: Refused

    @Test func refusesSeveralShards() {
        let error = loaderError { try ModelFolder(url: Fixtures.url("loader/two-shards")) }
        #expect(error == .unsupportedFolder(
            folder: "two-shards",
            reason: "expected one checkpoint file, found 2 shards (consolidated.00.pth, consolidated.01.pth); models split across several files (70B, 405B) are not supported yet"))
    }

    @Test func namesAWeightOfTheWrongShape() throws {
        // The checkpoint has 1 KV head; params claiming 2 expect wk to be twice as tall.
        let params = tinyParams.replacingOccurrences(of: #""n_kv_heads": 1"#, with: #""n_kv_heads": 2"#)
        let error = try withLinkedFolder(params: params) { folder in loaderError { try ModelFolder(url: folder) } }
        #expect(error == .tensorMismatch(tensor: "layers.0.attention.wk.weight", expected: "[16, 16] bf16", found: "[8, 16] bf16"))
        #expect(error?.description == "layers.0.attention.wk.weight: expected [16, 16] bf16, found [8, 16] bf16")
    }

    @Test func namesAMissingWeight() throws {
        let params = tinyParams.replacingOccurrences(of: #""n_layers": 2"#, with: #""n_layers": 3"#)
        let error = try withLinkedFolder(params: params) { folder in loaderError { try ModelFolder(url: folder) } }
        #expect(error == .tensorMismatch(tensor: "layers.2.attention_norm.weight", expected: "[16] (bf16, f16 or f32)",
                                         found: "no such tensor in consolidated.00.pth"))
    }

    @Test func refusesAFolderWithoutCheckpointOrParams() throws {
        let noCheckpoint = try withScratchFolder { folder in loaderError { try ModelFolder(url: folder) } }
        guard case .cannotOpen(file: "consolidated.00.pth", _) = noCheckpoint else {
            Issue.record("expected cannotOpen for the checkpoint, got \(String(describing: noCheckpoint))")
            return
        }
        let noParams = try withScratchFolder { folder in
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent("consolidated.00.pth"),
                withDestinationURL: Fixtures.url("loader/tiny-llama/consolidated.00.pth"))
            return loaderError { try ModelFolder(url: folder) }
        }
        guard case .cannotOpen(file: "params.json", _) = noParams else {
            Issue.record("expected cannotOpen for params.json, got \(String(describing: noParams))")
            return
        }
        let noFolder = loaderError { try ModelFolder(url: Fixtures.url("loader/no-such-model")) }
        guard case .cannotOpen(file: "no-such-model", _) = noFolder else {
            Issue.record("expected cannotOpen for a missing folder, got \(String(describing: noFolder))")
            return
        }
    }

    // MARK: Helpers

    private var tinyParams: String {
        (try? String(contentsOf: Fixtures.url("loader/tiny-llama/params.json"), encoding: .utf8)) ?? ""
    }

    /// Runs `body` on a scratch model folder: the tiny-llama checkpoint (linked, not
    /// copied) and `params`.
    private func withLinkedFolder<T>(params: String, _ body: (URL) throws -> T) throws -> T {
        try withScratchFolder { folder in
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent("consolidated.00.pth"),
                withDestinationURL: Fixtures.url("loader/tiny-llama/consolidated.00.pth"))
            try write(params, to: "params.json", in: folder)
            return try body(folder)
        }
    }
}
