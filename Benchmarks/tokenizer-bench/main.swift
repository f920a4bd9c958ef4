// tokenizer-bench: how fast the Llama 3 tokenizer loads and encodes, printed as JSON.
// Compare with Scripts/bench_tiktoken.py, which times tiktoken on the same text.
// Documentation: Documentation/08-Tokenizer.md
//
//   $ swift build -c release --product tokenizer-bench
//   $ .build/release/tokenizer-bench [--tokenizer PATH] [--text FILE] [--megabytes 4] [--runs 5]
//                                    [--ids-out FILE]
//
// --ids-out writes the ids, space-separated, so that `cmp` can check them against
// `Scripts/bench_tiktoken.py --ids-out` on any text.
// Without --text, the text is every ordinary text of Tests/Fixtures/tokenizer/encode.json
// joined with "\n" and repeated up to --megabytes (10^6 bytes). Encoding is single-threaded.

import Foundation
import LlamaTokenizer

struct Options {
    var tokenizer = ProcessInfo.processInfo.environment["LLAMA_TOKENIZER"] ?? ".cache/llama-models/tokenizer.model"
    var text: String?
    var corpus = "Tests/Fixtures/tokenizer/encode.json"
    var megabytes = 4.0
    var runs = 5
    var idsOut: String?

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard let value = iterator.next() else { throw BenchError("\(argument) needs a value") }
            switch argument {
            case "--tokenizer": tokenizer = value
            case "--text": text = value
            case "--corpus": corpus = value
            case "--ids-out": idsOut = value
            case "--megabytes":
                guard let number = Double(value), number > 0 else { throw BenchError("bad --megabytes \(value)") }
                megabytes = number
            case "--runs":
                guard let number = Int(value), number > 0 else { throw BenchError("bad --runs \(value)") }
                runs = number
            default: throw BenchError("unknown option \(argument)")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The corpus texts joined with "\n", repeated until the text has `megabytes` * 10^6 bytes.
func corpusText(path: String, megabytes: Double) throws -> String {
    struct Fixture: Decodable {
        struct Case: Decodable {
            var text: String
            var allowSpecialTokens: Bool?
        }
        var cases: [Case]
    }
    let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    let unit = fixture.cases.filter { $0.allowSpecialTokens != true }.map(\.text).joined(separator: "\n") + "\n"
    let target = Int(megabytes * 1_000_000)
    var text = ""
    while text.utf8.count < target { text += unit }
    return text
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

do {
    let options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
    var tokenizer: Tokenizer?
    let loadSeconds = try seconds { tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: options.tokenizer)) }
    guard let tokenizer else { throw BenchError("no tokenizer") }
    let text = try options.text.map { try String(contentsOfFile: $0, encoding: .utf8) }
        ?? corpusText(path: options.corpus, megabytes: options.megabytes)
    let bytes = text.utf8.count
    var tokens = 0
    var times: [Double] = []
    for _ in 0..<options.runs {
        times.append(seconds { tokens = tokenizer.encode(text).count })
    }
    times.sort()
    let best = times[0], median = times[times.count / 2]
    var decoded = ""
    let ids = tokenizer.encode(text)
    let decodeSeconds = try seconds { decoded = try tokenizer.decode(ids) }
    if let idsOut = options.idsOut {
        try Data((ids.map(String.init).joined(separator: " ") + "\n").utf8).write(to: URL(fileURLWithPath: idsOut))
    }
    let report: [String: Any] = [
        "implementation": "SwiftLlama LlamaTokenizer",
        "text": options.text ?? "\(options.corpus) repeated",
        "text_bytes": bytes,
        "tokens": tokens,
        "runs": options.runs,
        "load_seconds": loadSeconds,
        "encode_seconds_best": best,
        "encode_seconds_median": median,
        "encode_megabytes_per_second": Double(bytes) / best / 1e6,
        "encode_megabytes_per_second_median": Double(bytes) / median / 1e6,
        "decode_megabytes_per_second": Double(bytes) / decodeSeconds / 1e6,
        "round_trip_exact": decoded == text,
    ]
    let json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: json, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("tokenizer-bench: \(error)\n".utf8))
    exit(1)
}
