// Llama 3.0 and 3.1 GGUF files both run from text: the demo checkpoint's bf16 weights with
// the vocabulary llama.cpp's own writer made (Tests/Fixtures/gguf/demo-vocab.gguf), as is
// (Llama 3.1's special tokens) and with <|eom_id|> and <|python_tag|> turned back into the
// reserved tokens Llama 3.0 has in their place. A text prompt gives Meta's prompt ids and
// Meta's greedy continuation, and scoring the held-out passage gives model.py's
// log-likelihoods.

import Foundation
@testable import LlamaModel
import Testing
import TestSupport

@Suite struct LlamaVersionsGGUFTests {
    /// The demo model as a bf16 GGUF whose tokenizer keys are demo-vocab.gguf's, with the
    /// tokens of `renamed` replaced.
    static func demoGGUF(_ name: String, renamed: [String: String]) throws -> URL {
        let folder = try Fixtures.temporaryFolder(name)
        let weights = folder.appendingPathComponent("weights.gguf")
        let source = try ModelSource(url: DemoModel.folder)
        try GGUFExport.write(source, tokenizer: nil, as: .bf16, to: weights)
        let weightsFile = try GGUFFile(url: weights)
        let vocabulary = try GGUFFile(url: Fixtures.url("gguf/demo-vocab.gguf"))
        let writer = GGUFWriter()
        for key in weightsFile.metadataKeys {
            if let value = weightsFile.metadata[key] { writer.add(key, value) }
        }
        for key in vocabulary.metadataKeys where key.hasPrefix("tokenizer.") {
            guard var value = vocabulary.metadata[key] else { continue }
            if key == "tokenizer.ggml.tokens", case let .array(type, tokens) = value {
                value = .array(type, tokens.map { token in .string(renamed[token.string ?? ""] ?? token.string ?? "") })
            }
            writer.add(key, value)
        }
        for info in weightsFile.tensors {
            let tensor = try #require(try weightsFile.tensor(named: info.name))
            writer.addTensor(info.name, shape: info.shape, dtype: tensor.dtype) { $0.copyMemory(from: tensor.rawBytes) }
        }
        let url = folder.appendingPathComponent("\(name).gguf")
        try writer.write(to: url)
        return url
    }

    static let llama30 = ["<|eom_id|>": "<|reserved_special_token_4|>", "<|python_tag|>": "<|reserved_special_token_5|>"]

    @Test(arguments: ["llama-3.1", "llama-3.0"])
    func textInMetasContinuationOut(version: String) throws {
        let url = try Self.demoGGUF(version, renamed: version == "llama-3.0" ? Self.llama30 : [:])
        let reference = try DemoReference.load()
        var options = Llama.Options()
        options.contextLength = 256
        let llama = try Llama(model: url, options: options)
        let tokenizer = try #require(llama.tokenizer)
        #expect((tokenizer.endOfMessage == nil) == (version == "llama-3.0"))
        #expect(llama.chatStyle == .llama3)
        let prompt = try llama.promptTokens(for: reference.promptText)
        #expect(prompt == reference.prompt)
        var parameters = GenerationParameters()
        parameters.temperature = 0
        parameters.maxTokens = reference.greedy.count
        var ids: [Int32] = []
        _ = try llama.generate(promptTokens: prompt, parameters: parameters) { piece in
            ids += piece.tokenIDs
            return true
        }
        #expect(ids == reference.greedy)
        let count = min(DemoModel.scoredTokens, reference.logLikelihoods.count)
        let scores = try llama.score(Array(reference.passage.prefix(count + 1)), window: 256)
        let worst = zip(scores, reference.logLikelihoods).map { abs(Double($0.logprob) - $1) }.max() ?? .nan
        #expect(worst < 1e-3, "largest log-likelihood difference \(worst)")
    }
}
