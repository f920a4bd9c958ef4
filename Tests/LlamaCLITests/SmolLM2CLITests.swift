// A real trained model end to end: SmolLM2-135M-Instruct, dequantized to F32, through the
// release llama-cli, against an independent float64 forward pass over the same weights
// (Scripts/make_smollm2_fixtures.py, Tests/Fixtures/smollm2/reference.json).

import Foundation
import TestSupport
import Testing

@Suite struct SmolLM2CLITests {
    struct Reference: Decodable {
        struct Case: Decodable {
            let name: String
            let prompt_ids: [Int32]
            let continuation_ids: [Int32]
            /// Per step, the five most likely `[id, logprob]`.
            let top5: [[[Double]]]
        }
        let steps: Int
        let cases: [Case]
    }

    /// Log-probabilities agree with the float64 reference within this (measured: 1.4e-5).
    static let logprobTolerance = 1e-4

    static func run(_ arguments: [String], stdin: String? = nil) throws -> CLIResult {
        try CLI.run(arguments, stdin: stdin, executable: try Fixtures.releaseLlamaCLI().path)
    }

    /// Greedy decoding equals the reference token for token, stopping where it stops
    /// (at `<|im_end|>`), and the top-5 log-probabilities match it.
    @Test func greedyEqualsTheFloat64Reference() throws {
        let model = try SmolLM2.require(SmolLM2.f32URL).path
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("smollm2/reference.json")))
        #expect(reference.cases.count >= 5)
        for item in reference.cases {
            let result = try Self.run([
                "generate", "--model", model, "--prompt-tokens", item.prompt_ids.map(String.init).joined(separator: ","),
                "--temperature", "0", "--max-tokens", "\(reference.steps)", "--format", "json", "--logprobs", "5",
            ])
            #expect(result.status == 0, "\(item.name): \(result.stderr)")
            let lines = try result.jsonLines()
            let tokens = lines.filter { $0["id"] != nil }
            let ids = tokens.compactMap { ($0["id"] as? Int).map(Int32.init) }
            let stats = try #require(lines.last?["stats"] as? [String: Any])
            // The reference includes the stop token; the stream ends before it.
            var expected = item.continuation_ids
            let stopped = expected.last == 2
            if stopped { expected.removeLast() }
            #expect(ids == expected, "\(item.name)")
            #expect((stats["finish_reason"] as? String) == (stopped ? "stop" : "length"), "\(item.name)")
            for (step, token) in tokens.enumerated() where step < item.top5.count {
                let ours = (token["top_logprobs"] as? [[String: Any]] ?? []).reduce(into: [Int: Double]()) {
                    $0[$1["id"] as? Int ?? -1] = $1["logprob"] as? Double
                }
                for pair in item.top5[step] {
                    let id = Int(pair[0])
                    guard let logprob = ours[id] else {
                        // The fifth place may differ where two candidates are nearly tied.
                        #expect(pair[1] < item.top5[step][3][1] + 1e-3, "\(item.name) step \(step): \(id) missing")
                        continue
                    }
                    #expect(abs(logprob - pair[1]) < Self.logprobTolerance, "\(item.name) step \(step) id \(id)")
                }
            }
        }
    }

    /// The published Q4_1 file (Q4_1 matrices, Q8_0 embedding, activations quantized as
    /// Q8_0 blocks) against the float64 reference over its dequantized weights, teacher
    /// forced along the reference continuations: the most likely token agrees at every
    /// position where the reference's top two are at least `clearMargin` apart in
    /// log-probability, and at 95% of all positions (measured: 119 of 122; the three
    /// others have margins 0.08, 0.09 and 0.22).
    @Test func quantizedFileAgreesWithTheReferenceOnItsFirstChoice() throws {
        let clearMargin = 0.25
        let model = try SmolLM2.require(SmolLM2.quantizedURL).path
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("smollm2/reference.json")))
        var positions = 0, agreements = 0
        for item in reference.cases {
            let sequence = item.prompt_ids + item.continuation_ids
            let result = try Self.run(["perplexity", "--model", model, "--tokens",
                                       sequence.map(String.init).joined(separator: ","), "--format", "json"])
            #expect(result.status == 0, "\(item.name): \(result.stderr)")
            let scores = try result.jsonLines().filter { $0["best"] != nil }
            #expect(scores.count == sequence.count - 1)
            for (step, expected) in item.continuation_ids.enumerated() {
                // Score k predicts token k + 1 of the sequence.
                let score = scores[item.prompt_ids.count - 1 + step]
                #expect((score["id"] as? Int) == Int(expected))
                let margin = item.top5[step][0][1] - item.top5[step][1][1]
                let agrees = (score["best"] as? Int) == Int(expected)
                positions += 1
                if agrees { agreements += 1 }
                if margin >= clearMargin {
                    #expect(agrees, "\(item.name) step \(step): margin \(margin)")
                }
            }
        }
        #expect(Double(agreements) >= 0.95 * Double(positions), "\(agreements) of \(positions)")
    }

    struct LlamaCpp: Decodable {
        struct Greedy: Decodable {
            struct Run: Decodable { let ids: [Int32] }
            let name: String
            let Q4_1: Run
            let F32: Run
        }
        let greedy: [Greedy]
    }

    /// The same prompts through llama.cpp (Scripts/make_llamacpp_smollm2.py): on the F32
    /// file its greedy tokens are ours up to our stop at <|im_end|> (llama.cpp runs on to
    /// 24). On the Q4_1 file both quantize activations, but not identically (llama.cpp as
    /// Q8_1 blocks with f16 scales, with an f16 KV cache), so the two greedy runs part where
    /// two candidates are nearly tied: up to the first token where they differ they are
    /// equal, and there llama.cpp's token is among our five most likely, within
    /// `nearTie` of our choice in log-probability (measured: 0.002 to 0.18; two of the six
    /// runs agree to the end).
    @Test func greedyAgreesWithLlamaCpp() throws {
        let nearTie = 0.25
        let llamaCpp = try JSONDecoder().decode(LlamaCpp.self, from: Data(contentsOf: Fixtures.url("smollm2/llamacpp.json")))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("smollm2/reference.json")))
        #expect(llamaCpp.greedy.map(\.name) == reference.cases.map(\.name))
        for (theirs, item) in zip(llamaCpp.greedy, reference.cases) {
            for (file, url) in [("F32", SmolLM2.f32URL), ("Q4_1", SmolLM2.quantizedURL)] {
                let result = try Self.run([
                    "generate", "--model", try SmolLM2.require(url).path,
                    "--prompt-tokens", item.prompt_ids.map(String.init).joined(separator: ","),
                    "--temperature", "0", "--max-tokens", "24", "--format", "json", "--logprobs", "5",
                ])
                let tokens = try result.jsonLines().filter { $0["id"] != nil }
                let ids = tokens.compactMap { ($0["id"] as? Int).map(Int32.init) }
                let expected = file == "F32" ? theirs.F32.ids : theirs.Q4_1.ids
                let compared = min(ids.count, expected.count)
                guard let k = (0..<compared).first(where: { ids[$0] != expected[$0] }) else { continue }
                #expect(file == "Q4_1", "\(item.name) F32: token \(k) is \(ids[k]), llama.cpp's \(expected[k])")
                let top = (tokens[k]["top_logprobs"] as? [[String: Any]] ?? []).reduce(into: [Int: Double]()) {
                    $0[$1["id"] as? Int ?? -1] = $1["logprob"] as? Double
                }
                let ours = top[Int(ids[k])] ?? 0
                let other = try #require(top[Int(expected[k])], "\(item.name) \(file): llama.cpp's token \(expected[k]) at \(k) is not in our top 5")
                #expect(ours - other <= nearTie, "\(item.name) \(file): token \(k) margin \(ours - other)")
            }
        }
    }

    /// The chat command detects ChatML from the file's template, adds its default system
    /// message, answers, and stops at `<|im_end|>`.
    @Test func chatAnswersAndStopsAtTheEndOfItsTurn() throws {
        let model = try SmolLM2.require(SmolLM2.f32URL).path
        let chat = try Self.run(["chat", "--model", model, "--temperature", "0"], stdin: "What is the capital of France?\n")
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(chat.stdout.contains("Paris"), "\(chat.stdout)")
        #expect(!chat.stdout.contains("<|im_end|>") && !chat.stdout.contains("im_start"), "\(chat.stdout)")
        let generate = try Self.run(["generate", "--model", model, "--chat", "--prompt", "What is the capital of France?",
                                     "--temperature", "0", "--format", "json"])
        let stats = try #require(try generate.jsonLines().last?["stats"] as? [String: Any])
        #expect((stats["finish_reason"] as? String) == "stop")
        #expect((stats["prompt_tokens"] as? Int) == 37)  // the template's system message included
    }
}
