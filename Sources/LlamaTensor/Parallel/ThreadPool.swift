// Running a loop over all cores. Explained in Documentation/19-Making-It-Fast.md.

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits loops across a fixed number of threads: the caller and `threadCount - 1` workers
/// that the pool starts once and keeps.
///
/// Decoding one token makes about 130 parallel calls, one per matrix product and one per
/// layer's attention, each a few hundred microseconds long. Waking a sleeping thread costs
/// about 10 µs, so between calls the workers spin on an atomic counter, then yield the core
/// between checks, and only sleep after about 10 ms with no work. Workers that park between
/// calls, as `DispatchQueue.concurrentPerform`'s do, would lose a wake-up on every call,
/// 15-20% of the 1B shape's decode time.
///
/// Work is split into `threadCount` contiguous chunks (or a few times as many, which the
/// threads take in turn, see `parallelFor`); every kernel computes each output element
/// entirely inside one chunk and in a fixed order, so results are bit-identical whatever
/// the thread count or the chunks, and also when a call runs all chunks on the calling
/// thread (which happens when the pool is already busy, see `parallelChunks`).
public struct ThreadPool: Sendable {
    /// How many chunks a loop is split into (at least 1).
    public let threadCount: Int
    /// The workers, for `threadCount > 1`; shared by copies of the pool and stopped when
    /// the last copy goes away.
    private let workers: WorkerThreads?

    /// A pool with `threadCount` threads including the caller; `nil` means one per active
    /// processor.
    public init(threadCount: Int? = nil) {
        self.threadCount = max(1, threadCount ?? ProcessInfo.processInfo.activeProcessorCount)
        self.workers = self.threadCount > 1 ? WorkerThreads(count: self.threadCount - 1) : nil
    }

    /// A pool that runs everything on the calling thread.
    public static let serial = ThreadPool(threadCount: 1)

    /// Calls `body` once per chunk of `0..<count`, in parallel; returns when all are done.
    ///
    /// - Parameters:
    ///   - count: The number of items.
    ///   - granularity: Chunk boundaries fall on multiples of this (a kernel's tile height),
    ///     except the last.
    ///   - chunksPerThread: Split into up to this many chunks per thread, which the threads
    ///     take in turn as they finish: for long calls, so a thread slowed by something
    ///     else on its core does not hold back the others at the end.
    ///   - body: Processes one chunk; called concurrently from several threads, so it must
    ///     write disjoint outputs.
    public func parallelFor(_ count: Int, granularity: Int = 1, chunksPerThread: Int = 1,
                            _ body: (Range<Int>) -> Void) {
        split(count, granularity: granularity, chunks: threadCount * max(1, chunksPerThread)) { _, range in
            body(range)
        }
    }

    /// Like `parallelFor`, and also passes the chunk's index in `0..<threadCount`, so a
    /// chunk can use scratch memory of its own (for example a row of attention scores).
    ///
    /// One call at a time uses the workers. A call made while the pool is busy (from
    /// another thread, or from inside a `body`) runs its chunks one after another on the
    /// calling thread instead of waiting: same chunks, same results, no deadlock.
    public func parallelChunks(_ count: Int, granularity: Int = 1,
                               _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        split(count, granularity: granularity, chunks: threadCount, body)
    }

    /// Runs `body` on up to `maxChunks` balanced chunks of whole tiles.
    private func split(_ count: Int, granularity: Int, chunks maxChunks: Int,
                       _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        let step = max(1, granularity)
        let tiles = (count + step - 1) / step
        let chunks = min(maxChunks, tiles, WorkerThreads.maxChunks)
        // Balanced split of whole tiles: the first `extra` chunks get one more tile.
        let base = tiles / chunks, extra = tiles % chunks
        func runChunk(_ chunk: Int) {
            let firstTile = chunk * base + min(chunk, extra)
            let tileCount = base + (chunk < extra ? 1 : 0)
            let start = firstTile * step
            let end = min(count, (firstTile + tileCount) * step)
            if start < end { body(chunk, start..<end) }
        }
        guard chunks > 1, let workers, workers.tryRun(chunks: chunks, runChunk) else {
            for chunk in 0..<chunks { runChunk(chunk) }
            return
        }
    }
}

/// The threads behind a `ThreadPool`: they wait for a new generation of work and take
/// chunks of it until none is left.
///
/// The calling thread publishes the job, sets `claims` to the new generation's first
/// ticket and then `claimLimit` to one past its last (both release), and bumps
/// `generation`. Then the caller and every worker that sees the new generation take chunks
/// by compare-and-swap on `claims`, run them and count `remaining` down (release); the
/// caller spins until it is zero (acquire), so it sees every output. Chunks go to whoever
/// asks first, so when a worker is late (the cores are busy with other threads) the caller
/// runs its chunk instead of waiting for it.
private final class WorkerThreads: @unchecked Sendable {
    // @unchecked Sendable: `job` is written only by the caller holding `busy`, before the
    // release of `claims`, and read only by a thread that has taken one of that call's
    // chunks (acquire); the rest is atomic or guarded by `condition`.

    private let state: SharedState

    /// What the workers share. Separate from `WorkerThreads` so the threads keep it alive
    /// without keeping the pool alive: when the last pool copy goes, `deinit` stops them.
    final class SharedState: @unchecked Sendable {
        /// Bumped once per call (and once to stop).
        let generation = Atomic<Int>(0)
        /// The next chunk to take: the call's generation times `ticketsPerCall` plus the
        /// chunk index. The generation part makes a late worker's stale ticket fail.
        let claims = Atomic<Int>(0)
        /// One past the current call's last ticket. Stored after `claims`, so a thread that
        /// reads the new limit also finds `claims` moved on, and a stale ticket of the
        /// previous call (below the new limit) fails its compare-and-swap. (Checking the
        /// ticket against a separate chunk count, as the pool first did, let a late thread
        /// take one past the previous call's last chunk when the next call had more chunks;
        /// the thread sanitizer caught it once calls could have different chunk counts.)
        let claimLimit = Atomic<Int>(0)
        /// Chunks of the current call not yet finished.
        let remaining = Atomic<Int>(0)
        /// Whether a call owns the workers.
        let busy = Atomic<Bool>(false)
        let stop = Atomic<Bool>(false)
        /// The current call's chunk function; valid while it has unfinished chunks.
        var job: ((Int) -> Void)?
        /// Guards sleeping and waking.
        let condition = NSCondition()
        var sleepers = 0
    }

    /// The most chunks one call may have.
    static var maxChunks: Int { 1 << 16 }
    /// Tickets reserved per call: more than any chunk count.
    static var ticketsPerCall: Int { maxChunks + 1 }

    init(count: Int) {
        self.state = SharedState()
        for index in 1...count {
            let state = self.state
            let thread = Thread { WorkerThreads.work(state: state) }
            thread.name = "llama-worker-\(index)"
            thread.start()
        }
    }

    deinit {
        state.stop.store(true, ordering: .releasing)
        state.condition.lock()
        state.generation.add(1, ordering: .releasing)
        state.condition.broadcast()
        state.condition.unlock()
    }

    /// Runs `chunk(0..<chunks)` on the calling thread and the workers; returns false,
    /// having run nothing, if another call owns the workers.
    func tryRun(chunks: Int, _ chunk: (Int) -> Void) -> Bool {
        guard state.busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        withoutActuallyEscaping(chunk) { chunk in
            let generation = state.generation.load(ordering: .relaxed) + 1
            state.job = chunk
            state.remaining.store(chunks, ordering: .relaxed)
            state.claims.store(generation * Self.ticketsPerCall, ordering: .releasing)
            state.claimLimit.store(generation * Self.ticketsPerCall + chunks, ordering: .releasing)
            state.condition.lock()
            state.generation.store(generation, ordering: .releasing)
            if state.sleepers > 0 { state.condition.broadcast() }
            state.condition.unlock()
            Self.takeChunks(state: state)
            while state.remaining.load(ordering: .acquiring) != 0 {}
            // Every chunk has finished, and each thread dropped its reference to the job
            // before counting its chunk down, so the closure has not escaped.
            state.job = nil
        }
        state.busy.store(false, ordering: .releasing)
        return true
    }

    /// A worker's life: wait for a generation, take its chunks, repeat until stopped.
    private static func work(state: SharedState) {
        var seen = 0
        while true {
            seen = waitForGeneration(after: seen, state: state)
            if state.stop.load(ordering: .acquiring) { return }
            takeChunks(state: state)
        }
    }

    /// Takes and runs chunks of the current call until none is left. A thread still here
    /// when the next call is published may take chunks of that one too: it reads the job
    /// only after its compare-and-swap has seen that call's `claims`.
    private static func takeChunks(state: SharedState) {
        while true {
            let ticket = state.claims.load(ordering: .acquiring)
            guard ticket < state.claimLimit.load(ordering: .acquiring) else { return }
            guard state.claims.compareExchange(expected: ticket, desired: ticket + 1,
                                               ordering: .acquiring).exchanged else { continue }
            runJob(ticket % ticketsPerCall, state: state)
            state.remaining.subtract(1, ordering: .releasing)
        }
    }

    /// Not inlined, so the thread's reference to the job ends when it returns, before its
    /// chunk is counted down.
    @inline(never)
    private static func runJob(_ index: Int, state: SharedState) {
        state.job?(index)
    }

    /// Spins until `generation` moves past `seen`. After `spinLimit` checks it yields the
    /// core between checks (so that, with more threads than cores, a spinning worker does
    /// not hold back one that still has work), and after `yieldLimit` more it sleeps on the
    /// condition (the caller wakes sleepers when it publishes a job).
    private static func waitForGeneration(after seen: Int, state: SharedState) -> Int {
        var spins = 0
        while true {
            let now = state.generation.load(ordering: .acquiring)
            if now != seen { return now }
            spins += 1
            if spins < spinLimit { continue }
            if spins < spinLimit + yieldLimit {
                sched_yield()
                continue
            }
            state.condition.lock()
            state.sleepers += 1
            while state.generation.load(ordering: .acquiring) == seen { state.condition.wait() }
            state.sleepers -= 1
            state.condition.unlock()
            spins = 0
        }
    }

    /// Checks of `generation` in a tight loop before yielding (about 2.5 µs on the test
    /// machine, a quarter of a nanosecond each).
    private static var spinLimit: Int { 10_000 }
    /// Checks with a yield in between before sleeping (about 10 ms: a `sched_yield` with
    /// nothing else to run takes about 0.4 µs). Prefill has serial steps of a few
    /// milliseconds between its products (norms, RoPE, quantizing activations); with a
    /// window of 40 µs instead, the workers slept through them and prefill lost 8% to
    /// wake-ups, with 1 ms 2-4%.
    private static var yieldLimit: Int { 25_000 }
}
