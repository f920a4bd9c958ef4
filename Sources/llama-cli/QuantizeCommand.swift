// `llama-cli quantize`: Meta's checkpoint folder (or a GGUF file) to a GGUF file with Q8_0
// or bf16 matrices, which generate, chat, info and llama.cpp then run.

import Foundation
import LlamaLoader
import LlamaModel

enum QuantizeCommand {
    static let specs = [
        Options.model,
        OptionSpec("--out", "FILE.gguf", "where to write (default: <model name>-<type>.gguf here)"),
        OptionSpec("--type", "TYPE", "q8_0 (default), q4_0, q4_1 or bf16"),
    ]

    static func run(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: specs, command: "quantize")
        let typeName = arguments.string("--type") ?? "q8_0"
        guard let type = GGUFExport.WeightType(rawValue: typeName) else {
            let names = GGUFExport.WeightType.allCases.map(\.rawValue).joined(separator: ", ")
            throw CLIError.usage("--type expects one of \(names), found '\(typeName)'", command: "quantize")
        }
        let modelURL = DefaultModel.resolve(arguments.string("--model"))
        let source = try ModelSource(url: modelURL)
        // A GGUF file's vocabulary is copied as it is, so only a folder's is read.
        let tokenizer = source.format == .metaFolder ? try source.loadTokenizer() : nil
        let name = modelURL.deletingPathExtension().lastPathComponent
        let out = URL(fileURLWithPath: arguments.string("--out") ?? "\(name)-\(type.rawValue).gguf")
        let progress = ProgressLine(label: "quantize")
        let start = DispatchTime.now().uptimeNanoseconds
        try GGUFExport.write(source, tokenizer: tokenizer, as: type, to: out) { index, count, tensor in
            progress.update(Double(index) / Double(max(count, 1)), tensor)
        }
        progress.finish()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let bytes = (try? FileManager.default.attributesOfItem(atPath: out.path))?[.size] as? Int ?? 0
        Terminal.writeError(String(format: "wrote %@ (%@, %@) in %.1f s\n", out.path, type.rawValue, humanBytes(bytes), seconds))
    }
}
