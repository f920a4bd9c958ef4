// First come, first served: the requests on one model run one at a time, in the order they
// were made. Explained in Documentation/16-Using-the-Library.md.

import Foundation

/// A ticket lock: `take()` hands out numbers in call order, `wait(for:)` blocks until that
/// number is served, and `done()` serves the next.
///
/// A plain mutex lets whichever waiting thread the system wakes run next, so a request made
/// later could overtake one made earlier (and a busy app could starve one). With tickets,
/// the order is fixed when the request is made: a stream takes its ticket when
/// `generate` is called, before its thread even starts.
final class RequestQueue: @unchecked Sendable {
    // @unchecked Sendable: both counters are guarded by `condition`.
    private let condition = NSCondition()
    private var nextTicket = 0
    private var serving = 0

    /// A place in the queue. Every ticket taken must be waited for and then finished with
    /// `done()`, or the requests behind it wait forever.
    func take() -> Int {
        condition.lock()
        defer { condition.unlock() }
        nextTicket += 1
        return nextTicket - 1
    }

    /// Blocks until every request with an earlier ticket is done.
    func wait(for ticket: Int) {
        condition.lock()
        while serving != ticket { condition.wait() }
        condition.unlock()
    }

    /// Ends the current request and wakes the next.
    func done() {
        condition.lock()
        serving += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body` in turn: takes a ticket, waits for it, runs, and lets the next one go.
    func run<Result>(_ body: () throws -> Result) rethrows -> Result {
        let ticket = take()
        wait(for: ticket)
        defer { done() }
        return try body()
    }
}
