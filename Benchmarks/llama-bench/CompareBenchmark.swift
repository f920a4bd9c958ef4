// `llama-bench compare`: this package's prefill and decode beside llama.cpp's on the same
// GGUF files, in alternating rounds in one process, so both see the same minutes of a
// shared machine. Explained in Documentation/20-Performance.md.

import Foundation
import LlamaLoader
import LlamaModel
import LlamaTensor

/// Runs ours and (when given) llama.cpp's `llama-bench` on each model, round after round,
/// and reports each side's best rate and their ratio, and our decode against the read
/// roof measured in the same rounds.
///
/// The two measure the same things: prefill of `promptTokens` tokens into an empty cache
/// (llama.cpp's `pp`), and `steps` decode steps from an empty cache, one token at a time
/// (llama.cpp's `tg`), with the same thread count.
enum CompareBenchmark {
    /// One side's rates for one model.
    struct Rates: Codable {
        var prefillTokensPerSecond: Double
        var decodeTokensPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case prefillTokensPerSecond = "prefill_tokens_per_second"
            case decodeTokensPerSecond = "decode_tokens_per_second"
        }
    }

    /// Both sides for one model.
    struct Result: Codable {
        let model: String
        let weights: String
        let instructionSet: String
        let threads: Int
        let promptTokens: Int
        let steps: Int
        let rounds: Int
        let ours: Rates
        let llamaCpp: Rates?
        /// Weight bytes one decode step reads.
        let weightBytesPerToken: Int
        /// Multiply-adds of one token's matrix products (`multiplyAddsPerToken`): with the
        /// bytes, where the model's runs sit on the roofline.
        let multiplyAddsPerToken: Int
        /// The best read of a 512 MB buffer over the rounds, in GB/s (`Bandwidth.ReadProbe`).
        let readBandwidthGBps: Double

        enum CodingKeys: String, CodingKey {
            case model, weights, threads, rounds, steps, ours
            case instructionSet = "instruction_set"
            case promptTokens = "prompt_tokens"
            case llamaCpp = "llama_cpp"
            case weightBytesPerToken = "weight_bytes_per_token"
            case multiplyAddsPerToken = "multiply_adds_per_token"
            case readBandwidthGBps = "read_bandwidth_gbps"
        }

        /// Our decode's weight bytes per second over the read roof.
        var decodeFractionOfBandwidth: Double {
            Double(weightBytesPerToken) * ours.decodeTokensPerSecond / 1e9 / readBandwidthGBps
        }

        /// Ours over llama.cpp's prefill rate, when llama.cpp ran.
        var prefillRatio: Double? { llamaCpp.map { ours.prefillTokensPerSecond / $0.prefillTokensPerSecond } }
        /// Ours over llama.cpp's decode rate, when llama.cpp ran.
        var decodeRatio: Double? { llamaCpp.map { ours.decodeTokensPerSecond / $0.decodeTokensPerSecond } }
    }

    /// What went wrong running llama.cpp.
    struct LlamaCppError: Error, CustomStringConvertible {
        let description: String
    }

    static func run(models: [String], llamaBench: String?, threads: Int, promptTokens: Int, steps: Int,
                    rounds: Int, probe: Bandwidth.ReadProbe) throws -> [Result] {
        try models.map { path in
            let source = try ModelSource(url: URL(fileURLWithPath: path))
            let transformer = try Transformer(weights: source.weights, params: source.params,
                                              contextLength: max(promptTokens, steps) + 1, threadCount: threads)
            let vocabulary = transformer.vocabularySize
            let prompt = (0..<promptTokens).map { Int32(($0 * 7919 + 13) % vocabulary) }
            try transformer.forward([1], startingAt: 0)  // touch every weight once
            var ours = Rates(prefillTokensPerSecond: 0, decodeTokensPerSecond: 0)
            var theirs: Rates?
            var bandwidth = 0.0
            for _ in 0..<rounds {
                bandwidth = max(bandwidth, probe.best(repeats: 2))
                transformer.reset()
                let prefillStart = DispatchTime.now().uptimeNanoseconds
                try transformer.forward(prompt, startingAt: 0)
                ours.prefillTokensPerSecond = max(ours.prefillTokensPerSecond,
                                                  Double(promptTokens) / seconds(since: prefillStart))
                transformer.reset()
                let decodeStart = DispatchTime.now().uptimeNanoseconds
                for position in 0..<steps {
                    try transformer.forward([prompt[position % prompt.count]], startingAt: position)
                }
                ours.decodeTokensPerSecond = max(ours.decodeTokensPerSecond, Double(steps) / seconds(since: decodeStart))
                if let llamaBench {
                    let round = try llamaCpp(llamaBench, model: path, threads: transformer.pool.threadCount,
                                             promptTokens: promptTokens, steps: steps)
                    theirs = Rates(prefillTokensPerSecond: max(theirs?.prefillTokensPerSecond ?? 0, round.prefillTokensPerSecond),
                                   decodeTokensPerSecond: max(theirs?.decodeTokensPerSecond ?? 0, round.decodeTokensPerSecond))
                }
            }
            let types = Set(source.gguf?.tensors.filter { $0.shape.rank == 2 }.map { "\($0.type)" } ?? ["\(source.format)"])
            return Result(model: (path as NSString).lastPathComponent, weights: types.sorted().joined(separator: "+"),
                          instructionSet: InstructionSet.current.rawValue, threads: transformer.pool.threadCount,
                          promptTokens: promptTokens, steps: steps, rounds: rounds, ours: ours, llamaCpp: theirs,
                          weightBytesPerToken: transformer.weightBytesPerToken,
                          multiplyAddsPerToken: multiplyAddsPerToken(source.params), readBandwidthGBps: bandwidth)
        }
    }

    /// One multiply-add per weight of every matrix a token goes through: the four
    /// attention projections and three feed-forward matrices of each layer, and the output
    /// head (the embedding table is only looked up). Attention's own products, which grow
    /// with the position, are left out: at the few positions measured here they are a
    /// small fraction.
    static func multiplyAddsPerToken(_ p: ModelParams) -> Int {
        let queryWidth = p.nHeads * p.headDim, kvWidth = p.nKVHeads * p.headDim
        let perLayer = 2 * p.dim * queryWidth + 2 * p.dim * kvWidth + 3 * p.dim * p.ffnHiddenDim
        return p.nLayers * perLayer + p.vocabSize * p.dim
    }

    /// One run of llama.cpp's `llama-bench` (one repetition of `pp` and `tg`), its rates
    /// read from its JSON output.
    static func llamaCpp(_ executable: String, model: String, threads: Int, promptTokens: Int,
                         steps: Int) throws -> Rates {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-m", model, "-t", "\(threads)", "-p", "\(promptTokens)", "-n", "\(steps)",
                             "-r", "1", "-o", "json"]
        // llama.cpp's shared libraries sit beside its executables in a CMake build.
        var environment = ProcessInfo.processInfo.environment
        let folder = (executable as NSString).deletingLastPathComponent
        environment["LD_LIBRARY_PATH"] = [folder, environment["LD_LIBRARY_PATH"]].compactMap { $0 }.joined(separator: ":")
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LlamaCppError(description: "\(executable) exited with status \(process.terminationStatus) on \(model)")
        }
        struct Test: Decodable {
            let n_prompt: Int
            let n_gen: Int
            let avg_ts: Double
        }
        let tests = try JSONDecoder().decode([Test].self, from: data)
        guard let pp = tests.first(where: { $0.n_prompt > 0 && $0.n_gen == 0 }),
              let tg = tests.first(where: { $0.n_gen > 0 && $0.n_prompt == 0 }) else {
            throw LlamaCppError(description: "\(executable) printed no pp and tg results for \(model)")
        }
        return Rates(prefillTokensPerSecond: pp.avg_ts, decodeTokensPerSecond: tg.avg_ts)
    }

    /// The results as a Markdown table: rates in tokens per second, ratios ours / llama.cpp.
    static func table(_ results: [Result]) -> String {
        var lines = ["| model | weights | kernels | prefill, ours | prefill, llama.cpp | ratio | decode, ours | decode, llama.cpp | ratio | decode / read roof |",
                     "|---|---|---|---|---|---|---|---|---|---|"]
        func rate(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
        func ratio(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }
        for r in results {
            lines.append("| \(r.model) | \(r.weights) | \(r.instructionSet) | \(rate(r.ours.prefillTokensPerSecond)) | "
                         + "\(rate(r.llamaCpp?.prefillTokensPerSecond)) | \(ratio(r.prefillRatio)) | "
                         + "\(rate(r.ours.decodeTokensPerSecond)) | \(rate(r.llamaCpp?.decodeTokensPerSecond)) | "
                         + "\(ratio(r.decodeRatio)) | \(ratio(r.decodeFractionOfBandwidth)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
