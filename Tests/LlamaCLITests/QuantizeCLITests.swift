// `llama-cli quantize` end to end: the demo model to a Q8_0 GGUF file that generate, info
// and tokenize then run; bad options and foreign files.

import Foundation
import Testing
import TestSupport

@Suite("llama-cli quantize")
struct QuantizeCLITests {
    static let demo = Fixtures.repositoryRoot.appendingPathComponent("Models/demo").path

    /// The written file runs: info reads it as GGUF with Q8_0 matrices, tokenize gives the
    /// same ids as the original tokenizer.model, and greedy generation starts with the same
    /// text as from the bf16 checkpoint (Q8_0 drift is far below this model's margins).
    @Test func demoModelQuantizesAndRuns() throws {
        let out = try Fixtures.temporaryFolder("quantize").appendingPathComponent("demo-q8_0.gguf").path
        let quantize = try CLI.run(["quantize", "--model", Self.demo, "--out", out])
        #expect(quantize.status == 0, "\(quantize.stderr)")
        #expect(quantize.stderr.contains("wrote \(out) (q8_0"))
        let size = try #require((try FileManager.default.attributesOfItem(atPath: out))[.size] as? Int)
        #expect(size < 5_179_648 * 11 / 10 + 200_000, "about 1.06 bytes per parameter plus the vocabulary")

        let info = try CLI.run(["info", "--model", out])
        #expect(info.status == 0 && info.stdout.contains("GGUF file") && info.stdout.contains("blk.0.attn_q.weight"))
        #expect(info.stdout.contains("q8_0  [512, 256]") || info.stdout.contains("q8_0  [256, 256]"))

        let text = "The Python interpreter reads a line."
        let ids = try CLI.run(["tokenize", "--model", out, "--text", text])
        let original = try CLI.run(["tokenize", "--model", Self.demo, "--text", text])
        #expect(ids.status == 0 && ids.stdout == original.stdout)

        let common = ["generate", "--prompt", "The Python interpreter", "--temperature", "0", "--max-tokens", "12"]
        let q8 = try CLI.run(common + ["--model", out])
        let bf16 = try CLI.run(common + ["--model", Self.demo])
        #expect(q8.status == 0 && !q8.stdout.isEmpty, "\(q8.stderr)")
        #expect(q8.stdout == bf16.stdout)
    }

    @Test func badOptionsAndFilesAreOneLine() throws {
        let badType = try CLI.run(["quantize", "--model", Self.demo, "--type", "q4_k"])
        #expect(badType.status == 2 && badType.stderr.contains("--type expects one of q8_0, q4_0, q4_1, bf16, found 'q4_k'"))
        let folder = try Fixtures.temporaryFolder("quantize-bad")
        let junk = folder.appendingPathComponent("junk.gguf")
        try Data("GGUF\u{3}\0\0\0 not really".utf8).write(to: junk)
        for command in ["generate", "info", "quantize"] {
            var arguments = [command, "--model", junk.path]
            if command == "generate" { arguments += ["--prompt", "x"] }
            if command == "quantize" { arguments += ["--out", folder.appendingPathComponent("o.gguf").path] }
            let result = try CLI.run(arguments)
            #expect(result.status == 1 && !result.crashed, "\(command): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: junk.gguf: not a readable GGUF model: tensor count 7018141078044765728 cannot fit in the 3 bytes left"), "\(command): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }
}
