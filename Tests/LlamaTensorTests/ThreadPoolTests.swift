// The thread pool's own promises: many calls on one pool, calls from inside a chunk, and
// several callers at once all cover every index exactly once.

import Dispatch
import Foundation
import Testing
@testable import LlamaTensor

@Suite("Thread pool")
struct ThreadPoolTests {
    /// Runs `parallelChunks` and returns how often each index was visited, failing if a
    /// chunk index is out of range or two chunks share an index.
    static func visits(_ pool: ThreadPool, count: Int, granularity: Int) -> [Int] {
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
        defer { hits.deallocate() }
        hits.initialize(repeating: 0)
        let chunkSeen = UnsafeMutableBufferPointer<Int>.allocate(capacity: pool.threadCount)
        defer { chunkSeen.deallocate() }
        chunkSeen.initialize(repeating: 0)
        pool.parallelChunks(count, granularity: granularity) { chunk, range in
            precondition(chunk >= 0 && chunk < pool.threadCount, "chunk \(chunk)")
            chunkSeen[chunk] += 1
            for i in range { hits[i] += 1 }
        }
        #expect(chunkSeen.allSatisfy { $0 <= 1 }, "a chunk index was used twice")
        return Array(hits.prefix(count))
    }

    @Test func oneBusyPoolServesManyCallsInARow() {
        // Thousands of back-to-back generations: the workers must see each one exactly once.
        let pool = ThreadPool(threadCount: 3)
        for call in 0..<3_000 {
            let count = 1 + call % 37
            let hits = Self.visits(pool, count: count, granularity: 1 + call % 3)
            if !hits.allSatisfy({ $0 == 1 }) {
                Issue.record("call \(call): visits \(hits)")
                return
            }
        }
    }

    @Test func manyChunksPerThreadAreEachTakenOnce() {
        // More chunks than threads, and a different number from call to call: the threads
        // take them in turn, each exactly once. More threads than this machine's cores, so
        // workers are often interrupted between reading a ticket and claiming it (which
        // once let a late worker run a chunk of the previous call's count in the next call).
        let pool = ThreadPool(threadCount: 5)
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 200)
        defer { hits.deallocate() }
        for call in 0..<20_000 {
            let count = 1 + call % 197
            hits.initialize(repeating: 0)
            pool.parallelFor(count, granularity: 1 + call % 4, chunksPerThread: 1 + call % 6) { range in
                for i in range { hits[i] += 1 }
            }
            if !hits.prefix(count).allSatisfy({ $0 == 1 }) {
                Issue.record("call \(call): visits \(Array(hits.prefix(count)))")
                return
            }
        }
    }

    @Test func aCallFromInsideAChunkRunsInlineInsteadOfDeadlocking() {
        let pool = ThreadPool(threadCount: 2)
        let inner = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2 * 10)
        defer { inner.deallocate() }
        inner.initialize(repeating: 0)
        pool.parallelChunks(2) { chunk, _ in
            // The workers are busy with this very call, so the nested one runs its chunks
            // on this thread; it must still cover its indices.
            pool.parallelFor(10) { range in
                for i in range { inner[chunk * 10 + i] += 1 }
            }
        }
        #expect(inner.allSatisfy { $0 == 1 })
    }

    @Test func callersOnSeveralThreadsShareOnePool() {
        let pool = ThreadPool(threadCount: 2)
        let failures = FailureCount()
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for call in 0..<300 {
                let count = 5 + (call + caller) % 50
                if !Self.visits(pool, count: count, granularity: 2).allSatisfy({ $0 == 1 }) {
                    failures.add()
                }
            }
        }
        #expect(failures.value == 0)
    }

    @Test func poolsComeAndGo() {
        // Each pool starts workers and stops them when its last copy goes away; many in a
        // row must neither hang nor leave a pool that misses indices.
        for round in 0..<50 {
            let pool = ThreadPool(threadCount: 2 + round % 3)
            let copy = pool
            #expect(Self.visits(copy, count: 64, granularity: 4).allSatisfy { $0 == 1 })
        }
    }
}

/// A counter several threads may bump.
private final class FailureCount: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
