// Saved prompt state on the demo model: a file written after one run lets another model
// instance start after the prompt and generate the same tokens; a file is refused for
// another model, a prompt that does not start with its tokens, or damaged bytes, and the
// model stays usable after every refusal. Sessions save and load theirs too.

import Foundation
import LlamaModel
import Testing
import TestSupport

@Suite("Prompt caches") struct PromptCacheTests {
    static func model(_ url: URL = DemoModel.folder) throws -> Llama {
        var options = Llama.Options()
        options.contextLength = 512
        options.threadCount = 2
        return try Llama(model: url, options: options)
    }

    static func greedy(_ tokens: Int = 12) -> GenerationParameters {
        var parameters = GenerationParameters()
        parameters.temperature = 0
        parameters.maxTokens = tokens
        return parameters
    }

    /// Generates synchronously; returns the ids and the summary.
    static func run(_ llama: Llama, _ prompt: [Int32]) throws -> ([Int32], GenerationSummary) {
        var ids: [Int32] = []
        let summary = try llama.generate(promptTokens: prompt, parameters: greedy()) { piece in
            ids += piece.tokenIDs
            return true
        }
        return (ids, summary)
    }

    static let system = "You are a careful assistant who answers questions about Python's standard library."

    @Test func aSavedPromptRunsOnlyWhatFollowsItAndGivesTheSameTokens() throws {
        let folder = try Fixtures.temporaryFolder("prompt-cache-roundtrip")
        let file = folder.appendingPathComponent("prompt.cache")
        let first = try Self.model()
        let prompt = try first.promptTokens(for: "The os module provides a portable way of using")
        let (expected, summary) = try Self.run(first, prompt)
        #expect(summary.prefilledTokens == prompt.count)
        try first.savePromptCache(to: file, tokenCount: prompt.count)
        let contents = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(contents == ["prompt.cache"], "no temporary file is left")

        let second = try Self.model()
        let info = try second.loadPromptCache(from: file, for: prompt)
        #expect(info.tokens == prompt)
        #expect(info.savedPrefillSeconds > 0)
        let (ids, restored) = try Self.run(second, prompt)
        #expect(ids == expected)
        #expect(restored.prefilledTokens == 1, "only the last prompt token runs again, for its logits")

        // A longer prompt that starts with the saved one runs only its new tokens.
        let third = try Self.model()
        let longer = prompt + Array(expected.prefix(4))
        try third.loadPromptCache(from: file, for: longer)
        let (_, extended) = try Self.run(third, longer)
        #expect(extended.prefilledTokens == 4)

        // Saving again replaces the file whole.
        try second.savePromptCache(to: file)
        let resaved = try Self.model()
        #expect(try resaved.loadPromptCache(from: file, for: prompt + expected.dropLast()).tokens.count
                == prompt.count + expected.count - 1)
    }

    @Test func aFileIsRefusedForAnotherModelAnotherPromptOrDamage() throws {
        let folder = try Fixtures.temporaryFolder("prompt-cache-refusals")
        let file = folder.appendingPathComponent("prompt.cache")
        let llama = try Self.model()
        let prompt = try llama.promptTokens(for: "The json module encodes")
        let (expected, _) = try Self.run(llama, prompt)
        try llama.savePromptCache(to: file, tokenCount: prompt.count)

        func refusal(_ load: () throws -> Void) -> String {
            do {
                try load()
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        let fresh = try Self.model()
        // Another prompt.
        var other = prompt
        other[2] = other[2] == 5 ? 6 : 5
        #expect(refusal { try fresh.loadPromptCache(from: file, for: other) }.contains("does not start with the cache's \(prompt.count) tokens (the first 2 match)"))
        #expect(refusal { try fresh.loadPromptCache(from: file, for: Array(prompt.dropLast())) }.contains("does not start with"))

        // The same params, other weights: a copy of the demo folder with one embedding changed.
        let copy = folder.appendingPathComponent("demo-copy")
        try FileManager.default.copyItem(at: DemoModel.folder, to: copy)
        let source = try ModelSource(url: copy)
        let embeddingOffset = source.weights.tokEmbeddings.rawBytes.baseAddress! - source.weightsFile.bytes.baseAddress!
        var checkpoint = try Data(contentsOf: copy.appendingPathComponent("consolidated.00.pth"))
        checkpoint[embeddingOffset + 1] ^= 0x01
        try checkpoint.write(to: copy.appendingPathComponent("consolidated.00.pth"))
        let retrained = try Self.model(copy)
        #expect(refusal { try retrained.loadPromptCache(from: file, for: prompt) }.contains("saved by another model (its weights' fingerprint differs"))
        // Other params: the demo model in a GGUF file.
        let gguf = folder.appendingPathComponent("demo.gguf")
        try GGUFExport.write(try ModelSource(url: DemoModel.folder), tokenizer: nil, as: .bf16, to: gguf)
        #expect(refusal { try Self.model(gguf).loadPromptCache(from: file, for: prompt) }.contains("saved by another model"))

        // Damage: a flipped byte in the data, a short file, a file that is not a cache, none.
        var bytes = try Data(contentsOf: file)
        let intact = bytes
        bytes[bytes.count - 100] ^= 0x40
        try bytes.write(to: file)
        #expect(refusal { try fresh.loadPromptCache(from: file, for: prompt) }.contains("its data does not match its checksum"))
        try intact.prefix(intact.count - 7).write(to: file)
        #expect(refusal { try fresh.loadPromptCache(from: file, for: prompt) }.contains("expected for \(prompt.count) tokens"))
        try Data("This is a text file, not a prompt cache.".utf8).write(to: file)
        #expect(refusal { try fresh.loadPromptCache(from: file, for: prompt) }.contains("does not start with SLKVCACH"))
        #expect(refusal { try fresh.loadPromptCache(from: folder.appendingPathComponent("missing"), for: prompt) }
                .contains("not a usable prompt cache"))

        // After every refusal the model runs the whole prompt and gives the same tokens.
        let (ids, summary) = try Self.run(fresh, prompt)
        #expect(ids == expected)
        #expect(summary.prefilledTokens == prompt.count)
    }

    @Test func aSessionStartsFromAnotherSessionsSavedDialog() async throws {
        let folder = try Fixtures.temporaryFolder("prompt-cache-session")
        let file = folder.appendingPathComponent("session.cache")
        let llama = try Self.model()
        let first = try ChatSession(model: llama, systemMessage: Self.system)
        for try await _ in first.respond(to: "What does pathlib do?", parameters: Self.greedy(6)) {}
        try first.savePromptCache(to: file)

        // Same opening and history: the next turn runs only its own message.
        let second = try ChatSession(model: llama, systemMessage: Self.system, history: Array(first.messages.dropFirst()))
        let info = try second.loadPromptCache(from: file)
        var summary: GenerationSummary?
        for try await event in second.respond(to: "And os.path?", parameters: Self.greedy(4)) {
            if case .finished(let finished) = event { summary = finished }
        }
        let finished = try #require(summary)
        #expect(finished.prefilledTokens == finished.promptTokens - info.tokens.count)
        #expect(finished.prefilledTokens < 20)

        // Another system message: refused.
        let other = try ChatSession(model: llama, systemMessage: "You answer in French.",
                                    history: Array(first.messages.dropFirst()))
        #expect(throws: ModelError.self) { try other.loadPromptCache(from: file) }
    }
}
