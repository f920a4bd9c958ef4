// End-to-end tests of llama-cli: the built binary on the fixture models, every command,
// JSON parsed and checked, and one test per class of bad input.

import Foundation
import Testing
import TestSupport
import LlamaTensor

private let fixtureNames = ["gqa-scaled", "mha-unscaled", "tied-output"]

private func model(_ name: String) -> String { Fixtures.url("models/\(name)").path }

@Suite("llama-cli generate")
struct GenerateCLITests {
    /// The contract with scripts: greedy ids from the JSON output are Meta's.
    @Test(arguments: fixtureNames)
    func greedyJSONMatchesMeta(fixture: String) throws {
        let reference = try FixtureReference.load(fixture)
        let count = min(reference.greedy.count, 12)
        let result = try CLI.run(["generate", "--model", model(fixture),
                                  "--prompt-tokens", reference.prompt.map(String.init).joined(separator: ","),
                                  "--temperature", "0", "--max-tokens", "\(count)", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try result.jsonLines()
        let ids = lines.dropLast().compactMap { $0["id"] as? Int }
        #expect(ids == reference.greedy.prefix(count).map(Int.init))
        #expect(lines.dropLast().allSatisfy { $0["text"] == nil })  // no tokenizer, no text
        let stats = try #require(lines.last?["stats"] as? [String: Any])
        #expect(stats["prompt_tokens"] as? Int == reference.prompt.count)
        #expect(stats["generated_tokens"] as? Int == count)
        #expect(stats["finish_reason"] as? String == "length")
        for key in ["load_seconds", "prefill_tokens_per_second", "decode_tokens_per_second"] {
            #expect((stats[key] as? Double).map { $0 >= 0 } == true, "\(key)")
        }
    }

    @Test func textOutputIsTheJSONTextsJoined() throws {
        let folder = try Fixtures.modelFolderWithByteTokenizer("mha-unscaled")
        let common = ["generate", "--model", folder.path, "--prompt", "Hello", "--max-tokens", "20", "--seed", "5"]
        let text = try CLI.run(common)
        let json = try CLI.run(common + ["--format", "json"])
        #expect(text.status == 0 && json.status == 0, "\(text.stderr) \(json.stderr)")
        let lines = try json.jsonLines()
        let pieces = lines.dropLast().compactMap { $0["text"] as? String }
        let generated = (lines.last?["stats"] as? [String: Any])?["generated_tokens"] as? Int
        #expect(pieces.count == generated && pieces.count > 0)
        #expect(text.stdout == pieces.joined())
        // The same seed gives the same text; another seed (almost surely) does not.
        #expect(try CLI.run(common).stdout == text.stdout)
    }

    @Test func statsGoToStderrAndStopStringsCut() throws {
        let folder = try Fixtures.modelFolderWithByteTokenizer("mha-unscaled")
        let free = try CLI.run(["generate", "--model", folder.path, "--prompt", "Hi", "--temperature", "0",
                                "--max-tokens", "30", "--stats"])
        #expect(free.status == 0)
        #expect(free.stderr.contains("generated 30 tokens") && free.stderr.contains("finish: length"))
        let scalars = Array(free.stdout.unicodeScalars)
        try #require(scalars.count > 6)
        let stop = String(String.UnicodeScalarView(scalars[4..<6]))
        let stopped = try CLI.run(["generate", "--model", folder.path, "--prompt", "Hi", "--temperature", "0",
                                   "--max-tokens", "30", "--stop", stop, "--format", "json"])
        let lines = try stopped.jsonLines()
        let text = lines.dropLast().compactMap { $0["text"] as? String }.joined()
        #expect(!text.contains(stop))
        #expect(free.stdout.hasPrefix(text))
        #expect((lines.last?["stats"] as? [String: Any])?["finish_reason"] as? String == "stop")
    }

    @Test func logprobsAreListedWhenAsked() throws {
        let reference = try FixtureReference.load("gqa-scaled")
        let result = try CLI.run(["generate", "--model", model("gqa-scaled"), "--prompt-tokens",
                                  reference.prompt.map(String.init).joined(separator: ","), "--temperature", "0",
                                  "--max-tokens", "3", "--format", "json", "--logprobs", "2"])
        let first = try #require(try result.jsonLines().first)
        let logprob = try #require(first["logprob"] as? Double)
        let top = try #require(first["top_logprobs"] as? [[String: Any]])
        #expect(top.count == 2 && logprob < 0)
        #expect(top[0]["id"] as? Int == first["id"] as? Int)  // greedy picks the best
    }

    @Test func chatFormatWrapsThePrompt() throws {
        let folder = try Fixtures.modelFolderWithByteTokenizer("mha-unscaled")
        let result = try CLI.run(["generate", "--model", folder.path, "--prompt", "Hi", "--chat",
                                  "--system", "Be brief", "--max-tokens", "4", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let stats = try #require(try result.jsonLines().last?["stats"] as? [String: Any])
        // <|begin_of_text|> + 3 headers of (start, role bytes, end, "\n\n") + contents + <|eot_id|>s.
        let expected = 1 + (1 + 6 + 1 + 2) + 8 + 1 + (1 + 4 + 1 + 2) + 2 + 1 + (1 + 9 + 1 + 2)
        #expect(stats["prompt_tokens"] as? Int == expected)
    }

    @Test func aClosedPipeEndsQuietly() throws {
        let folder = try Fixtures.modelFolderWithByteTokenizer("gqa-scaled")
        let result = try CLI.run(["generate", "--model", folder.path, "--prompt", "x", "--max-tokens", "300"],
                                 closeStdoutEarly: true)
        #expect(!result.crashed)
        #expect(result.status == 0)
    }
}

@Suite("llama-cli tokenize, detokenize, info")
struct ToolCLITests {
    let tokenizer = Fixtures.llamaTokenizerURL.path

    @Test func tokenizeMatchesTiktokensIDs() throws {
        try #require(FileManager.default.fileExists(atPath: tokenizer), "\(Fixtures.missingTokenizerHint)")
        // tiktoken with Meta's tokenizer.model: "Hello world" is [9906, 1917].
        let plain = try CLI.run(["tokenize", "--tokenizer", tokenizer, "--text", "Hello world"])
        #expect(plain.stdout == "[9906, 1917]\n")
        let withBOS = try CLI.run(["tokenize", "--tokenizer", tokenizer, "--bos"], stdin: "Hello world")
        #expect(withBOS.stdout == "[128000, 9906, 1917]\n")
        let special = try CLI.run(["tokenize", "--tokenizer", tokenizer, "--special", "--text", "<|eot_id|>"])
        #expect(special.stdout == "[128009]\n")
        let asText = try CLI.run(["tokenize", "--tokenizer", tokenizer, "--text", "<|eot_id|>"])
        #expect(asText.stdout != "[128009]\n" && asText.status == 0)
    }

    @Test func detokenizeRoundTrips() throws {
        try #require(FileManager.default.fileExists(atPath: tokenizer), "\(Fixtures.missingTokenizerHint)")
        let text = "Grüße, 世界! 🦙 def f(x):\n    return x\n"
        let ids = try CLI.run(["tokenize", "--tokenizer", tokenizer], stdin: text).stdout
        let back = try CLI.run(["detokenize", "--tokenizer", tokenizer], stdin: ids)
        #expect(back.status == 0 && back.stdout == text)
        let fromFlag = try CLI.run(["detokenize", "--tokenizer", tokenizer, "--ids", "9906,1917"])
        #expect(fromFlag.stdout == "Hello world")
    }

    @Test func infoListsEveryTensor() throws {
        let result = try CLI.run(["info", "--model", model("gqa-scaled"), "--format", "json"])
        #expect(result.status == 0)
        let info = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tensors = try #require(info["tensors"] as? [[String: Any]])
        #expect(tensors.count == 2 * 9 + 3)  // 9 per layer, embeddings, norm, output
        let count = tensors.compactMap { $0["shape"] as? [Int] }.map { $0.reduce(1, *) }.reduce(0, +)
        #expect(info["parameter_count"] as? Int == count)
        #expect(info["weight_bytes"] as? Int == 2 * count)  // bf16
        #expect(info["bits_per_weight"] as? Double == 16)
        #expect((info["params"] as? [String: Any])?["n_kv_heads"] as? Int == 2)
        // head_dim 16, 2 kv heads, 2 layers, keys and values, 4 bytes, 1000 tokens.
        #expect(info["kv_cache_bytes_per_1k_tokens"] as? Int == 16 * 2 * 2 * 2 * 4 * 1000)
        #expect((info["instruction_set"] as? String).flatMap(InstructionSet.init(rawValue:)) == InstructionSet.current)
        let text = try CLI.run(["info", "--model", model("gqa-scaled")])
        #expect(text.stdout.contains("layers.1.feed_forward.w3.weight") && text.stdout.contains("bf16"))
    }

    @Test(arguments: ["generate", "chat", "tokenize", "detokenize", "info", "trace", "attention"])
    func everyCommandHasHelp(command: String) throws {
        let result = try CLI.run([command, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("usage: llama-cli \(command)"))
    }

    @Test func toolHelpListsTheCommands() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0)
        for command in ["generate", "chat", "tokenize", "detokenize", "info", "trace", "attention"] {
            #expect(result.stdout.contains("  \(command) "))
        }
    }
}

@Suite("llama-cli chat and menu")
struct InteractiveCLITests {
    @Test func chatKeepsHistoryAndLeavesAtEndOfInput() throws {
        let folder = try Fixtures.modelFolderWithByteTokenizer("mha-unscaled")
        let result = try CLI.run(["chat", "--model", folder.path, "--max-tokens", "5", "--seed", "1"],
                                 stdin: "Hello\n/stats\n/system Be kind\nAgain\n/unknown\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n", omittingEmptySubsequences: false).count >= 2)
        #expect(result.stderr.contains("generated 5 tokens"))
        #expect(result.stderr.contains("system message set"))
        #expect(result.stderr.contains("unknown command /unknown"))
    }

    @Test func menuRunsChoicesAndLeavesCleanly() throws {
        let folder = try Fixtures.modelFolderWithByteTokenizer("mha-unscaled")
        let result = try CLI.run(["--model", folder.path, "--max-tokens", "3", "--temperature", "0"],
                                 stdin: "1\n2\n5\n7\nhello\nq\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("tensors (39):"))  // choice 1: metadata
        #expect(result.stdout.contains("Always answer with emojis"))
        #expect(result.stdout.components(separatedBy: "generated 3 tokens").count == 4)  // choices 2, 5, 7
        // End of input without `q` leaves too.
        let eof = try CLI.run(["--model", folder.path], stdin: "")
        #expect(eof.status == 0)
    }
}

@Suite("llama-cli bad input")
struct BadInputCLITests {
    /// A missing folder or file: exit 1 and one `error:` line naming it (`expectError`).
    @Test func missingFolderOrFiles() throws {
        expectError(try CLI.run(["generate", "--model", "/no/such/folder", "--prompt", "x"]), mentioning: "/no/such/folder")
        let empty = try Fixtures.temporaryFolder("empty")
        expectError(try CLI.run(["info", "--model", empty.path]), mentioning: "consolidated.00.pth")
        expectError(try CLI.run(["tokenize", "--tokenizer", "/no/tokenizer.model", "--text", "x"]),
                    mentioning: "/no/tokenizer.model")
        expectError(try CLI.run(["generate", "--model", model("gqa-scaled"), "--prompt-file", "/no/prompt.txt"]),
                    mentioning: "/no/prompt.txt")
    }

    @Test func corruptCheckpoint() throws {
        let folder = try Fixtures.temporaryFolder("corrupt")
        try FileManager.default.copyItem(at: Fixtures.url("models/gqa-scaled/params.json"),
                                         to: folder.appendingPathComponent("params.json"))
        var bytes = try Data(contentsOf: Fixtures.url("models/gqa-scaled/consolidated.00.pth"))
        bytes = bytes.prefix(bytes.count / 2)  // cut off the zip directory
        try bytes.write(to: folder.appendingPathComponent("consolidated.00.pth"))
        expectError(try CLI.run(["generate", "--model", folder.path, "--prompt-tokens", "1"]),
                    mentioning: "consolidated.00.pth")
    }

    @Test func badParamsJSON() throws {
        let folder = try Fixtures.temporaryFolder("params")
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("consolidated.00.pth"),
            withDestinationURL: Fixtures.url("models/gqa-scaled/consolidated.00.pth"))
        try Data("{\"dim\": 64, \"n_layers\": ".utf8).write(to: folder.appendingPathComponent("params.json"))
        expectError(try CLI.run(["info", "--model", folder.path]), mentioning: "params.json")
        let good = try String(contentsOf: Fixtures.url("models/gqa-scaled/params.json"), encoding: .utf8)
        try Data(good.replacingOccurrences(of: "\"dim\": 64", with: "\"dim\": \"big\"").utf8)
            .write(to: folder.appendingPathComponent("params.json"))
        expectError(try CLI.run(["info", "--model", folder.path]), mentioning: "dim")
    }

    @Test func outOfRangeIDs() throws {
        expectError(try CLI.run(["generate", "--model", model("gqa-scaled"), "--prompt-tokens", "1,997"]),
                    mentioning: "997")
        let tokenizer = Fixtures.llamaTokenizerURL.path
        try #require(FileManager.default.fileExists(atPath: tokenizer), "\(Fixtures.missingTokenizerHint)")
        expectError(try CLI.run(["detokenize", "--tokenizer", tokenizer, "--ids", "5,999999"]), mentioning: "999999")
        expectError(try CLI.run(["detokenize", "--tokenizer", tokenizer], stdin: "[1, 2.5]"), mentioning: "JSON array")
        expectError(try CLI.run(["detokenize", "--tokenizer", tokenizer], stdin: "not json"), mentioning: "JSON array")
    }

    @Test func textWithoutATokenizer() throws {
        expectError(try CLI.run(["generate", "--model", model("gqa-scaled"), "--prompt", "hello"]),
                    mentioning: "tokenizer.model")
    }

    @Test func badFlagValues() throws {
        let m = model("gqa-scaled")
        try expectUsage(["generate", "--model", m, "--prompt-tokens", "1", "--temperature", "-1"], mentioning: "temperature")
        try expectUsage(["generate", "--model", m, "--prompt-tokens", "1", "--top-p", "1.5"], mentioning: "top-p")
        try expectUsage(["generate", "--model", m, "--prompt-tokens", "1", "--max-tokens", "many"], mentioning: "--max-tokens")
        try expectUsage(["generate", "--model", m, "--prompt-tokens", "1,x"], mentioning: "'x'")
        try expectUsage(["generate", "--model", m, "--prompt-tokens", "1", "--format", "xml"], mentioning: "xml")
        try expectUsage(["generate", "--model", m, "--prompt-tokens", "1", "--threads", "0"], mentioning: "--threads")
        try expectUsage(["generate", "--model", m, "--prompt-tokens", "1", "--seed", "-3"], mentioning: "--seed")
        try expectUsage(["generate", "--model", m], mentioning: "a prompt is needed")
        try expectUsage(["generate", "--model", m, "--prompt", "a", "--prompt-tokens", "1"], mentioning: "only one")
        try expectUsage(["generate", "--model", m, "--prompt-tokens", "1", "--max-tokens"], mentioning: "needs a value")
    }

    @Test func unknownCommandsAndFlags() throws {
        try expectUsage(["frobnicate"], mentioning: "unknown command 'frobnicate'")
        try expectUsage(["generate", "--tempreature", "1"], mentioning: "unknown option '--tempreature'")
        try expectUsage(["info", "stray"], mentioning: "unexpected argument 'stray'")
        try expectUsage(["tokenize", "--bos=yes"], mentioning: "takes no value")
    }
}
