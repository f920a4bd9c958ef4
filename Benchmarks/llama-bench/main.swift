// llama-bench: performance of SwiftLlama, printed as JSON.
//
//   swift run -c release llama-bench kernels [--threads N]
//   swift run -c release llama-bench open --model FILE.pth
//   swift run -c release llama-bench model [--shape tiny|1b|3b|8b [--type bf16|q8_0|q4_0|q4_1,... | both] | --model DIR|FILE.gguf] [--threads N]
//                                          [--prompt-tokens 128] [--positions 100,4000] [--steps 8]
//                                          [--rounds 3]
//   swift run -c release llama-bench roofline --from kernels.json[,compare.json] --out roofline.svg
//
// Every speed is reported next to the machine's sustained read bandwidth (decode's roof)
// and its peak rate of multiply-adds (prefill's roof), both measured by this same program
// in the same run.

import Foundation
import LlamaLoader
import LlamaModel
import LlamaTensor

struct KernelReport: Encodable {
    var benchmark = "kernels"
    let threads: Int
    /// The kernels' variant (`InstructionSet.current`).
    let instructionSet = InstructionSet.current.rawValue
    let readBandwidthGBps: Double
    let matrixVector: [KernelBenchmark.Result]
    let computeRoofGMACs: Double
    let matrixMatrix: [KernelBenchmark.ProductResult]

    enum CodingKeys: String, CodingKey {
        case benchmark, threads, instructionSet = "instruction_set", readBandwidthGBps = "read_bandwidth_gbps", matrixVector = "matrix_vector"
        case computeRoofGMACs = "compute_roof_gmacs", matrixMatrix = "matrix_matrix"
    }
}

let usageText = """
usage: llama-bench kernels [--threads N]
       llama-bench open --model FILE.pth
       llama-bench compare --model FILE.gguf[,FILE.gguf...] [--llama-cpp PATH/llama-bench] [--threads N]
                           [--prompt-tokens N] [--steps N] [--rounds N] [--format table|json]
       llama-bench model [--shape tiny|1b|3b|8b [--type bf16|q8_0|q4_0|q4_1,... | both] | --model DIR|FILE.gguf] [--threads N]
                         [--prompt-tokens N] [--positions P,P,...] [--steps N] [--rounds N]
       llama-bench roofline --from FILE.json[,FILE.json...] --out FILE.svg
                         (the JSON of `kernels`, and of `compare --format json` for llama.cpp beside ours)

"""

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("llama-bench: \(message)\n\(usageText)".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(usageText, terminator: "")
    exit(0)
}
let mode = arguments.isEmpty ? "kernels" : arguments.removeFirst()
let options: [String: String] = { (flags: [String]) in
    var flags = flags, options: [String: String] = [:]
    while !flags.isEmpty {
        let flag = flags.removeFirst()
        guard ["--threads", "--shape", "--model", "--prompt-tokens", "--positions", "--steps", "--rounds", "--type",
                "--llama-cpp", "--format", "--from", "--out"].contains(flag) else {
            fail("unknown option \(flag)")
        }
        guard !flags.isEmpty else { fail("\(flag) needs a value") }
        options[flag] = flags.removeFirst()
    }
    return options
}(arguments)
func intOption(_ name: String, default value: Int) -> Int {
    guard let text = options[name] else { return value }
    guard let number = Int(text), number > 0 else { fail("\(name) needs a positive number, found \(text)") }
    return number
}

let threads = options["--threads"] == nil ? nil : intOption("--threads", default: 1)
let pool = ThreadPool(threadCount: threads)
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]

do {
    switch mode {
    case "kernels":
        let bandwidth = Bandwidth.measureRead(pool: pool)
        let results = [DType.bf16, .f16, .q8_0, .q4_0, .q4_1, .q4_K, .q6_K].flatMap { dtype in
            [(2048, 8192), (8192, 2048)].map { rows, cols in
                KernelBenchmark.matrixVector(rows: rows, cols: cols, dtype: dtype, pool: pool, bandwidth: bandwidth)
            }
        }
        let computeRoof = ComputeRoof.measure(pool: pool)
        let products = [(2048, 2048), (8192, 2048), (2048, 8192)].map { rows, cols in
            KernelBenchmark.matrixMatrix(rows: rows, cols: cols, tokens: 128, pool: pool, computeRoof: computeRoof)
        }
        let report = KernelReport(threads: pool.threadCount, readBandwidthGBps: bandwidth, matrixVector: results,
                                  computeRoofGMACs: computeRoof, matrixMatrix: products)
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    case "model":
        let promptTokens = intOption("--prompt-tokens", default: 128)
        let steps = intOption("--steps", default: 8)
        let positions = (options["--positions"] ?? "100,4000").split(separator: ",").map { part -> Int in
            guard let p = Int(part), p >= 0 else { fail("--positions needs numbers, found \(part)") }
            return p
        }
        let context = max(promptTokens, (positions.max() ?? 0) + steps) + 1
        var models: [(name: String, make: () throws -> Transformer)] = []
        if let path = options["--model"] {
            let source = try ModelSource(url: URL(fileURLWithPath: path))
            models.append((path, { try Transformer(weights: source.weights, params: source.params,
                                                   contextLength: context, threadCount: threads) }))
        } else {
            let shape = options["--shape"] ?? "1b"
            guard let params = ModelBenchmark.params(shape: shape) else { fail("unknown shape \(shape)") }
            // A comma-separated list of types; "both" is bf16,q8_0.
            let list = (options["--type"] ?? "bf16").replacingOccurrences(of: "both", with: "bf16,q8_0")
            let types = list.split(separator: ",").map(String.init)
            for type in types where GGUFExport.WeightType(rawValue: type) == nil {
                fail("--type expects bf16, q8_0, q4_0, q4_1 (comma-separated) or both, found \(type)")
            }
            let weights = try ModelBenchmark.randomWeights(params, tiedOutput: shape == "1b" || shape == "3b", pool: pool)
            for type in types {
                guard let weightType = GGUFExport.WeightType(rawValue: type) else { continue }
                if weightType == .bf16 {
                    models.append((shape, { try Transformer(weights: weights, params: params, contextLength: context, threadCount: threads) }))
                } else {
                    let quantized = try ModelBenchmark.quantized(weights, params, to: weightType, pool: pool)
                    models.append(("\(shape) \(type)", { try Transformer(weights: quantized, params: params, contextLength: context, threadCount: threads) }))
                }
            }
        }
        let computeRoof = ComputeRoof.measure(pool: pool)
        let probe = Bandwidth.ReadProbe(bytes: 512 << 20, pool: pool)
        // Several models (--type both) run one after the other in the same process, each
        // with its own bandwidth measurements, so their numbers compare within one run.
        for model in models {
            let result = try ModelBenchmark.run(try model.make(), name: model.name, promptTokens: promptTokens,
                                                positions: positions, stepsPerPosition: steps,
                                                rounds: intOption("--rounds", default: 3),
                                                computeRoof: computeRoof, probe: probe)
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    case "compare":
        guard let list = options["--model"] else { fail("compare needs --model FILE.gguf[,FILE.gguf...]") }
        let format = options["--format"] ?? "table"
        guard format == "table" || format == "json" else { fail("--format expects table or json, found \(format)") }
        let results = try CompareBenchmark.run(models: list.split(separator: ",").map(String.init),
                                               llamaBench: options["--llama-cpp"], threads: pool.threadCount,
                                               promptTokens: intOption("--prompt-tokens", default: 64),
                                               steps: intOption("--steps", default: 16),
                                               rounds: intOption("--rounds", default: 3),
                                               probe: Bandwidth.ReadProbe(bytes: 512 << 20, pool: pool))
        if format == "json" {
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            print(CompareBenchmark.table(results), terminator: "")
        }
    case "roofline":
        guard let list = options["--from"], let out = options["--out"] else {
            fail("roofline needs --from FILE.json[,FILE.json...] and --out FILE.svg")
        }
        let files = list.split(separator: ",").map { URL(fileURLWithPath: String($0)) }
        let picture = try Roofline(reports: try files.map { try Data(contentsOf: $0) })
        try AtomicFileWriter.write(Data(picture.svg.utf8), to: URL(fileURLWithPath: out), protecting: files)
        print("wrote \(out): \(picture.points.count) points")
    case "open":
        guard let path = options["--model"] else { fail("open needs --model FILE.pth") }
        print(String(decoding: try encoder.encode(try OpenBenchmark.run(path: path)), as: UTF8.self))
    default:
        fail("unknown benchmark \(mode)")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
