// The async sequence a generation streams: pieces, then exactly one `.finished(summary)` or
// an error, also when the consuming task is cancelled. Explained in
// Documentation/16-Using-the-Library.md.

import Foundation

/// The events of one generation, for `for try await`: `.piece`s, then `.finished(summary)`.
///
/// Unlike `AsyncThrowingStream`, which ends at once when the consuming task is cancelled,
/// cancelling here asks the generation to stop (within one layer of one batch of the
/// prompt, or after the current token) and still delivers its last event:
/// `.finished(summary)` with `finishReason == .cancelled`, or the error it threw. So every
/// stream ends with a summary or an error, and the model is free for the next request when
/// the loop ends.
///
/// ```swift
/// let task = Task {
///     for try await event in llama.generate(prompt: "Once upon a time") {
///         if case .finished(let summary) = event { print(summary.finishReason) }  // .cancelled
///     }
/// }
/// task.cancel()
/// ```
public struct GenerationStream: AsyncSequence, Sendable {
    /// Pieces, then one `.finished`.
    public typealias Element = GenerationEvent

    let channel: Channel

    /// Reads the events in order; `next()` returns nil after the last one. An iterator
    /// dropped before the end (a `break` out of the loop) stops the generation.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let listener: Listener

        /// The next event, or nil when the generation has ended and every event was read.
        /// - Throws: The error that ended the generation.
        public mutating func next() async throws -> GenerationEvent? {
            let channel = listener.channel
            return try await withTaskCancellationHandler {
                try await channel.receive()
            } onCancel: {
                channel.requestStop()
            }
        }
    }

    /// An iterator over the events.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(listener: Listener(channel: channel)) }

    /// Asks the generation to stop when nobody reads its events any more.
    final class Listener: Sendable {
        let channel: Channel
        init(channel: Channel) { self.channel = channel }
        deinit { channel.requestStop() }
    }

    /// The queue between the generating thread and the consumer, and the stop request that
    /// goes the other way.
    final class Channel: @unchecked Sendable {
        // @unchecked Sendable: every stored property is guarded by `lock`.
        private let lock = NSLock()
        private var events: [GenerationEvent] = []
        private var ending: Result<Void, Error>? = nil
        private var waiter: CheckedContinuation<GenerationEvent?, Error>? = nil
        private var stopRequested = false

        /// Whether the consumer asked the generation to stop (or stopped listening).
        var isStopRequested: Bool {
            lock.lock(); defer { lock.unlock() }
            return stopRequested
        }

        func requestStop() {
            lock.lock(); stopRequested = true; lock.unlock()
        }

        /// Adds an event (producer side).
        func send(_ event: GenerationEvent) {
            lock.lock()
            if let waiter {
                self.waiter = nil
                lock.unlock()
                waiter.resume(returning: event)
                return
            }
            events.append(event)
            lock.unlock()
        }

        /// Ends the stream after the events sent so far, normally or with `error`.
        func finish(throwing error: Error? = nil) {
            lock.lock()
            ending = error.map { .failure($0) } ?? .success(())
            guard let waiter, events.isEmpty else { lock.unlock(); return }
            self.waiter = nil
            lock.unlock()
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }

        /// The next event, waiting for one if none is queued (consumer side).
        func receive() async throws -> GenerationEvent? {
            try await withCheckedThrowingContinuation { continuation in
                lock.lock()
                if !events.isEmpty {
                    let event = events.removeFirst()
                    lock.unlock()
                    continuation.resume(returning: event)
                } else if let ending {
                    // An error is thrown once; afterwards the stream just ends.
                    self.ending = .success(())
                    lock.unlock()
                    switch ending {
                    case .success: continuation.resume(returning: nil)
                    case .failure(let error): continuation.resume(throwing: error)
                    }
                } else {
                    waiter = continuation
                    lock.unlock()
                }
            }
        }

    }
}
