// The tokenizer of either kind of model: tokenizer.model next to Meta's checkpoint, or
// the tokenizer.ggml.* keys of a GGUF file. Explained in Documentation/17-Quantization-and-GGUF.md.

import Foundation
import LlamaLoader
import LlamaTokenizer

extension ModelSource {
    /// The model's tokenizer, or `nil` when it has none (a folder without
    /// `tokenizer.model`, a GGUF file without `tokenizer.ggml.tokens`).
    /// - Throws: `TokenizerError` for a damaged file or a vocabulary that is not Llama 3's
    ///   kind (byte-level BPE, `tokenizer.ggml.model` = `gpt2`).
    public func loadTokenizer() throws -> Tokenizer? {
        if let url = tokenizerURL {
            return try Tokenizer(contentsOf: url)
        }
        guard let gguf, let tokens = gguf.metadata["tokenizer.ggml.tokens"] else { return nil }
        let name = gguf.url.lastPathComponent
        let model = gguf.metadata["tokenizer.ggml.model"] ?? .string("gpt2")
        guard model.string == "gpt2" else {
            throw TokenizerError.invalidGGUFVocabulary(
                source: name, id: 0, reason: "expected a byte-level BPE vocabulary (tokenizer.ggml.model gpt2), found \(model.summary)")
        }
        // Matched, not read through `array`: that would copy a numeric array of any size into
        // one value per element before refusing it.
        guard case let .array(.string, elements) = tokens else {
            throw TokenizerError.invalidGGUFVocabulary(
                source: name, id: 0, reason: "expected an array of strings, found \(tokens.summary)")
        }
        return try Tokenizer(ggufTokens: elements.map { $0.string ?? "" }, source: name)
    }
}
