// The documentation's diagrams stay what the tools draw: each committed SVG in
// Documentation/Images is drawn again by its command (`llama-cli picture ...`, `llama-bench
// roofline`) and compared byte for byte, so a change to a layout, a shape, a format or a
// measured number that the picture shows makes a test fail until the picture is redrawn.

import Foundation
import Testing
import TestSupport

private let root = Fixtures.repositoryRoot

/// One committed picture and the `llama-cli` arguments that draw it (without `--out`).
struct CommittedPicture: CustomTestStringConvertible, Sendable {
    /// The file under Documentation/Images.
    let file: String
    let arguments: [String]

    var testDescription: String { file }

    /// Every llama-cli picture of the documentation. Paths are absolute because the CLI
    /// runs in a temporary folder; the commands in the chapters use the same files.
    static let all: [CommittedPicture] = [
        CommittedPicture(file: "model-8b.svg", arguments: ["picture", "model", "--shape", "8b"]),
        CommittedPicture(file: "model-demo.svg", arguments: ["picture", "model", "--model", demo]),
        CommittedPicture(file: "attention-shapes-8b.svg", arguments: ["picture", "attention-shapes", "--shape", "8b"]),
        CommittedPicture(file: "rope-8b.svg", arguments: ["picture", "rope", "--shape", "8b"]),
        CommittedPicture(file: "kv-cache-demo.svg", arguments: ["picture", "kv-cache", "--model", demo]),
        CommittedPicture(file: "block-layouts.svg", arguments: ["picture", "blocks"]),
        CommittedPicture(file: "bpe-tokenization.svg",
                         arguments: ["picture", "bpe", "--tokenizer", Fixtures.llamaTokenizerURL.path, "--text", " tokenization"]),
    ]

    static var demo: String { root.appendingPathComponent("Models/demo").path }
}

/// Runs llama-bench with `arguments`; returns its exit status and what it printed.
private func runLlamaBench(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = try Fixtures.executable("llama-bench")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite("llama-cli picture and llama-bench roofline")
struct PictureCLITests {
    /// Each committed picture is exactly what its command draws now.
    @Test(arguments: CommittedPicture.all)
    func committedPictureIsWhatTheCommandDraws(_ picture: CommittedPicture) throws {
        if picture.arguments.contains(Fixtures.llamaTokenizerURL.path) {
            try #require(FileManager.default.fileExists(atPath: Fixtures.llamaTokenizerURL.path),
                         "\(Fixtures.missingTokenizerHint)")
        }
        let fresh = try Fixtures.temporaryFolder("picture").appendingPathComponent(picture.file)
        let result = try CLI.run(picture.arguments + ["--out", fresh.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("wrote \(fresh.path): picture \(picture.arguments[1])\n"), "\(result.stdout)")
        let committed = try Data(contentsOf: root.appendingPathComponent("Documentation/Images/\(picture.file)"))
        #expect(try Data(contentsOf: fresh) == committed,
                "Documentation/Images/\(picture.file) differs from what `llama-cli \(picture.arguments.joined(separator: " "))` draws now; redraw it")
    }

    /// The pictures follow their inputs: the demo model's diagram is not the 8B one, and
    /// its numbers are the demo's (a picture that ignored the parameters would pass the
    /// byte comparison only until someone redrew it).
    @Test func modelPictureFollowsTheParameters() throws {
        let folder = try Fixtures.temporaryFolder("picture")
        let demo = folder.appendingPathComponent("demo.svg"), large = folder.appendingPathComponent("8b.svg")
        #expect(try CLI.run(["picture", "model", "--model", CommittedPicture.demo, "--out", demo.path]).status == 0)
        #expect(try CLI.run(["picture", "model", "--shape", "8b", "--out", large.path]).status == 0)
        let small = try String(contentsOf: demo, encoding: .utf8), big = try String(contentsOf: large, encoding: .utf8)
        #expect(small.contains("[4352, 256]") && small.contains("parameters: 5,179,648"))
        // Meta's count for Llama 3.1 8B, and its FFN width from params.json's multiplier.
        #expect(big.contains("parameters: 8,030,261,248") && big.contains("[14336, 4096]"))
    }

    /// `picture bpe` prints every merge, and its ids are the tokenizer's.
    @Test func bpePrintsEachMerge() throws {
        try #require(FileManager.default.fileExists(atPath: Fixtures.llamaTokenizerURL.path), "\(Fixtures.missingTokenizerHint)")
        let out = try Fixtures.temporaryFolder("picture").appendingPathComponent("bpe.svg")
        let result = try CLI.run(["picture", "bpe", "--tokenizer", Fixtures.llamaTokenizerURL.path,
                                  "--text", " tokenization", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "\"·tokenization\": 13 bytes, 11 merges")
        #expect(lines.contains("merge 11: ·token ization    (\"·token\" is rank 4037)"))
        #expect(lines.contains("ids: [4037, 2065]"))
    }

    /// A text that the pre-tokenizer would split is refused: the replay would merge across
    /// pieces that the tokenizer keeps apart ("two" and " words" happen to come out the
    /// same, which is why the command checks the text and not only the ids).
    @Test func bpeRefusesMoreThanOneWord() throws {
        for text in ["two words", "  two", "don't", "x1"] {
            try expectUsage(["picture", "bpe", "--tokenizer", Fixtures.llamaTokenizerURL.path, "--text", text,
                             "--out", "x.svg"], mentioning: "--text expects one word")
        }
    }

    /// Mistakes on the command line are usage errors.
    @Test func pictureUsageMistakes() throws {
        try expectUsage(["picture"], mentioning: "which picture?")
        try expectUsage(["picture", "unicorn", "--out", "x.svg"], mentioning: "unknown picture 'unicorn'")
        try expectUsage(["picture", "blocks"], mentioning: "--out FILE.svg is needed")
        try expectUsage(["picture", "blocks", "--shape", "8b", "--out", "x.svg"], mentioning: "--shape does not apply")
        try expectUsage(["picture", "model", "--shape", "70b", "--out", "x.svg"], mentioning: "--shape expects 8b")
        try expectUsage(["picture", "bpe", "--out", "x.svg"], mentioning: "needs --text")
    }

    /// The roofline is what `llama-bench roofline` draws from the committed JSON that
    /// `llama-bench kernels` and `llama-bench compare --format json` wrote.
    @Test func rooflineIsWhatLlamaBenchDraws() throws {
        let out = try Fixtures.temporaryFolder("roofline").appendingPathComponent("roofline.svg")
        let result = try runLlamaBench(["roofline", "--from", Self.rooflineInputs.map(\.path).joined(separator: ","),
                                        "--out", out.path])
        #expect(result.status == 0, "\(result.output)")
        let committed = try Data(contentsOf: root.appendingPathComponent("Documentation/Images/roofline.svg"))
        #expect(try Data(contentsOf: out) == committed,
                "Documentation/Images/roofline.svg differs from what llama-bench roofline draws now; redraw it")
    }

    /// A changed measurement changes the picture: the roofs are drawn from the JSON, not
    /// from constants.
    @Test func rooflineFollowsTheMeasurements() throws {
        let folder = try Fixtures.temporaryFolder("roofline")
        var kernels = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.rooflineInputs[0])) as? [String: Any] ?? [:]
        let bandwidth = try #require(kernels["read_bandwidth_gbps"] as? Double)
        kernels["read_bandwidth_gbps"] = bandwidth * 4
        let changed = folder.appendingPathComponent("kernels.json")
        try JSONSerialization.data(withJSONObject: kernels).write(to: changed)
        let out = folder.appendingPathComponent("roofline.svg")
        let result = try runLlamaBench(["roofline", "--from", changed.path, "--out", out.path])
        #expect(result.status == 0, "\(result.output)")
        let svg = try String(contentsOf: out, encoding: .utf8)
        #expect(svg.contains("read bandwidth \(Self.threeDigits(bandwidth * 4)) GB/s"))
        #expect(try Data(contentsOf: out) != Data(contentsOf: root.appendingPathComponent("Documentation/Images/roofline.svg")))
    }

    /// The committed JSON the roofline is drawn from.
    static let rooflineInputs = ["roofline-kernels.json", "roofline-compare.json"].map {
        root.appendingPathComponent("Benchmarks/Results/\($0)")
    }

    /// The roofline's number format (three significant digits).
    static func threeDigits(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: value >= 10 ? "%.1f" : (value >= 1 ? "%.2f" : "%.3f"), value)
    }
}
