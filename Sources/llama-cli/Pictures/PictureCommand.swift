// `llama-cli picture NAME`: the documentation's diagrams, drawn from the code and the
// model's parameters so they cannot drift from either. Each picture in
// Documentation/Images names the command that drew it, and a test draws it again and
// compares the bytes.
//
//   llama-cli picture model --shape 8b --out Documentation/Images/model-8b.svg
//   llama-cli picture bpe --tokenizer tokenizer.model --text " tokenization" --out bpe.svg

import Foundation
import LlamaLoader
import LlamaModel

enum PictureCommand {
    /// The pictures, in the order the help lists them.
    static let names = ["model", "attention-shapes", "rope", "kv-cache", "blocks", "bpe"]

    /// The options, each for some of the pictures (`run` refuses the others).
    static let specs = [
        Options.model,
        OptionSpec("--shape", "8b", "Llama 3.1 8B's parameters instead of a model (model,\nattention-shapes, rope)"),
        OptionSpec("--tokenizer", "FILE", "bpe: a tokenizer.model file (default: the model's tokenizer)"),
        OptionSpec("--text", "WORD", "bpe: the word to merge (one pre-tokenizer piece, e.g. \" tokenization\")"),
        OptionSpec("--out", "FILE.svg", "where to write the picture (atomically; never over an input)"),
    ]

    static func run(_ tokens: [String]) throws {
        guard let name = tokens.first, !name.hasPrefix("-") else {
            throw CLIError.usage("which picture? one of \(names.joined(separator: ", "))", command: "picture")
        }
        guard names.contains(name) else {
            throw CLIError.usage("unknown picture '\(name)'; expected one of \(names.joined(separator: ", "))",
                                 command: "picture")
        }
        let arguments = try Arguments(Array(tokens.dropFirst()), specs: specs, command: "picture")
        guard let out = arguments.string("--out"), !out.isEmpty else {
            throw CLIError.usage("--out FILE.svg is needed", command: "picture")
        }
        // Each option belongs to some pictures only; one given to another is a mistake.
        let accepted: [String: Set<String>] = [
            "--model": ["model", "attention-shapes", "rope", "kv-cache", "bpe"],
            "--shape": ["model", "attention-shapes", "rope"],
            "--tokenizer": ["bpe"],
            "--text": ["bpe"],
        ]
        for (option, pictures) in accepted.sorted(by: { $0.key < $1.key })
        where arguments.has(option) && !pictures.contains(name) {
            throw CLIError.usage("\(option) does not apply to picture \(name)", command: "picture")
        }

        var inputs: [URL] = []
        var summary = ""
        let svg: String
        switch name {
        case "model":
            let model = try PictureModel(arguments, inputs: &inputs)
            svg = ModelPicture(model: model).svg
        case "attention-shapes":
            let model = try PictureModel(arguments, inputs: &inputs)
            svg = AttentionShapesPicture(model: model).svg
        case "rope":
            let model = try PictureModel(arguments, inputs: &inputs)
            svg = try RopePicture(model: model).svg
        case "kv-cache":
            let source = try ModelSource(url: DefaultModel.resolve(arguments.string("--model")))
            inputs = source.inputFiles
            svg = try KVCachePicture(source: source).svg
        case "blocks":
            svg = BlockLayoutPicture().svg
        default:
            guard let text = arguments.string("--text"), !text.isEmpty else {
                throw CLIError.usage("picture bpe needs --text WORD", command: "picture")
            }
            guard BPEPicture.isOneWord(text) else {
                throw CLIError.usage("--text expects one word (letters, after at most one space), found '\(text)'",
                                     command: "picture")
            }
            let (tokenizer, files) = try BPEPicture.loadTokenizer(arguments)
            inputs = files
            let explanation = try BPEPicture.Explanation(text: text, tokenizer: tokenizer)
            summary = explanation.transcript
            svg = BPEPicture(explanation: explanation).svg
        }
        try AtomicFileWriter.write(Data(svg.utf8), to: URL(fileURLWithPath: out), protecting: inputs)
        Terminal.write(summary + "wrote \(out): picture \(name)\n")
    }
}

/// The model a picture describes: a name for its title and the parameters its shapes come
/// from, either a built-in shape (`--shape 8b`) or a model's own (`--model`, else the
/// default model).
struct PictureModel {
    /// What the title calls it: "Llama 3.1 8B", or the folder or file name.
    let name: String
    let params: ModelParams
    /// Whether the output head is the embedding table itself (Llama 3.2 1B and 3B).
    let hasTiedOutput: Bool

    /// Meta's `params.json` of Llama 3.1 8B (and 8B-Instruct), read by `ModelParams` as
    /// any model folder's is, so every derived size (the FFN width 14,336 among them) is
    /// the loader's.
    static let llama31_8B = """
    {"dim": 4096, "n_layers": 32, "n_heads": 32, "n_kv_heads": 8, "vocab_size": 128256,
     "multiple_of": 1024, "ffn_dim_multiplier": 1.3, "norm_eps": 1e-05,
     "rope_theta": 500000.0, "use_scaled_rope": true}
    """

    init(name: String, params: ModelParams, hasTiedOutput: Bool) {
        self.name = name
        self.params = params
        self.hasTiedOutput = hasTiedOutput
    }

    /// `--shape 8b`, else `--model` (or the default model), whose files go into `inputs`
    /// so the picture is never written over them.
    init(_ arguments: Arguments, inputs: inout [URL]) throws {
        if let shape = arguments.string("--shape") {
            guard !arguments.has("--model") else {
                throw CLIError.usage("give --shape or --model, not both", command: "picture")
            }
            guard shape == "8b" else {
                throw CLIError.usage("--shape expects 8b, found '\(shape)'", command: "picture")
            }
            let params = try JSONDecoder().decode(ModelParams.self, from: Data(Self.llama31_8B.utf8))
            try params.validate()
            self.init(name: "Llama 3.1 8B", params: params, hasTiedOutput: false)
            return
        }
        let source = try ModelSource(url: DefaultModel.resolve(arguments.string("--model")))
        inputs = source.inputFiles
        let name = source.url.deletingPathExtension().lastPathComponent
        self.init(name: "the \(name) model", params: source.params, hasTiedOutput: source.weights.hasTiedOutput)
    }
}
