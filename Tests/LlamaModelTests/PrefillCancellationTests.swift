// Cancellation reaches the prefill: a long prompt stops between layers, the cache keeps the
// batches that finished, and the next call runs only the rest and gives the same tokens.

import Foundation
import Testing
import TestSupport
@testable import LlamaModel

@Suite("Prefill cancellation")
struct PrefillCancellationTests {
    /// A prompt of 40 tokens in batches of 8: cancelled in the middle of the third batch
    /// (one check per layer). Nothing is generated, the cache holds the two whole
    /// batches (16 positions), and the same call then prefills only the other 24 tokens and
    /// generates what a fresh model generates.
    @Test func cancelledPrefillKeepsWholeBatchesAndResumes() throws {
        var options = Llama.Options()
        options.contextLength = 64
        options.batchSize = 8
        let url = ModelFixtures.folderURL("gqa-scaled")
        let llama = try Llama(model: url, options: options)
        let prompt = (0..<40).map { Int32(($0 * 37 + 11) % 200) }
        let layers = llama.params.nLayers
        var checks = 0
        var pieces = 0
        let cancelled = try llama.generate(promptTokens: prompt, parameters: greedy(6),
                                           isCancelled: { checks += 1; return checks > 2 * layers + layers / 2 }) { _ in
            pieces += 1
            return true
        }
        #expect(cancelled.finishReason == .cancelled)
        #expect(cancelled.generatedTokens == 0 && pieces == 0)
        #expect(cancelled.prefilledTokens == 16)
        #expect(llama.transformer.position == 16)

        var resumedIDs: [Int32] = []
        let resumed = try llama.generate(promptTokens: prompt, parameters: greedy(6)) { piece in
            resumedIDs += piece.tokenIDs
            return true
        }
        #expect(resumed.prefilledTokens == 24, "only what the cache did not hold")
        let fresh = try Llama(model: url, options: options)
        var freshIDs: [Int32] = []
        _ = try fresh.generate(promptTokens: prompt, parameters: greedy(6)) { piece in
            freshIDs += piece.tokenIDs
            return true
        }
        #expect(resumedIDs == freshIDs && freshIDs.count == 6)
    }

    /// A cancelled forward pass throws `.cancelled` naming the positions kept.
    @Test func forwardThrowsCancelledWithThePositionsKept() throws {
        let source = try ModelSource(url: ModelFixtures.folderURL("gqa-scaled"))
        let transformer = try Transformer(weights: source.weights, params: source.params, contextLength: 32,
                                          threadCount: 1, batchSize: 4)
        #expect(throws: ModelError.cancelled(position: 0)) {
            try transformer.forward([1, 2, 3], startingAt: 0, isCancelled: { true })
        }
        try transformer.forward([1, 2, 3, 4], startingAt: 0)
        var checks = 0
        #expect(throws: ModelError.cancelled(position: 8)) {
            try transformer.forward([5, 6, 7, 8, 9, 10], startingAt: 4, isCancelled: { checks += 1; return checks > source.params.nLayers })
        }
        #expect(transformer.position == 8)
    }
}

@Suite("Stream cancellation")
struct StreamCancellationTests {
    /// Cancelling the consuming task mid-generation still ends the stream with one
    /// `.finished` whose reason is `.cancelled`, and the model is ready for the next request:
    /// its cache holds exactly the tokens that were run.
    @Test func cancelledStreamEndsWithFinishedCancelled() async throws {
        var options = Llama.Options()
        options.contextLength = 2048
        let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"), options: options)
        let prompt: [Int32] = [1, 2, 3, 4]
        // The generation waits at its second token until the stop request has arrived, so
        // the test does not depend on which thread runs first (a slow consumer would
        // otherwise see all 2,000 tokens made before it cancels).
        let box = ChannelBox()
        var parameters = greedy(2000)
        parameters.logitProcessors = [HoldUntilStopRequested(box: box)]
        let stream = llama.generate(promptTokens: prompt, parameters: parameters)
        box.set(stream.channel)
        let consumer = Task { () -> (pieces: Int, summaries: [GenerationSummary]) in
            var pieces = 0
            var summaries: [GenerationSummary] = []
            for try await event in stream {
                switch event {
                case .piece:
                    pieces += 1
                    // The consuming task is cancelled at its first piece; its next wait for
                    // an event passes the cancellation on to the generation.
                    if pieces == 1 { withUnsafeCurrentTask { $0?.cancel() } }
                case .finished(let summary): summaries.append(summary)
                case .toolCall: Issue.record("a plain generation read a tool call")
                }
            }
            return (pieces, summaries)
        }
        let (pieces, summaries) = try await consumer.value
        #expect(summaries.count == 1)
        #expect(summaries.first?.finishReason == .cancelled)
        #expect(pieces < 2000 && summaries.first?.generatedTokens == pieces)
        // Prompt plus every generated token but the last (whose logits were never needed).
        #expect(llama.transformer.position == prompt.count + pieces - 1)
        var next = 0
        _ = try llama.generate(promptTokens: prompt, parameters: greedy(3)) { _ in next += 1; return true }
        #expect(next == 3)
    }

    /// An iterator dropped before the end (a `break` out of the loop) asks the generation
    /// to stop; one still in use does not.
    @Test func droppingTheIteratorRequestsStop() {
        let channel = GenerationStream.Channel()
        let stream = GenerationStream(channel: channel)
        var iterator: GenerationStream.AsyncIterator? = stream.makeAsyncIterator()
        #expect(iterator != nil && !channel.isStopRequested)
        iterator = nil
        #expect(channel.isStopRequested)
    }

    /// Loading asynchronously gives the same model, and a missing model is the same error.
    @Test func asyncLoadingLoadsOffTheCallersThread() async throws {
        let url = ModelFixtures.folderURL("gqa-scaled")
        let llama = try await Llama.load(model: url)
        #expect(llama.params == (try ModelSource(url: url)).params)
        await #expect(throws: LoaderError.self) {
            _ = try await Llama.load(model: URL(fileURLWithPath: "/no/such/model"))
        }
    }
}

@Suite("Request order")
struct RequestOrderTests {
    static func summary(of stream: GenerationStream) async throws -> GenerationSummary? {
        var summary: GenerationSummary?
        for try await event in stream {
            if case .finished(let s) = event { summary = s }
        }
        return summary
    }

    /// Three streams made one after the other run in that order, whatever order their
    /// threads start or their events are read in. Each prompt extends the one before, so
    /// in order each prefills only its 4 new tokens; any other order prefills more or less.
    @Test func streamsRunInTheOrderTheyWereMade() async throws {
        for _ in 0..<5 {
            let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"))
            let prompts: [[Int32]] = [[1, 2, 3, 4], [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]
            let streams = prompts.map { llama.generate(promptTokens: $0, parameters: greedy(1)) }
            var prefilled: [Int] = []
            for stream in streams.reversed() {
                prefilled.insert(try await Self.summary(of: stream)?.prefilledTokens ?? -1, at: 0)
            }
            #expect(prefilled == [4, 4, 4])
        }
    }

    /// A request cancelled while it waits for its turn never runs: it ends as `.cancelled`
    /// with nothing prefilled, and the request before it is not disturbed. (The first
    /// request holds its turn until the second's cancellation has arrived, so the test does
    /// not depend on timing.)
    @Test func requestCancelledWhileWaitingNeverRuns() async throws {
        let llama = try Llama(model: ModelFixtures.folderURL("gqa-scaled"))
        final class Shared: @unchecked Sendable {
            let running = DispatchSemaphore(value: 0)
            let finished = DispatchSemaphore(value: 0)
            let lock = NSLock()
            private var stream: GenerationStream?
            var firstSummary: GenerationSummary?
            var second: GenerationStream? {
                get { lock.lock(); defer { lock.unlock() }; return stream }
                set { lock.lock(); stream = newValue; lock.unlock() }
            }
        }
        let shared = Shared()
        let first = Thread {
            var signalled = false
            shared.firstSummary = try? llama.generate(promptTokens: [1, 2, 3], parameters: greedy(5)) { _ in
                if !signalled {
                    signalled = true
                    shared.running.signal()
                    // Hold the turn until the second request has been cancelled.
                    while shared.second?.channel.isStopRequested != true { usleep(1000) }
                }
                return true
            }
            shared.finished.signal()
        }
        first.start()
        shared.running.wait()
        let second = llama.generate(promptTokens: [9, 8, 7], parameters: greedy(5))
        shared.second = second
        let secondTask = Task { try await Self.summary(of: second) }
        secondTask.cancel()
        let secondSummary = try await secondTask.value
        #expect(secondSummary?.finishReason == .cancelled)
        #expect(secondSummary?.prefilledTokens == 0 && secondSummary?.generatedTokens == 0)
        shared.finished.wait()
        #expect(shared.firstSummary?.finishReason == .length && shared.firstSummary?.generatedTokens == 5)
    }
}

/// The channel of a stream, handed to the generating thread once the stream exists.
final class ChannelBox: @unchecked Sendable {
    // @unchecked Sendable: `channel` is guarded by `lock`.
    private let lock = NSLock()
    private var channel: GenerationStream.Channel?

    func set(_ channel: GenerationStream.Channel) { lock.withLock { self.channel = channel } }

    var isStopRequested: Bool { lock.withLock { channel?.isStopRequested ?? false } }
}

/// Holds the generation at its second token until the consumer's stop request has reached
/// the stream. The consumer is a task on the cooperative pool, which other tests running in
/// parallel can keep busy for minutes on a two-core machine, so the wait is long (at most
/// ten minutes: only a stream that never passes the request on waits that long).
struct HoldUntilStopRequested: LogitProcessor {
    let box: ChannelBox
    var step = 0

    mutating func process(_ logits: UnsafeMutableBufferPointer<Float>, recentTokens: [Int32]) {
        step += 1
        guard step == 2 else { return }
        let deadline = Date().addingTimeInterval(600)
        while !box.isStopRequested && Date() < deadline { usleep(1000) }
    }
}
