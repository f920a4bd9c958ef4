// A model with NaN weights on the command line: generate stops with one error line naming
// the layer, and trace shows the NaN where it starts, as nan in text and "nan" in JSON.

import Foundation
import Testing
import TestSupport
import LlamaLoader

@Suite("llama-cli with non-finite weights")
struct NonFiniteCLITests {
    static let fixture = "gqa-scaled"

    /// gqa-scaled as a bf16 GGUF file (written by `llama-cli quantize`) whose layer 1
    /// `w2` (`blk.1.ffn_down.weight`) is all NaN.
    static func modelWithNaNInLayer1() throws -> String {
        let url = try Fixtures.temporaryFolder("non-finite-cli").appendingPathComponent("nan.gguf")
        let quantize = try CLI.run(["quantize", "--model", Fixtures.url("models/\(fixture)").path,
                                    "--type", "bf16", "--out", url.path])
        try #require(quantize.status == 0, "\(quantize.stderr)")
        let (offset, count): (Int, Int) = try {
            let file = try GGUFFile(url: url)
            let info = try #require(file.info(named: "blk.1.ffn_down.weight"))
            try #require(info.type.dtype == .bf16)
            return (file.dataOffset + info.offset, info.shape.elementCount)
        }()
        var nan = Data()
        for _ in 0..<count { nan.append(contentsOf: [0xC0, 0x7F]) }  // 0x7FC0, a quiet NaN in bf16
        let handle = try FileHandle(forWritingTo: url)
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: nan)
        try handle.close()
        return url.path
    }

    @Test func generateExitsWithOneLineNamingTheLayer() throws {
        let model = try Self.modelWithNaNInLayer1()
        let prompt = try FixtureReference.load(Self.fixture).prompt.map(String.init).joined(separator: ",")
        let result = try CLI.run(["generate", "--model", model, "--prompt-tokens", prompt,
                                  "--max-tokens", "4", "--temperature", "0"])
        expectError(result, mentioning: "layer 1, in layers.1.feed_forward.w2")
        #expect(result.stderr == "error: the logits at position 19 are not finite (997 NaN of 997): they start at "
            + "layer 1, in layers.1.feed_forward.w2; check that layer's weights\n")
        #expect(result.stdout.isEmpty, "nothing was generated from NaN logits")
    }

    /// The trace shows layer 0 clean and layer 1's `w2` as NaN: `nan` for its values and
    /// statistics and a count in text; `"nan"` strings and counts in JSON.
    @Test func traceShowsNaNAsNaN() throws {
        let model = try Self.modelWithNaNInLayer1()
        let tokens = ["--prompt-tokens", "411,897,309,990,599,602"]
        let text = try CLI.run(["trace", "--model", model, "--layers", "1"] + tokens)
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let w2 = try #require(lines.firstIndex { $0.hasPrefix("layers.1.feed_forward.w2 ") })
        #expect(lines[w2].hasSuffix("nan      nan      nan      nan"), "\(lines[w2])")
        #expect(lines[w2 + 1] == "  min nan  max nan  mean nan  rms nan  (nan: 384)")
        #expect(!lines[..<w2].joined().contains("nan"), "the steps before w2 are finite")
        #expect(!text.stdout.contains("-inf: 384"))

        let json = try CLI.run(["trace", "--model", model, "--format", "json", "--layers", "0,1"] + tokens)
        #expect(json.status == 0, "\(json.stderr)")
        let steps = try json.jsonLines()
        let step = try #require(steps.first { $0["step"] as? String == "layers.1.feed_forward.w2" })
        #expect(step["first"] as? [String] == Array(repeating: "nan", count: 8))
        #expect(step["min"] as? String == "nan" && step["rms"] as? String == "nan")
        #expect(step["nan"] as? Int == 384 && step["non_finite"] as? Int == 384 && step["-inf"] == nil)
        let layer0 = try #require(steps.first { $0["step"] as? String == "layers.0.out" })
        #expect(layer0["non_finite"] == nil && layer0["rms"] as? Double != nil)
        let mask = try #require(steps.first { $0["step"] as? String == "layers.0.attention.mask" })
        #expect(mask["-inf"] as? Int == 15 && mask["nan"] == nil)
        #expect((mask["first"] as? [Any])?.contains { $0 as? String == "-inf" } == true)
    }
}
