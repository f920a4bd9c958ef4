// Running a loop over all cores. Explained in Documentation/05-Tensors-and-Kernels.md.

import Dispatch
import Foundation

/// Splits loops across a fixed number of worker threads.
///
/// The workers come from Dispatch's global pool, which keeps its threads alive between
/// calls, so nothing is spawned per call. Work is split into `threadCount` contiguous
/// chunks; every kernel computes each output element entirely inside one chunk and in a
/// fixed order, so results are bit-identical whatever the thread count.
public struct ThreadPool: Sendable {
    /// How many chunks a loop is split into (at least 1).
    public let threadCount: Int

    /// A pool with `threadCount` workers; `nil` means one per active processor.
    public init(threadCount: Int? = nil) {
        self.threadCount = max(1, threadCount ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// A pool that runs everything on the calling thread.
    public static let serial = ThreadPool(threadCount: 1)

    /// Calls `body` once per chunk of `0..<count`, in parallel; returns when all are done.
    ///
    /// - Parameters:
    ///   - count: The number of items.
    ///   - granularity: Chunk boundaries fall on multiples of this (a kernel's tile height),
    ///     except the last.
    ///   - body: Processes one chunk; called concurrently from several threads, so it must
    ///     write disjoint outputs.
    public func parallelFor(_ count: Int, granularity: Int = 1,
                            _ body: (Range<Int>) -> Void) {
        parallelChunks(count, granularity: granularity) { _, range in body(range) }
    }

    /// Like `parallelFor`, and also passes the chunk's index in `0..<threadCount`, so a
    /// chunk can use scratch memory of its own (for example a row of attention scores).
    public func parallelChunks(_ count: Int, granularity: Int = 1,
                               _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        let step = max(1, granularity)
        let tiles = (count + step - 1) / step
        let chunks = min(threadCount, tiles)
        if chunks <= 1 {
            body(0, 0..<count)
            return
        }
        // Balanced split of whole tiles: the first `extra` chunks get one more tile.
        let base = tiles / chunks, extra = tiles % chunks
        // The chunks write disjoint outputs and `concurrentPerform` returns only after all
        // of them, so handing the non-Sendable closure to the workers is safe. The closure
        // stays non-escaping for callers, so its context needs no heap allocation.
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let firstTile = chunk * base + min(chunk, extra)
                let tileCount = base + (chunk < extra ? 1 : 0)
                let start = firstTile * step
                let end = min(count, (firstTile + tileCount) * step)
                if start < end { work.value(chunk, start..<end) }
            }
        }
    }
}

/// Carries a value across a concurrency boundary that the caller has proven safe.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
