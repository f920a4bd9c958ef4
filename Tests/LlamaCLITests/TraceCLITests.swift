// `llama-cli trace` and `llama-cli attention` end to end: the steps a script reads, the
// picture's structure, and bad input.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

private func model(_ name: String) -> String { Fixtures.url("models/\(name)").path }

/// The steps Meta's model.py took on gqa-scaled's first six prompt tokens
/// (Tests/Fixtures/trace/gqa-scaled-prefill.json, Scripts/make_trace_fixtures.py).
private struct ReferenceSteps: Decodable {
    struct Step: Decodable {
        let name: String
        let layer: Int?
        let shape: [Int]
        let rms: Float
    }
    let tokens: [Int32]
    let steps: [Step]

    var paths: [String] { steps.map { step in step.layer.map { "layers.\($0).\(step.name)" } ?? step.name } }
}

/// Every element under `node`, in document order.
private func allElements(_ node: XMLNode) -> [XMLElement] {
    var result: [XMLElement] = []
    for child in node.children ?? [] {
        if let element = child as? XMLElement { result.append(element) }
        result += allElements(child)
    }
    return result
}

/// An attribute's value. (Looked up in `attributes`: on Linux, `attribute(forName:)`
/// finds nothing on an element in the SVG namespace.)
private func attribute(_ element: XMLElement, _ name: String) -> String? {
    element.attributes?.first { $0.name == name }?.stringValue
}

private func elements(_ document: XMLDocument, _ name: String, class wanted: String? = nil) -> [XMLElement] {
    allElements(document).filter { element in
        (element.localName ?? element.name) == name
            && (wanted == nil || attribute(element, "class") == wanted)
    }
}

@Suite("llama-cli trace and attention")
struct TraceCLITests {
    /// The JSON lines: tokens first, then every step under Meta's names with Meta's shapes
    /// and statistics, then the five most likely next tokens.
    @Test func traceJSONFollowsMetasSteps() throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let reference = try decoder.decode(ReferenceSteps.self, from: Data(contentsOf: Fixtures.url("trace/gqa-scaled-prefill.json")))
        let ids = reference.tokens.map(String.init).joined(separator: ",")
        let result = try CLI.run(["trace", "--model", model("gqa-scaled"), "--prompt-tokens", ids, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try result.jsonLines()
        try #require(lines.count == reference.steps.count + 2)
        #expect(lines.first?["step"] as? String == "tokens")
        #expect((lines.first?["ids"] as? [Int])?.map(Int32.init) == reference.tokens)
        let steps = lines.dropFirst().dropLast()
        #expect(steps.map { $0["step"] as? String } == reference.paths)
        for (line, step) in zip(steps, reference.steps) {
            #expect(line["shape"] as? [Int] == step.shape, "\(step.name)")
            let rms = try #require(line["rms"] as? Double)
            #expect(abs(Float(rms) - step.rms) <= 1e-4 * max(1, step.rms), "\(step.name): rms \(rms) vs \(step.rms)")
            #expect((line["first"] as? [Any])?.count == min(8, step.shape.reduce(1, *)))
        }
        #expect(steps.first { $0["step"] as? String == "layers.0.attention.mask" }?["non_finite"] as? Int == 15)
        let top = try #require(lines.last?["tokens"] as? [[String: Any]])
        #expect(top.count == 5)
        let probabilities = top.compactMap { $0["probability"] as? Double }
        #expect(probabilities == probabilities.sorted(by: >) && probabilities.reduce(0, +) <= 1.0001)
    }

    /// The most likely next token of a trace is the greedy token Meta's model.py chose.
    @Test func traceTopTokenIsMetasGreedyToken() throws {
        let reference = try FixtureReference.load("mha-unscaled")
        let ids = reference.prompt.map(String.init).joined(separator: ",")
        let result = try CLI.run(["trace", "--model", model("mha-unscaled"), "--prompt-tokens", ids, "--format", "json",
                                  "--layers", "3"])
        let top = try #require(try result.jsonLines().last?["tokens"] as? [[String: Any]])
        #expect(top.first?["id"] as? Int == Int(reference.greedy[0]))
    }

    /// Text for people: the chosen layers only, each step with its shape and statistics.
    @Test func traceTextShowsTheChosenLayers() throws {
        let result = try CLI.run(["trace", "--prompt", "The Python interpreter", "--layers", "1,3"],
                                 environment: ["LLAMA_MODEL": Fixtures.repositoryRoot.appendingPathComponent("Models/demo").path])
        #expect(result.status == 0, "\(result.stderr)")
        let text = result.stdout
        #expect(text.hasPrefix("tokens  [4]\n"))
        #expect(text.contains("\" Python\""))
        #expect(text.contains("layers.1.attention.softmax") && text.contains("layers.3.feed_forward.silu*w3"))
        #expect(!text.contains("layers.0.") && !text.contains("layers.2."))
        #expect(text.contains("tok_embeddings") && text.contains("\noutput ") && text.contains("next token (top 5)"))
        #expect(text.contains("(-inf: 6)"))
    }

    /// A grid of every head, well-formed XML, with the pieces (XML characters escaped) on
    /// both axes and one cell per (query, key) pair.
    @Test func attentionPictureIsWellFormedWithEveryCell() throws {
        let out = try Fixtures.temporaryFolder("attention").appendingPathComponent("a.svg")
        let demo = Fixtures.repositoryRoot.appendingPathComponent("Models/demo").path
        let result = try CLI.run(["attention", "--model", demo, "--prompt", "if a < b & \"c\":", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try XMLDocument(contentsOf: out, options: [])
        let svg = try #require(document.rootElement())
        #expect(svg.name == "svg")
        let heads = elements(document, "g", class: "head")
        try #require(heads.count == 8)  // the demo model's n_heads
        let queries = elements(document, "text", class: "label query").compactMap(\.stringValue)
        let keys = elements(document, "text", class: "label key").compactMap(\.stringValue)
        let count = queries.count / heads.count
        #expect(queries.count == keys.count && count > 3)
        #expect(queries.prefix(count).contains("·&") && queries.prefix(count).contains { $0.contains("<") })
        #expect(Array(queries.prefix(count)) == Array(keys.prefix(count)))
        let visible = elements(document, "rect", class: "cell"), masked = elements(document, "rect", class: "cell masked")
        #expect(visible.count == heads.count * count * (count + 1) / 2)
        #expect(masked.count == heads.count * count * (count - 1) / 2)
        #expect(result.stdout == "wrote \(out.path): layer 0, 8 heads, \(count) tokens\n")
        // Nothing from outside the file.
        let text = try String(contentsOf: out, encoding: .utf8)
        #expect(!text.contains("href") && !text.contains("<script") && !text.contains("@import"))
    }

    @Test func attentionOfOneHead() throws {
        let out = try Fixtures.temporaryFolder("attention").appendingPathComponent("h.svg")
        let result = try CLI.run(["attention", "--model", model("gqa-scaled"), "--prompt-tokens", "5,6,7",
                                  "--layer", "1", "--head", "3", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try XMLDocument(contentsOf: out, options: [])
        let heads = elements(document, "g")
        #expect(heads.compactMap { attribute($0, "id") } == ["head-3"])
        let cells = elements(document, "rect").filter { attribute($0, "class")?.hasPrefix("cell") == true }
        #expect(cells.count == 9)
        // Without a tokenizer the labels are the ids.
        let labels = elements(document, "text").compactMap(\.stringValue)
        #expect(labels.filter { $0 == "7" }.count == 2)
    }

    // MARK: - Bad input

    @Test func badTraceInput() throws {
        let m = model("gqa-scaled")
        try expectUsage(["trace", "--model", m], mentioning: "a prompt is needed")
        try expectUsage(["trace", "--model", m, "--prompt", "a", "--prompt-tokens", "1"], mentioning: "only one")
        try expectUsage(["trace", "--model", m, "--prompt-tokens", "1,x"], mentioning: "'x'")
        try expectUsage(["trace", "--model", m, "--prompt-tokens", "1", "--layers", "2"], mentioning: "0...1, found '2'")
        try expectUsage(["trace", "--model", m, "--prompt-tokens", "1", "--layers", "0,"], mentioning: "--layers")
        try expectUsage(["trace", "--model", m, "--prompt-tokens", "1", "--format", "xml"], mentioning: "xml")
        try expectUsage(["trace", "--model", m, "--prompt-tokens", "1", "--threads", "0"], mentioning: "--threads")
        expectError(try CLI.run(["trace", "--model", m, "--prompt-tokens", "1,997"]), mentioning: "997")
        expectError(try CLI.run(["trace", "--model", m, "--prompt", "hello"]), mentioning: "tokenizer.model")
        expectError(try CLI.run(["trace", "--model", "/no/such/folder", "--prompt-tokens", "1"]), mentioning: "/no/such/folder")
        let long = Array(repeating: "1", count: 257).joined(separator: ",")
        expectError(try CLI.run(["trace", "--model", m, "--prompt-tokens", long]), mentioning: "at most 256")
    }

    @Test func badAttentionInput() throws {
        let m = model("gqa-scaled")
        try expectUsage(["attention", "--model", m, "--prompt-tokens", "1"], mentioning: "--out")
        try expectUsage(["attention", "--model", m, "--prompt-tokens", "1", "--out", "/tmp/x.svg", "--layer", "2"],
                        mentioning: "0...1, found 2")
        try expectUsage(["attention", "--model", m, "--prompt-tokens", "1", "--out", "/tmp/x.svg", "--head", "4"],
                        mentioning: "0...3, found 4")
        try expectUsage(["attention", "--model", m, "--prompt-tokens", "1", "--out", "/tmp/x.svg", "--layer", "-1"],
                        mentioning: "--layer")
        try expectUsage(["attention", "--model", m, "--out", "/tmp/x.svg"], mentioning: "a prompt is needed")
        expectError(try CLI.run(["attention", "--model", m, "--prompt-tokens", "1", "--out", "/no/such/dir/x.svg"]),
                    mentioning: "/no/such/dir/x.svg")
    }
}
