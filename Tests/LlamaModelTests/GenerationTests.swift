// The generation loop and the Llama API: greedy parity with Meta, seeds, thread counts,
// stop strings, context limits, KV-cache reuse and the async stream.

import Foundation
import Testing
import TestSupport
import LlamaLoader
import LlamaTokenizer
@testable import LlamaModel

func greedy(_ maxTokens: Int = 12) -> GenerationParameters {
    var p = GenerationParameters()
    p.temperature = 0
    p.maxTokens = maxTokens
    return p
}

@Suite("Generation")
struct GenerationTests {
    func collect(_ llama: Llama, _ tokens: [Int32], _ parameters: GenerationParameters) throws
        -> (ids: [Int32], text: String, summary: GenerationSummary) {
        var ids: [Int32] = [], text = ""
        let summary = try llama.generate(promptTokens: tokens, parameters: parameters) { piece in
            ids += piece.tokenIDs
            text += piece.text
            return true
        }
        return (ids, text, summary)
    }

    @Test(arguments: ["gqa-scaled", "mha-unscaled", "tied-output"])
    func greedyGenerationMatchesMeta(fixture: String) throws {
        let reference = try ModelFixtures.reference(fixture)
        var options = Llama.Options()
        options.contextLength = 64
        let llama = try Llama(model: ModelFixtures.folderURL(fixture), options: options)
        let (ids, _, summary) = try collect(llama, reference.prompt, greedy(reference.greedy.count))
        #expect(ids == reference.greedy)
        #expect(summary.finishReason == .length)
        #expect(summary.generatedTokens == reference.greedy.count)
        #expect(summary.promptTokens == reference.prompt.count)
    }

    /// The same prompt, options and seed give the same tokens at 1, 2, 3 and 4 threads,
    /// greedy and sampled (the original Go project races between threads; we must not).
    @Test func outputIsDeterministicAcrossThreadCountsAndRuns() throws {
        let reference = try ModelFixtures.reference("gqa-scaled")
        var sampled = GenerationParameters()
        sampled.temperature = 1.2
        sampled.topP = 0.95
        sampled.seed = 42
        sampled.maxTokens = 16
        var results: [[Int32]] = []
        for threads in [1, 2, 3, 4] {
            var options = Llama.Options()
            options.threadCount = threads
            options.contextLength = 64
            let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"), options: options)
            let greedyIDs = try collect(llama, reference.prompt, greedy()).ids
            #expect(greedyIDs == reference.greedy)
            results.append(try collect(llama, reference.prompt, sampled).ids)
            results.append(try collect(llama, reference.prompt, sampled).ids)  // same seed, again
        }
        #expect(Set(results.map { $0.map(String.init).joined(separator: ",") }).count == 1)
        #expect(results[0] != reference.greedy.prefix(16).map { $0 })  // sampling did something
        sampled.seed = 43
        let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"))
        #expect(try collect(llama, reference.prompt, sampled).ids != results[0])
    }

    @Test func stopStringsEndGenerationAndAreNotEmitted() throws {
        let llama = try Llama(model: try Fixtures.modelFolderWithByteTokenizer("mha-unscaled"))
        let prompt = try llama.promptTokens(for: "Hello")
        #expect(prompt.first == llama.tokenizer?.beginOfText)
        // Generate freely, then stop on a piece of what came out.
        let free = try collect(llama, prompt, greedy(40))
        let scalars = Array(free.text.unicodeScalars)
        #expect(scalars.count >= 8)
        let stop = String(String.UnicodeScalarView(scalars[5..<8]))
        var parameters = greedy(40)
        parameters.stopStrings = [stop]
        let stopped = try collect(llama, prompt, parameters)
        #expect(stopped.summary.finishReason == .stop)
        let expected = free.text.range(of: stop).map { String(free.text[..<$0.lowerBound]) }
        #expect(stopped.text == expected)
        #expect(!stopped.text.contains(stop))
    }

    @Test func runningOutOfContextFinishesCleanly() throws {
        let reference = try ModelFixtures.reference("gqa-scaled")
        var options = Llama.Options()
        options.contextLength = reference.prompt.count + 3
        let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"), options: options)
        let result = try collect(llama, reference.prompt, greedy(50))
        #expect(result.summary.finishReason == .context)
        #expect(result.ids == Array(reference.greedy.prefix(result.ids.count)))
        #expect(result.ids.count == 4)  // 3 free positions, plus the token predicted at the last one
        // A prompt longer than the context is an error, not a crash.
        #expect(throws: ModelError.contextFull(requested: reference.prompt.count + 4, capacity: reference.prompt.count + 3)) {
            try collect(llama, reference.prompt + [1, 2, 3, 4], greedy())
        }
    }

    /// A follow-up prompt that starts with the previous conversation only runs its new
    /// tokens, and gives the same output as a fresh model.
    @Test func reusesTheCacheForASharedPrefix() throws {
        let reference = try ModelFixtures.reference("gqa-scaled")
        let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"))
        let first = try collect(llama, reference.prompt, greedy(4))
        let followUp = reference.prompt + first.ids + [5, 6, 7]
        let second = try collect(llama, followUp, greedy(6))
        #expect(second.summary.prefilledTokens == 3 + 1)  // the last reply token was not yet cached, plus 3 new
        let fresh = try Llama(model: ModelFixtures.folderURL("gqa-scaled"))
        #expect(try collect(fresh, followUp, greedy(6)).ids == second.ids)
        llama.reset()
        #expect(try collect(llama, followUp, greedy(6)).summary.prefilledTokens == followUp.count)
    }

    @Test func rejectsBadInput() throws {
        let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"))
        #expect(throws: ModelError.emptyInput) { try collect(llama, [], greedy()) }
        #expect(throws: ModelError.tokenOutOfRange(id: 5000, vocabularySize: 997)) { try collect(llama, [1, 5000], greedy()) }
        var bad = greedy()
        bad.temperature = .nan
        #expect(throws: ModelError.self) { try collect(llama, [1], bad) }
        bad = greedy(); bad.topP = 1.5
        #expect(throws: ModelError.self) { try collect(llama, [1], bad) }
        #expect(throws: ModelError.noTokenizer(folder: llama.source.url.path)) { try llama.promptTokens(for: "hi") }
        // A tokenizer larger than the embedding table is a mismatch, not a bad option.
        let small = try Fixtures.modelFolderWithByteTokenizer("long-context")
        #expect(throws: ModelError.tokenizerMismatch(tokenizerSize: 512, vocabularySize: 256)) {
            _ = try Llama(model: small)
        }
    }

    @Test func streamYieldsPiecesThenTheSummary() async throws {
        let reference = try ModelFixtures.reference("tied-output")
        let llama = try Llama(model: ModelFixtures.folderURL("tied-output"))
        var ids: [Int32] = []
        var summaries: [GenerationSummary] = []
        for try await event in llama.generate(promptTokens: reference.prompt, parameters: greedy()) {
            switch event {
            case .piece(let piece): ids += piece.tokenIDs
            case .finished(let summary): summaries.append(summary)
            case .toolCall: Issue.record("a plain generation read a tool call")
            }
        }
        #expect(ids == reference.greedy)
        #expect(summaries.count == 1)
        #expect(summaries.first?.finishReason == .length)
    }

    @Test func logprobsAreReportedWhenAsked() throws {
        let reference = try ModelFixtures.reference("gqa-scaled")
        let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"))
        var parameters = greedy(3)
        parameters.logprobs = 2
        var pieces: [GeneratedPiece] = []
        _ = try llama.generate(promptTokens: reference.prompt, parameters: parameters) { pieces.append($0); return true }
        #expect(pieces.count == 3)
        for piece in pieces {
            let lp = try #require(piece.logprobs?.first)
            #expect(lp.id == piece.tokenIDs.first)
            #expect(lp.logprob <= 0)
            #expect(lp.top.count == 2)
            #expect(lp.top.first?.id == lp.id)  // greedy: the chosen token is the most likely
        }
    }
}

@Suite("Stop strings")
struct StopStringMatcherTests {
    @Test func holdsBackPossibleStartsAndCutsAtTheStop() {
        var m = StopStringMatcher(["\n\nUser:"])
        #expect(m.append("Hello") == ("Hello", false))
        #expect(m.append("\n") == ("", false))
        #expect(m.append("\nUs") == ("", false))
        #expect(m.append("er: x") == ("", true))
        var n = StopStringMatcher(["abc"])
        #expect(n.append("xab") == ("x", false))
        #expect(n.append("d") == ("abd", false))
        #expect(n.append("ab") == ("", false))
        #expect(n.flush() == "ab")
        var none = StopStringMatcher([])
        #expect(none.append("abc") == ("abc", false))
    }
}
