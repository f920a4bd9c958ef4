// params.json: Meta's files decode to the sizes Meta's code derives; every bad value is an
// error naming the field, what was expected and what was found.

import Foundation
import LlamaLoader
import Testing
import TestSupport

@Suite struct ModelParamsTests {
    private func decode(_ json: String) throws -> ModelParams {
        try withScratchFolder { folder in
            try ModelParams.load(from: write(json, to: "params.json", in: folder))
        }
    }

    private func error(_ json: String) -> LoaderError? {
        loaderError { try decode(json) }
    }

    /// The params.json of each released model, and the FFN width Meta's FeedForward
    /// computes from it (the checkpoints' w1 shapes confirm each one).
    @Test(arguments: [
        (#"{"dim": 4096, "n_layers": 32, "n_heads": 32, "n_kv_heads": 8, "vocab_size": 128256, "multiple_of": 1024, "ffn_dim_multiplier": 1.3, "norm_eps": 1e-05, "rope_theta": 500000.0, "use_scaled_rope": true}"#, 14336, 128),
        (#"{"dim": 2048, "n_layers": 16, "n_heads": 32, "n_kv_heads": 8, "vocab_size": 128256, "ffn_dim_multiplier": 1.5, "multiple_of": 256, "norm_eps": 1e-05, "rope_theta": 500000.0, "use_scaled_rope": true}"#, 8192, 64),
        (#"{"dim": 3072, "n_layers": 28, "n_heads": 24, "n_kv_heads": 8, "vocab_size": 128256, "ffn_dim_multiplier": 1.0, "multiple_of": 256, "norm_eps": 1e-05, "rope_theta": 500000.0, "use_scaled_rope": true}"#, 8192, 128),
        (#"{"dim": 8192, "n_layers": 80, "n_heads": 64, "n_kv_heads": 8, "vocab_size": 128256, "ffn_dim_multiplier": 1.3, "multiple_of": 4096, "norm_eps": 1e-05, "rope_theta": 500000.0, "use_scaled_rope": true}"#, 28672, 128),
        (#"{"dim": 16384, "n_layers": 126, "n_heads": 128, "n_kv_heads": 8, "vocab_size": 128256, "ffn_dim_multiplier": 1.2, "multiple_of": 4096, "norm_eps": 1e-05, "rope_theta": 500000.0, "use_scaled_rope": true}"#, 53248, 128),
        (#"{"dim": 4096, "multiple_of": 256, "n_heads": 32, "n_layers": 32, "norm_eps": 1e-05, "vocab_size": 32000}"#, 11008, 128),
    ])
    func derivesMetaSizes(json: String, ffnHiddenDim: Int, headDim: Int) throws {
        let params = try decode(json)
        #expect(params.ffnHiddenDim == ffnHiddenDim)
        #expect(params.headDim == headDim)
    }

    @Test func readsLlama31EightB() throws {
        let params = try decode(#"{"dim": 4096, "n_layers": 32, "n_heads": 32, "n_kv_heads": 8, "vocab_size": 128256, "multiple_of": 1024, "ffn_dim_multiplier": 1.3, "norm_eps": 1e-05, "rope_theta": 500000.0, "use_scaled_rope": true}"#)
        #expect(params == ModelParams(dim: 4096, nLayers: 32, nHeads: 32, nKVHeads: 8, vocabSize: 128256, multipleOf: 1024,
                                      ffnDimMultiplier: 1.3, normEps: 1e-5, ropeTheta: 500_000, useScaledRope: true))
        #expect(params.ropeScaling == RopeScaling(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContextLength: 8192))
    }

    @Test func fillsMetaDefaultsForAbsentFields() throws {
        let params = try decode(#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 100, "n_kv_heads": null}"#)
        #expect(params.nKVHeads == 4)
        #expect(params.multipleOf == 256)
        #expect(params.ffnDimMultiplier == nil)
        #expect(params.normEps == 1e-5)
        #expect(params.ropeTheta == 500_000)
        #expect(params.useScaledRope == false)
        #expect(params.ropeScaling == .llama31)
    }

    @Test func acceptsIntegralFloatsAndIntegerFloatsAndIgnoresExtraFields() throws {
        let params = try decode(#"{"dim": 64.0, "n_layers": 2, "n_heads": 4, "vocab_size": 1e2, "rope_theta": 10000, "norm_eps": 1e-06, "max_seq_len": 2048, "vision_chunk_size": -1, "quantization_args": {"scheme": "x"}}"#)
        #expect(params.dim == 64)
        #expect(params.vocabSize == 100)
        #expect(params.ropeTheta == 10_000)
        #expect(params.normEps == 1e-6)
    }

    @Test func takesRopeScalingConstantsFromTheFileWhenPresent() throws {
        let params = try decode(#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 100, "use_scaled_rope": true, "rope_scaling_factor": 16, "rope_high_freq_factor": 2.0}"#)
        #expect(params.ropeScaling == RopeScaling(factor: 16, lowFreqFactor: 1, highFreqFactor: 2, originalContextLength: 8192))
    }

    @Test func encodesToWhatItDecodes() throws {
        let params = ModelParams(dim: 64, nLayers: 2, nHeads: 4, nKVHeads: 2, vocabSize: 100, ffnDimMultiplier: 1.3,
                                 normEps: 1e-6, ropeTheta: 10_000, useScaledRope: true)
        let json = String(decoding: try JSONEncoder().encode(params), as: UTF8.self)
        #expect(try decode(json) == params)
    }

    // MARK: Refused

    @Test(arguments: [
        (#"{"n_layers": 2, "n_heads": 4, "vocab_size": 100}"#, "dim", "an integer", "nothing"),
        (#"{"dim": "64", "n_layers": 2, "n_heads": 4, "vocab_size": 100}"#, "dim", "a number", #"the string "64""#),
        (#"{"dim": true, "n_layers": 2, "n_heads": 4, "vocab_size": 100}"#, "dim", "a number", "true"),
        (#"{"dim": [64], "n_layers": 2, "n_heads": 4, "vocab_size": 100}"#, "dim", "a number", "an array or an object"),
        (#"{"dim": 64.5, "n_layers": 2, "n_heads": 4, "vocab_size": 100}"#, "dim", "an integer", "64.5"),
        (#"{"dim": 1e300, "n_layers": 2, "n_heads": 4, "vocab_size": 100}"#, "dim", "an integer", "1e+300"),
        (#"{"dim": 0, "n_layers": 2, "n_heads": 4, "vocab_size": 100}"#, "dim", "an integer from 1 to 65536", "0"),
        (#"{"dim": 64, "n_layers": -2, "n_heads": 4, "vocab_size": 100}"#, "n_layers", "an integer from 1 to 1024", "-2"),
        (#"{"dim": 1000000000, "n_layers": 2, "n_heads": 4, "vocab_size": 100}"#, "dim", "an integer from 1 to 65536", "1000000000"),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 1000000000}"#, "vocab_size", "an integer from 1 to 4194304", "1000000000"),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "n_kv_heads": 8, "vocab_size": 100}"#, "n_kv_heads", "an integer from 1 to 4", "8"),
        (#"{"dim": 60, "n_layers": 2, "n_heads": 8, "vocab_size": 100}"#, "dim", "a multiple of n_heads (8)", "60"),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "n_kv_heads": 3, "vocab_size": 100}"#, "n_kv_heads", "a divisor of n_heads (4)", "3"),
        (#"{"dim": 12, "n_layers": 2, "n_heads": 4, "vocab_size": 100}"#, "dim", "an even width per head (dim / n_heads), for RoPE's pairs", "12 / 4 = 3"),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 100, "norm_eps": 0}"#, "norm_eps", "a number between 0 and 1", "0.0"),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 100, "norm_eps": -1e-5}"#, "norm_eps", "a number between 0 and 1", "-1e-05"),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 100, "norm_eps": 1e-60}"#, "norm_eps", "a number a Float can hold", "1e-60"),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 100, "rope_theta": -500000}"#, "rope_theta", "a number above 0 and at most 1000000000000.0", "-500000.0"),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 100, "ffn_dim_multiplier": 0}"#, "ffn_dim_multiplier", "a number above 0 and at most 64.0", "0.0"),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 100, "use_scaled_rope": "yes"}"#, "use_scaled_rope", "true or false", #"the string "yes""#),
        (#"{"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 100, "rope_scaling_factor": 8, "rope_high_freq_factor": 0.5}"#, "rope_high_freq_factor", "more than the low-frequency factor (1.0)", "0.5"),
    ])
    func refusesBadFields(json: String, field: String, expected: String, found: String) {
        #expect(error(json) == .invalidParameter(file: "params.json", field: field, expected: expected, found: found))
    }

    @Test func namesTheFieldExpectationAndFindingInTheMessage() {
        #expect(error(#"{"dim": 60, "n_layers": 2, "n_heads": 8, "vocab_size": 100}"#)?.description
                == "params.json: dim: expected a multiple of n_heads (8), found 60")
    }

    @Test func refusesTextThatIsNotAJSONObject() {
        // The reason is Foundation's JSONSerialization's: it says where the text goes wrong.
        #expect(error(#"{"dim": 64,"#)?.description.hasPrefix("params.json: invalid JSON: Unexpected end of file") == true)
        #expect(error(#"{"dim": 64 "n_layers": 2}"#)?.description.hasPrefix("params.json: invalid JSON: Invalid value around character 11") == true)
        #expect(error("[1, 2]") == .invalidJSON(file: "params.json", reason: "expected an object at the top level"))
        guard case .invalidJSON(file: "params.json", _) = error("") else {
            Issue.record("expected invalidJSON for an empty file")
            return
        }
    }

    @Test func refusesAMissingFile() throws {
        let error = try withScratchFolder { folder in
            loaderError { try ModelParams.load(from: folder.appendingPathComponent("params.json")) }
        }
        guard case .cannotOpen(file: "params.json", let reason) = error else {
            Issue.record("expected cannotOpen")
            return
        }
        #expect(reason.contains("No such file"))
    }
}
