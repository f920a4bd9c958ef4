// `llama-cli info`: what is in a model folder or GGUF file, read from params.json and the
// pickle's tensor records, or the GGUF header, alone (no weight is touched).

import Foundation
import LlamaLoader
import LlamaTensor

enum InfoCommand {
    static let specs = [
        Options.model,
        OptionSpec("--format", "text|json", "default text"),
    ]

    static func run(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: specs, command: "info")
        let format = arguments.string("--format") ?? "text"
        guard format == "text" || format == "json" else {
            throw CLIError.usage("--format expects text or json, found '\(format)'", command: "info")
        }
        let source = try ModelSource(url: DefaultModel.resolve(arguments.string("--model")))
        let report = ModelReport(source)
        Terminal.write(format == "json" ? report.json.text + "\n" : report.text)
    }
}

/// The facts `info` prints, computed once for both formats.
struct ModelReport {
    /// One tensor as either file lists it.
    struct Record {
        let name: String
        let type: String
        let shape: Shape
        let bytes: Int
    }

    let source: ModelSource
    let records: [Record]
    let parameterCount: Int
    let weightBytes: Int
    /// Keys and values of all layers for one position, as the KV cache stores them (Float32).
    let kvBytesPerToken: Int
    let files: [(String, Int)]
    let vocabulary: VocabularyReport

    init(_ source: ModelSource) {
        self.source = source
        vocabulary = VocabularyReport(source)
        var files: [(String, Int)] = []
        if let folder = source.folder {
            let checkpoint = folder.checkpoint
            records = checkpoint.tensorNames.compactMap { checkpoint.records[$0] }.map {
                Record(name: $0.name, type: $0.dtype.description, shape: $0.shape,
                       bytes: $0.dtype.byteCount(elements: $0.shape.elementCount))
            }
            for name in [ModelFolder.checkpointFileName, ModelFolder.paramsFileName, ModelFolder.tokenizerFileName] {
                let path = folder.url.appendingPathComponent(name).path
                if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int {
                    files.append((name, size))
                }
            }
        } else if let gguf = source.gguf {
            records = gguf.tensors.map {
                Record(name: $0.name, type: $0.type.dtype.map { "\($0)" } ?? $0.type.description, shape: $0.shape,
                       bytes: $0.type.dtype?.byteCount(elements: $0.shape.elementCount) ?? 0)
            }
            files.append((gguf.url.lastPathComponent, gguf.file.byteCount))
        } else {
            records = []
        }
        parameterCount = records.reduce(0) { $0 + $1.shape.elementCount }
        weightBytes = records.reduce(0) { $0 + $1.bytes }
        let p = source.params
        kvBytesPerToken = 2 * p.nLayers * p.nKVHeads * p.headDim * MemoryLayout<Float>.size
        self.files = files
    }

    /// The weights' bits over their count: 16 for bf16, about 4.5 to 5 for 4-bit files
    /// (their scales included, and tensors kept wider, such as norms and the output head).
    var bitsPerWeight: Double {
        parameterCount == 0 ? 0 : Double(weightBytes) * 8 / Double(parameterCount)
    }

    var text: String {
        let p = source.params
        let scaling = source.weights.ropeFrequencyFactors != nil ? "from rope_freqs" : (p.useScaledRope ? "on" : "off")
        var lines = [
            source.format == .gguf ? "GGUF file         \(source.url.path)" : "model folder      \(source.url.path)",
            "dim               \(p.dim)",
            "n_layers          \(p.nLayers)",
            "n_heads           \(p.nHeads)  (head_dim \(p.headDim))",
            "n_kv_heads        \(p.nKVHeads)  (\(p.nHeads / max(p.nKVHeads, 1)) query heads share each key/value head)",
            "vocab_size        \(p.vocabSize)",
            "ffn hidden size   \(p.ffnHiddenDim)  (multiple_of \(p.multipleOf), ffn_dim_multiplier \(p.ffnDimMultiplier.map { "\($0)" } ?? "none"))",
            "norm_eps          \(p.normEps)",
            "rope_theta        \(p.ropeTheta)  (Llama 3.1 scaling \(scaling))",
            "output layer      \(source.weights.hasTiedOutput ? "tied to tok_embeddings" : "its own weights")",
            "parameters        \(grouped(parameterCount))  (\(humanCount(parameterCount)))",
            "weights in memory \(humanBytes(weightBytes)) (\(String(format: "%.2f", bitsPerWeight)) bits per weight; memory-mapped, not copied)",
            "KV cache          \(humanBytes(kvBytesPerToken * 1000)) per 1k tokens (Float32 keys and values)",
            "kernels           \(InstructionSet.current.rawValue) (matrix products; SWIFTLLAMA_ISA=portable|avx2|avx512 chooses)",
            "",
            "files:",
        ]
        for (name, size) in files { lines.append("  \(pad(name, 22)) \(humanBytes(size))") }
        lines.append("")
        lines.append("tokenizer:")
        for (key, value) in vocabulary.lines { lines.append("  \(pad(key, 16)) \(value)") }
        lines.append("")
        lines.append("tensors (\(records.count)):")
        let width = records.map(\.name.count).max() ?? 0
        for record in records {
            lines.append("  \(pad(record.name, width))  \(pad(record.type, 4))  \(record.shape)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    var json: JSON {
        let p = source.params
        var params: [(String, JSON)] = [
            ("dim", .int(p.dim)), ("n_layers", .int(p.nLayers)), ("n_heads", .int(p.nHeads)),
            ("n_kv_heads", .int(p.nKVHeads)), ("vocab_size", .int(p.vocabSize)),
            ("multiple_of", .int(p.multipleOf)),
        ]
        if let multiplier = p.ffnDimMultiplier { params.append(("ffn_dim_multiplier", .double(multiplier))) }
        params += [("norm_eps", .double(Double(p.normEps))), ("rope_theta", .double(p.ropeTheta)),
                   ("use_scaled_rope", .bool(p.useScaledRope))]
        return .object([
            ("model", .string(source.url.path)),
            ("format", .string(source.format.rawValue)),
            ("params", .object(params)),
            ("head_dim", .int(p.headDim)),
            ("ffn_hidden_dim", .int(p.ffnHiddenDim)),
            ("tied_output", .bool(source.weights.hasTiedOutput)),
            ("parameter_count", .int(parameterCount)),
            ("weight_bytes", .int(weightBytes)),
            ("bits_per_weight", .double(bitsPerWeight)),
            ("kv_cache_bytes_per_1k_tokens", .int(kvBytesPerToken * 1000)),
            ("instruction_set", .string(InstructionSet.current.rawValue)),
            ("files", .object(files.map { ($0.0, .int($0.1)) })),
            ("tokenizer", vocabulary.json),
            ("tensors", .array(records.map { record in
                .object([("name", .string(record.name)), ("dtype", .string(record.type)),
                         ("shape", .array(record.shape.dimensions.map { .int($0) }))])
            })),
        ])
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// 8030261248 -> "8,030,261,248".
func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    var result = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(digit)
    }
    return result
}

/// 8030261248 -> "8.03 B".
func humanCount(_ value: Int) -> String {
    let v = Double(value)
    if v >= 1e9 { return String(format: "%.2f B", v / 1e9) }
    if v >= 1e6 { return String(format: "%.2f M", v / 1e6) }
    if v >= 1e3 { return String(format: "%.1f K", v / 1e3) }
    return "\(value)"
}

/// Bytes in binary units: "14.96 GiB".
func humanBytes(_ value: Int) -> String {
    let v = Double(value)
    let kibibyte = 1024.0, mebibyte = kibibyte * 1024, gibibyte = mebibyte * 1024
    if v >= gibibyte { return String(format: "%.2f GiB", v / gibibyte) }
    if v >= mebibyte { return String(format: "%.2f MiB", v / mebibyte) }
    if v >= kibibyte { return String(format: "%.1f KiB", v / kibibyte) }
    return "\(value) B"
}
