// `llama-cli attention`: the attention weights of one layer as a picture, an SVG file of
// heat maps with the tokens on both axes (Documentation/18-Tracing-and-Attention.md).

import Foundation
import LlamaLoader
import LlamaModel

enum AttentionCommand {
    static let specs = [
        Options.model,
        Options.prompt,
        Options.promptTokens,
        OptionSpec("--out", "FILE.svg", "where to write the picture (atomically; never over an input)"),
        OptionSpec("--layer", "N", "which layer (default 0)"),
        OptionSpec("--head", "H", "only this head (default: every head of the layer)"),
        Options.threads,
    ]

    static func run(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: specs, command: "attention")
        guard let out = arguments.string("--out"), !out.isEmpty else {
            throw CLIError.usage("--out FILE.svg is needed", command: "attention")
        }
        let requestedLayer = try arguments.int("--layer", in: 0...Int(Int32.max)) ?? 0
        let requestedHead = try arguments.int("--head", in: 0...Int(Int32.max))
        let pass = try TracedPass(arguments) { folder in
            let params = folder.params
            guard requestedLayer < params.nLayers else {
                throw CLIError.usage("--layer expects a layer in 0...\(params.nLayers - 1), found \(requestedLayer)",
                                     command: "attention")
            }
            if let requestedHead, requestedHead >= params.nHeads {
                throw CLIError.usage("--head expects a head in 0...\(params.nHeads - 1), found \(requestedHead)",
                                     command: "attention")
            }
            return { $0.layer == requestedLayer && $0.name == "attention.softmax" }
        }
        guard let weights = pass.steps.first else {
            throw CLIError.failure("layer \(requestedLayer) reported no attention weights")
        }
        let headCount = weights.shape[0], count = pass.tokens.count
        let heads = requestedHead.map { [$0] } ?? Array(0..<headCount)
        let picture = AttentionPicture(
            title: "\(pass.source.url.lastPathComponent): attention weights of layer \(requestedLayer)",
            labels: pass.tokens.indices.map { pass.pieces[$0] ?? String(pass.tokens[$0]) },
            maps: heads.map { head in
                (head, Array(weights.values[(head * count * count)..<((head + 1) * count * count)]))
            })
        try AtomicFileWriter.write(Data(picture.svg.utf8), to: URL(fileURLWithPath: out),
                                   protecting: pass.source.inputFiles)
        let what = heads.count == 1 ? "head \(heads[0])" : "\(heads.count) heads"
        Terminal.write("wrote \(out): layer \(requestedLayer), \(what), \(count) tokens\n")
    }
}
