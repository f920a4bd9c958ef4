// `llama-cli tokenize` and `detokenize`: the tokenizer alone, for scripts and for checking
// our ids against tiktoken's.

import Foundation
import LlamaLoader
import LlamaModel
import LlamaTokenizer

enum TokenizeCommand {
    static let tokenizeSpecs = [
        Options.tokenizer,
        Options.model,
        OptionSpec("--text", "TEXT", "the text (default: stdin)"),
        OptionSpec("--special", nil, """
            read special-token strings such as <|eot_id|> as those tokens
            (default: they are plain text)
            """),
        OptionSpec("--bos", nil, "put <|begin_of_text|> first"),
    ]

    static let detokenizeSpecs = [
        Options.tokenizer,
        Options.model,
        OptionSpec("--ids", "IDS", "comma-separated token ids (default: a JSON array on stdin)"),
    ]

    static func tokenize(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: tokenizeSpecs, command: "tokenize")
        let tokenizer = try loadTokenizer(arguments)
        let text: String
        if let given = arguments.string("--text") {
            text = given
        } else {
            guard let input = String(validating: try Terminal.readStandardInput(), as: UTF8.self) else {
                throw CLIError.failure("stdin is not valid UTF-8 text")
            }
            text = input
        }
        let ids = tokenizer.encode(text, bos: arguments.has("--bos"), allowSpecialTokens: arguments.has("--special"))
        Terminal.write(JSON.array(ids.map { .int(Int($0)) }).text + "\n")
    }

    static func detokenize(_ tokens: [String]) throws {
        let arguments = try Arguments(tokens, specs: detokenizeSpecs, command: "detokenize")
        let ids: [Int32]
        if let given = try arguments.tokenIDs("--ids") {
            ids = given
        } else {
            ids = try parseJSONArray(try Terminal.readStandardInput())
        }
        let tokenizer = try loadTokenizer(arguments)
        Terminal.write(try tokenizer.decode(ids))
    }

    /// `--tokenizer FILE`, else the tokenizer of `--model DIR|FILE.gguf` (or the default model).
    private static func loadTokenizer(_ arguments: Arguments) throws -> Tokenizer {
        if arguments.has("--tokenizer") && arguments.has("--model") {
            throw CLIError.usage("give --tokenizer or --model, not both", command: arguments.command)
        }
        if let path = arguments.string("--tokenizer") {
            return try Tokenizer(contentsOf: URL(fileURLWithPath: path))
        }
        let model = DefaultModel.resolve(arguments.string("--model"))
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: model.path, isDirectory: &isFolder), !isFolder.boolValue {
            // A GGUF file carries its vocabulary in tokenizer.ggml.tokens.
            // Only the metadata is read: tokenizing needs no weights.
            guard let tokenizer = try GGUFFile(url: model).loadTokenizer() else {
                throw CLIError.failure("\(model.path): the GGUF file has no tokenizer.ggml.tokens")
            }
            return tokenizer
        }
        let url = model.appendingPathComponent(ModelFolder.tokenizerFileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CLIError.failure("\(model.path): no \(ModelFolder.tokenizerFileName) in the model folder")
        }
        return try Tokenizer(contentsOf: url)
    }

    /// A JSON array of integers, e.g. `[128000, 791]`.
    private static func parseJSONArray(_ bytes: [UInt8]) throws -> [Int32] {
        // JSONDecoder refuses booleans, fractions and numbers beyond Int32.
        guard let ids = try? JSONDecoder().decode([Int32].self, from: Data(bytes)) else {
            throw CLIError.failure("stdin: expected a JSON array of token ids such as [128000, 791]")
        }
        return ids
    }
}
